"""brochure: an edition folder (brochure.yml + Markdown cards) in, a print-quality PDF out.

The pipeline, one module per stage, each importing only from the stages before it:

    config -> content -> markup -> document -> pdf -> output

`build.py` runs it; `cli.py` is the thin command line on top.
"""

from pathlib import Path

__version__ = "0.1.0"
# The shipped themes and fonts (templates/, styles/, assets/ under it), inside the package so that an installed
# wheel finds them: see resources.py, which the stages move to one by one.
TOOL_ROOT = Path(__file__).resolve().parent / "shipped"
