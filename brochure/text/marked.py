"""An HTML document + an attribute -> how many of its elements carry it (the standard library's parser alone).

Light on purpose: the layout workers count a unit's `data-keep` elements
(`Unit.kept`) without importing Markdown or Jinja2.
"""
from __future__ import annotations

from html.parser import HTMLParser


def count_marked(html: str, attribute: str) -> int:
    """How many elements of an HTML document carry `attribute` (text that merely spells it does not count)."""
    counter = _MarkedElements(attribute)
    counter.feed(html)
    counter.close()
    return counter.count


class _MarkedElements(HTMLParser):
    def __init__(self, attribute: str):
        super().__init__(convert_charrefs=True)
        self.attribute, self.count = attribute, 0

    def handle_starttag(self, tag, attrs):
        self.count += any(name == self.attribute for name, _ in attrs)

    handle_startendtag = handle_starttag
