"""Plain French text -> the same text with French typographic spacing and signs.

The rules (documented for editors in docs/typography.md):

- a no-break space (U+00A0) before « : » and inside « guillemets »;
- a narrow no-break space (U+202F) before « ; ! ? », before « % » and « € »
  after a number, and between the groups of digits of a number (« 1 039 »,
  « 400 000 »);
- numbers that are not quantities are left whole: years (« 2021 », « en 1750 »),
  codes (a postal code before a town, « 59000 Lille »; a number after an
  acronym or « n° », « ISO 14001 »; a number starting with 0; phone numbers);
- a number and its unit never split (« 2,1 °C », « 35 km », « 12 ans »);
- the typographic apostrophe (’) and ellipsis (…);
- a no-break space after a one-letter word (« à », « a », « y »), so that it
  never ends a line;
- URLs and e-mail addresses are left exactly as written (`urls.py` marks
  where they may break).

`french_html` applies them to the text of an HTML fragment, leaving tags,
attributes, code and URLs alone.
"""
from __future__ import annotations

import re
from html import escape, unescape

from .urls import URL_CLASS, find_urls, url_html
from ..limits import LONG_WORD

NBSP = "\u00a0"
NNBSP = "\u202f"
_HIDDEN = 0xE000   # URLs stand in the text as private-use characters while the rules run

_RULES = [
    (re.compile(r"(?<=\w)'|'(?=\w)"), "\u2019"),
    (re.compile(r"\.\.\."), "\u2026"),
    (re.compile(r"«[ \u00a0\u202f]*"), "«" + NBSP),
    (re.compile(r"[ \u00a0\u202f]*»"), NBSP + "»"),
    # « : » takes a no-break space, but not in 10:30.
    (re.compile(r"(?<=[^\s\d])[ \u00a0\u202f]?:(?=\s|$)"), NBSP + ":"),
    (re.compile(r"(?<=[^\s(\[])[ \u00a0\u202f]?([;!?])(?=\s|$|[»)\]\u00a0.,])"), NNBSP + r"\1"),
    (re.compile(r"(?<=\d)[ \u00a0]?(%|€)"), NNBSP + r"\1"),
    (re.compile(r"(?<![\w\u2019'])([àÀaAyYôÔ])[ ](?=[\w\ue000-\uf8ff])"), r"\1" + NBSP),   # also before a URL
]

# Units that stay with their number: symbols take a narrow no-break space, words a no-break space.
UNIT_SYMBOLS = ("°C", "°F", "°", "‰", "$", "£", "M€", "k€", "Md€", "Mds€", "Md", "Mds",
                "mm", "cm", "m", "km", "km/h", "m²", "km²", "m³", "ha", "l", "hl", "kg", "g", "t",
                "W", "kW", "MW", "GW", "kWh", "MWh", "GWh", "TWh", "h", "min", "s", "j", "Go", "Mo", "To")
UNIT_WORDS = ("an", "ans", "année", "années", "mois", "semaine", "semaines", "jour", "jours", "heure", "heures",
              "minute", "minutes", "seconde", "secondes", "siècle", "siècles", "euro", "euros",
              "million", "millions", "milliard", "milliards", "mètres", "kilomètres", "hectares", "tonnes", "litres")


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


_NUMBERS = [
    (re.compile(rf"(?<=\d)[ \u00a0\u202f]({_alternatives(UNIT_SYMBOLS)})(?![\w°/’'])"), NNBSP + r"\1"),
    (re.compile(rf"(?<=\d)[ \u00a0\u202f]({_alternatives(UNIT_WORDS)})(?![\w’'])"), NBSP + r"\1"),
    (re.compile(r"(?<=\d\u202fh) (?=\d\d\b)"), NNBSP),                               # 12 h 30
    (re.compile(r"(?<=\d) (à|–|-)[ \u00a0](?=\d)"), NBSP + r"\1" + NBSP),           # 8 à 12 ans
    (re.compile(r"(?<![\w\u202f])(\d{5}) (?=[A-ZÀ-Ý])"), r"\1" + NBSP),             # 59000 Lille
    (re.compile(r"(\b[A-Z]{2,}|\b[Nn][°º]) (?=\d)"), r"\1" + NBSP),                  # BP 40123, n° 12
]
_DIGIT = re.compile(r"\d")
_PHONE = re.compile(r"(?<![\d\u202f])(?:\+\d{2,3} ?\d|0\d)(?:[ .]\d\d){4}(?!\d)")
_GROUPED = re.compile(r"(?<![\w/.,@-])(\d{1,3})(?:[ \u00a0\u202f]\d{3})+(?![\d,.]\d)")
_LONG = re.compile(r"(?<![\w/.,@\u202f-])(\d{4,})(?![\w/@-]|[,.]\d)")
_CODE_BEFORE = re.compile(r"(?:\b[A-Z]{2,}|\b[Nn][°º])[ \u00a0]?:?[ \u00a0]?$")
_YEAR_BEFORE = re.compile(r"\b(?:en|depuis|dès|année|an|vers|avant|après|janvier|février|mars|avril|mai|juin|"
                          r"juillet|août|septembre|octobre|novembre|décembre)[ \u00a0]$", re.IGNORECASE)
_TOWN_AFTER = re.compile(r"^[ \u00a0][A-ZÀ-Ý]")
_TOWN_BEFORE = re.compile(r"(?:\b[A-ZÀ-Ý][\w'\u2019-]*[ \u00a0]\(|\bcode postal[ \u00a0]?:?[ \u00a0]?)$")   # « Bolbec (76800) », « code postal 76800 »


