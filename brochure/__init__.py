"""brochure: an edition folder (brochure.yml + Markdown cards) in, a print-quality PDF out.

The pipeline, one module per stage, each importing only from the stages before it:

    config -> content -> markup -> document -> pdf -> output

`build.py` runs it; `cli.py` is the thin command line on top. What brochure
ships (themes, fonts, the colour profile, the skeleton edition) is package
data, found with `resources.py`: nothing assumes the checkout.
"""

__version__ = "0.1.0"
