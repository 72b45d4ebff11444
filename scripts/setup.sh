#!/usr/bin/env bash
# One command on a fresh clone: system libraries, virtual environment, the
# package, then the sample brochure into build/.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
.venv/bin/brochure build
