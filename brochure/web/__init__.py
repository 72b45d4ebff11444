"""The checked Edition -> the screen formats: a static site (build/site/) and an EPUB 3 (build/).

    fragments.py   markup's HTML fragments -> web-ready HTML: pictures, notes as back-references, safe links
    pictures.py    an image of the edition -> resized copies and a srcset, for the site and the EPUB
    views.py       the Edition -> plain records the web templates read (strings, URLs, no Path)
    pages.py       views + the theme's web templates -> the HTML of every page (site or EPUB)
    fonts.py       the fonts a web stylesheet names -> subset WOFF2 files from assets/fonts
    site.py        pages + stylesheet + pictures + fonts -> the site's files, in memory, then build/site/
    epub.py        the same pages, as XHTML -> an EPUB 3 (ebooklib), deterministic bytes
    cover.py       the cover unit of the book -> a PNG (WeasyPrint, then pypdfium2)
"""
