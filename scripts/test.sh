#!/usr/bin/env bash
# The test suite (sets up what it needs first). Extra arguments go to pytest.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
exec .venv/bin/python -m pytest "$@"
