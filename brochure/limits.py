"""The limits brochure sets on what an edition may ask of it -> named constants, in one place.

They are generous for a real brochure and stop a broken or hostile edition
from taking the machine's memory or time. Each is a constant (never a
process-wide setting): code that needs another value takes it as an argument.
docs/security.md lists them.
"""
from __future__ import annotations

MAX_FILE_BYTES = 1_000_000     # brochure.yml, a card, the editorial, the back page: text, not pictures
MAX_YAML_DEPTH = 12            # nesting of lists and groups in YAML (a card needs 5: testimonials' questions)

MAX_AUTHORS = 12               # per card: six rows of the authors' block, one page at most
MAX_TUTORS = 12                # per card
MAX_KEY_FIGURES = 40           # per card
MAX_TESTIMONIALS = 12          # per card
MAX_QUESTIONS = 30             # per testimonial
MAX_FURTHER_READING = 40       # per card
MAX_MEMBERS = 500              # per promotion, in brochure.yml

LAYOUT_SECONDS = 120.0         # wall-clock time to lay out one unit (a card, the sommaire...)

MAX_DOCUMENT_BYTES = 200_000_000   # `brochure import`: a Word document, unpacked (its text and its photos)
MAX_IMPORTED_PIXELS = 50_000_000   # one image of it (7000 × 7000: more than 300 dpi over an A3 page)

MAX_PROOF_DPI = 1200           # `brochure proof --dpi`: an A4 page at 1200 dpi is already 140 megapixels
MAX_SHEET_DPI = 150            # `--sheet-dpi`: the contact sheet holds every page
MAX_SPREADS_PER_ROW = 50       # `--spreads`

MAX_TEMPLATE_BYTES = 1_000_000   # a template file of the edition or its theme
MAX_TEMPLATE_REPEAT = 100_000    # in a template: `'x' * n`, widths and counts given to filters and methods, lipsum
MAX_TEMPLATE_POWER = 1_000       # in a template: the exponent of `a ** b`
MAX_TEMPLATE_BITS = 100_000      # in a template: the size of the result of `a ** b`
MAX_UNIT_HTML = 10_000_000       # characters of HTML one unit's template may make (a sample card makes ~20,000)
TEMPLATE_SECONDS = 60.0         # wall-clock time for `check` to make every unit's HTML from the templates

# The Markdown of a card, the editorial, the back page (brochure/text/markup.py), checked by `check`:
MAX_BLOCK = 10_000             # characters in one paragraph, list or table (text between empty lines)
MAX_NESTING = 8                # lists and quotes inside each other
MAX_TABLE_COLUMNS = 12         # columns of a table
LINK_SCAN = 2_000              # characters Markdown searches for the end of a link's text or target (keeps it linear)
LONG_WORD = 30                 # letters in a row without a break opportunity; longer words get one every 15

# The images of the edition (brochure/edition/images.py), decoded or parsed whole by `check`:
MAX_PIXELS = 50_000_000        # 7000 × 7000: far more than 300 dpi over a whole A3 page (Pillow's limit too)
MAX_SVG_ELEMENTS = 20_000      # elements of an SVG once every <use> is expanded
MAX_SVG_DEPTH = 100            # SVG elements inside each other (deeper ones overflow WeasyPrint's recursion)