def french(text: str) -> str:
    """Apply the French rules to a piece of plain text; URLs and e-mail addresses are left as written."""
    hidden, urls = _hide_urls(text)
    return _show_urls(_french_rules(hidden), urls, lambda url: url)


def _french_rules(text: str) -> str:
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    if not _DIGIT.search(text):
        return text
    text = _PHONE.sub(lambda m: m.group(0).replace(" ", NBSP), text)
    text = _GROUPED.sub(lambda m: re.sub(r"[ \u00a0]", NNBSP, m.group(0)), text)
    for pattern, replacement in _NUMBERS:
        text = pattern.sub(replacement, text)
    return _LONG.sub(_group_digits, text)


def _group_digits(match: re.Match) -> str:
    digits = match.group(1)
    if _is_code_or_year(digits, match.string[:match.start()], match.string[match.end():]):
        return digits
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    return NNBSP.join(groups)


def _is_code_or_year(digits: str, before: str, after: str) -> bool:
    """Whether a run of digits is a year or a code, not a quantity: then it is not grouped."""
    if len(digits) == 4 and (1800 <= int(digits) <= 2099 or _YEAR_BEFORE.search(before)):
        return True
    if digits.startswith("0") or _CODE_BEFORE.search(before):
        return True
    if len(digits) != 5:
        return False
    in_brackets = before.endswith("(") and after.startswith(")")
    return bool(_TOWN_AFTER.match(after) or (_TOWN_BEFORE.search(before) and (in_brackets or not before.endswith("("))))


def _hide_urls(text: str) -> tuple[str, list[str]]:
    """Each URL or address -> one private-use character, so that no rule can reach inside it."""
    spans = find_urls(text)
    urls = [text[start:end] for start, end in spans]
    for index, (start, end) in reversed(list(enumerate(spans))):
        text = text[:start] + chr(_HIDDEN + index) + text[end:]
    return text, urls


def _show_urls(text: str, urls: list[str], show) -> str:
    for index, url in enumerate(urls):
        text = text.replace(chr(_HIDDEN + index), show(url))
    return text


_TAG = re.compile(r"(<[^>]*>)")
_RAW = ("code", "pre", "script", "style")
_URL_SPAN = f'<span class="{URL_CLASS}">'


def french_html(html: str) -> str:
    """Apply the French rules to the text between the tags of an HTML fragment.

    Code is left alone, and so is a URL already marked (`<span class="url">`),
    so that applying the rules twice changes nothing.
    """
    out, raw_depth, url_depth, previous = [], 0, 0, ""
    for piece in _TAG.split(html):
        if piece.startswith("<"):
            name = re.match(r"</?\s*([a-zA-Z0-9]+)", piece)
            tag = name.group(1).lower() if name else ""
            if tag in _RAW and not piece.endswith("/>"):
                raw_depth += -1 if piece.startswith("</") else 1
            if tag == "span" and (url_depth or piece == _URL_SPAN):
                url_depth += -1 if piece.startswith("</") else 1
            out.append(piece)
        elif raw_depth or url_depth or not piece:
            out.append(piece)
        else:
            out.append(_french_escaped(piece, glued=previous[-1:].isalnum()))
            previous = piece
    return "".join(out)


def _french_escaped(text: str, glued: bool) -> str:
    """French rules on HTML text, where quotes and ampersands may be entities; URLs marked for breaking.

    `glued`: the text continues a word begun before a tag (« <span>L</span>a ville »),
    so its first letters are not a word of their own.
    """
    hidden, urls = _hide_urls(unescape(text))
    hidden = _french_rules("x" + hidden)[1:] if glued else _french_rules(hidden)
    return _show_urls(escape(hidden, quote=False), urls, url_html)


_TOKEN = re.compile(r"(?:[^\s\u200b]|[\u00a0\u202f]){%d,}" % (LONG_WORD + 1))
_RUN = re.compile(r"(?:[^\s\u200b/-]|[\u00a0\u202f]){%d,}" % (LONG_WORD + 1))
_ADDRESS = re.compile(r"://|^(?:mailto:|www\.)|@", re.IGNORECASE)


def break_long_words(html: str) -> str:
    """Words longer than LONG_WORD in the text of an HTML fragment -> the same with zero-width spaces in them.

    A 5,000-letter word costs minutes of layout and cannot fit a column; cut
    every LONG_WORD // 2 letters, it costs nothing and breaks where it must.
    URLs and e-mail addresses are left whole: their breaks are `urls`' (`<span class="url">`).
    """
    if not _TOKEN.search(html):
        return html
    out, url_depth = [], 0
    for piece in _TAG.split(html):
        if piece.startswith("<") and piece.startswith(("<span", "</span")) and (url_depth or piece == _URL_SPAN):
            url_depth += -1 if piece.startswith("</") else 1
        if piece.startswith("<") or url_depth or not _TOKEN.search(piece):
            out.append(piece)
            continue
        text = _TOKEN.sub(lambda m: m.group(0) if _ADDRESS.search(m.group(0)) else _RUN.sub(_cut, m.group(0)),
                          unescape(piece))
        out.append(escape(text, quote=False))
    return "".join(out)


def _cut(match: re.Match) -> str:
    run, step = match.group(0), LONG_WORD // 2
    return "\u200b".join(run[i:i + step] for i in range(0, len(run), step))
