"""URLs and e-mail addresses in plain text -> where they are, and HTML that prints them exactly, breaking cleanly.

A URL or an address is printed character for character: French typography
leaves it alone, it is never hyphenated, and no character is ever added to
it. It may break at the end of a line only where the Chicago Manual of Style
allows (documented for editors in docs/typography.md):

- after the `//` of the scheme (`https://`) or the colon of `mailto:`;
- after `=`;
- before a single `/`, and before `. , - _ ~ ? # % & @`, so that a line never
  ends with a period or a hyphen that a reader would take for the end of a
  sentence or a hyphenated word.

An e-mail address breaks only before its `@`, keeping both halves whole.

Each break point is a zero-width space (U+200B); a word joiner (U+2060)
after every hyphen, slash and question mark stops the line breaker from also
breaking there, as it would in running text. Both are invisible and left out of the PDF's text,
so that a URL copied from the PDF is the URL as written. A run with no break
point longer than the column still breaks anywhere rather than overflow
(`overflow-wrap: anywhere` on `.url`, in the theme's base.css).
"""
from __future__ import annotations

import re
from html import escape

ZWSP = "\u200b"
WORD_JOINER = "\u2060"
GLUED = "-/?"         # characters after which the line breaker would break by itself
URL_CLASS = "url"
# Domains written without www. (« injep.fr/thematique ») are recognised by these endings.
DOMAIN_ENDINGS = ("fr", "com", "org", "net", "eu", "info", "bzh", "io", "int", "edu", "be", "ch", "lu", "ca",
                  "de", "uk", "es", "it", "re", "paris", "alsace", "corsica")
_URL = re.compile(
    r"\b(?:(?:https?|ftp)://|mailto:|www\.)[^\s<>\"«»\u00a0\u202f]+"
    r"|(?<![\w.+%-])[\w.+%-]+@[\w-]+(?:\.[\w-]+)+"
    rf"|(?<![\w.@/-])[a-z0-9][\w-]*(?:\.[\w-]+)*\.(?:{'|'.join(DOMAIN_ENDINGS)})(?![\w-])(?:/[^\s<>\"«»\u00a0\u202f]*)?",
    re.IGNORECASE,
)
_SCHEME = re.compile(r"^(?:(?:https?|ftp)://|mailto:)", re.IGNORECASE)
_TRAILING = ".,;:!?'\"’»)]"
BREAK_BEFORE = "/.,-_~?#%&@"
BREAK_AFTER = "="


def find_urls(text: str) -> list[tuple[int, int]]:
    """(start, end) of every URL and e-mail address in a plain text, without the punctuation that follows it."""
    spans = []
    for match in _URL.finditer(text):
        end = match.start() + len(_without_trailing(match.group(0)))
        if end > match.start():
            spans.append((match.start(), end))
    return spans


def _without_trailing(url: str) -> str:
    """A URL less the sentence punctuation after it; a closing bracket stays when the URL opened it."""
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        if url[-1] == "]" and url.count("[") >= url.count("]"):
            break
        url = url[:-1]
    return url


def break_points(url: str) -> list[int]:
    """The indices before which a line may break inside `url` (never at its first or last character).

    An e-mail address breaks only before its @ (and after `mailto:`): its two halves stay whole.
    """
    scheme = _SCHEME.match(url)
    points = {scheme.end()} if scheme else set()
    if _is_address(url):
        return sorted(points | {url.index("@")})
    for index in range(scheme.end() + 1 if scheme else 1, len(url) - 1):
        char, before = url[index], url[index - 1]
        single = char != "/" or (before != "/" and url[index + 1] != "/")
        if (char in BREAK_BEFORE and single) or before in BREAK_AFTER:
            points.add(index)
    www = {index + 3 for index in range(len(url)) if url[index:index + 4].lower() == "www."}   # « www. » stays whole
    return sorted(point for point in points - www if 0 < point < len(url) - 1)


def _is_address(url: str) -> bool:
    """An e-mail address (or a mailto: URL), rather than a web address."""
    return "@" in url and ("/" not in url or url.lower().startswith("mailto:"))


def url_html(url: str) -> str:
    """A URL or address -> escaped HTML with its break points, in a `<span class="url">`."""
    points = break_points(url)
    pieces = [url[start:end] for start, end in zip([0] + points, points + [len(url)])]
    glued = [re.sub(f"(?<=[{re.escape(GLUED)}])(?=.)", WORD_JOINER, piece) for piece in pieces]
    return f'<span class="{URL_CLASS}">' + ZWSP.join(escape(piece, quote=False) for piece in glued) + "</span>"
