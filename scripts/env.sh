# Sourced by setup.sh and test.sh: make sure the system libraries and the
# virtual environment are there (idempotent; fast when nothing is missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# System libraries WeasyPrint needs (Debian/Ubuntu package names). libharfbuzz-subset0
# halves the PDF-writing time; qpdf and poppler-utils check and look at the output;
# chromium runs the browser tests of `brochure serve` and of the site (driven by Playwright, no browser download);
# epubcheck (with the Java runtime it pulls) checks the EPUB in the tests.
packages="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 qpdf poppler-utils chromium epubcheck"
if command -v dpkg >/dev/null 2>&1; then
  missing=$(for p in $packages; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
  if [ -n "$missing" ]; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "Installing system libraries: $missing"
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "Creating the virtual environment in .venv"
  python3 -m venv .venv
fi
if ! .venv/bin/python -c "import brochure, pytest, pypdf, playwright, starlette, ebooklib" >/dev/null 2>&1 \
   || [ pyproject.toml -nt .venv/.installed ]; then
  echo "Installing brochure and its dependencies into .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
  touch .venv/.installed
fi
# Python's compiled bytecode of brochure, as an installed wheel has it (pip compiles on install): where
# PYTHONDONTWRITEBYTECODE is set, every command would otherwise compile brochure's modules again (0.06 s).
.venv/bin/python -m compileall -q brochure >/dev/null
