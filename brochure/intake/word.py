"""A Word document (.docx) -> a card file of the edition, its images in data/images/<card>/, and a report.

mammoth turns the document into simple HTML (it reads Word's structure, not
its looks); `markdown.py` turns that into the Markdown an editor would type.
Here the blocks find their place in the card: the title and the « Label :
value » lines before the first part, the three parts under their canonical
headings, « Aller plus loin » as further reading; what Word cannot tell
(e-mails, photos, tutors, key figures) stays a commented or `missing` key,
and the report says so, one line per thing to complete.
"""
from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..edition.models import Config
from ..limits import MAX_DOCUMENT_BYTES, MAX_IMPORTED_PIXELS
from ..problems import WARNING, BrochureError, Problem
from ..text.parts import PARTS, folded, known_part
from .cards import Draft, card_text
from .markdown import Block, Document, to_markdown
from .new import IMAGES, card_path, edition_config, next_number, section_id, used_numbers, write_new

STYLE_MAP = "p[style-name='Title'] => h1.title:fresh\np[style-name='Subtitle'] => p:fresh"
KEPT_IMAGES = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/svg+xml": ".svg"}
LABELS = {"collectivity": ("collectivite", "collectivite commanditaire", "commanditaire", "structure d accueil"),
          "authors": ("auteurs", "auteur", "autrices", "eleves", "equipe", "redige par", "les auteurs"),
          "tutors": ("tuteur", "tutrice", "tuteurs", "tutrices"),
          "title": ("titre", "intitule", "titre du projet"), "section": ("section",)}
SIDE_HEADINGS = (("further_reading", ("aller plus loin", "bibliographie", "ressources", "pour en savoir plus")),
                 ("key_figures", ("chiffres",)), ("testimonials", ("temoignage",)),
                 ("tutors", ("tuteur", "tutrice")), ("authors", ("auteur", "les auteurs", "eleves")))


@dataclass(frozen=True)
class Imported:
    """One document carried into a card: what went where, and what a human must still do."""

    source: Path
    card: Path
    number: int
    carried: tuple[str, ...]
    to_complete: tuple[Problem, ...]

    def report(self, root: Path) -> list[str]:
        """What the command line prints: the card written, what it carries, then one line per thing to complete."""
        card = self.card.resolve()
        shown = card.relative_to(root.resolve()) if card.is_relative_to(root.resolve()) else card
        return ([f"{self.source.name} -> {shown}", f"  carried: {'; '.join(self.carried) or 'nothing'}",
                 f"  to complete by hand ({len(self.to_complete)}):"]
                + [f"  {problem.format(root.resolve())}" for problem in sorted(self.to_complete)])


@dataclass
class _Card:
    """The card being put together from the document's blocks."""

    fields: dict = field(default_factory=dict)
    authors: list = field(default_factory=list)
    body: list = field(default_factory=list)
    reading: list = field(default_factory=list)
    notes: dict = field(default_factory=dict)
    parts: list = field(default_factory=list)
    other_headings: list = field(default_factory=list)
    images: list = field(default_factory=list)     # the markers of the body's images
    kinds: list = field(default_factory=list)      # the kind of every block of the body


def import_word(document: Path, root: Path, section: str | None = None, number: int | None = None,
                output: Path | None = None, taken: frozenset = frozenset()) -> Imported:
    """Read `document`, write its card (and images) into the edition at `root`; never overwrite a file."""
    config = edition_config(root)
    if document.suffix.lower() != ".docx":
        raise BrochureError(f"{document}: not a Word document (.docx): save it from Word as .docx first")
    images: list[tuple[str, bytes]] = []
    html, messages = _convert(document, images)
    converted = to_markdown(html)
    card = _arrange(converted)
    if number is not None and number in used_numbers(config) | set(taken):
        raise BrochureError(f"--number: {number:02d} is already the number of a card of this edition")
    number = number or next_number(config, taken)
    name = card.fields.get("collectivity") or card.fields.get("title") or document.stem
    path = output or card_path(config, number, name.split("(")[0])
    draft = Draft(number, section_id(config, section or _section(config, card)),
                  card.fields.get("collectivity", "Collectivité à préciser"),
                  card.fields.get("title", "Titre à préciser"), tuple(card.authors), tuple(card.reading),
                  "", card.notes)
    body, written = _images(config, path, "\n\n".join(card.body), images)
    body += "".join(f"\n\n[^{key}]: {note}" for key, note in converted.notes.items())
    text = card_text(replace(draft, body=body), tuple(s.id for s in config.sections))
    write_new(path, text)
    for image_path, data in written:
        image_path.write_bytes(data)
    return Imported(document, path, number, _carried(card, converted, written),
                    tuple(_to_complete(path, text, card, section is not None or "section" in card.fields, messages)))


def _convert(document: Path, images: list) -> tuple[str, list[str]]:
    """The document as mammoth's HTML; each image is kept aside and stands in the HTML as a marker."""
    import mammoth

    def keep(image) -> dict:
        with image.open() as data:
            images.append((image.content_type or "", data.read()))
        return {"src": f"brochure-image-{len(images)}"}

    _check_size(document)
    try:
        with open(document, "rb") as file:
            result = mammoth.convert_to_html(file, style_map=STYLE_MAP, external_file_access=False,
                                             convert_image=mammoth.images.img_element(keep))
    except OSError as error:
        raise BrochureError(f"{document}: cannot be read: {error.strerror or error}") from None
    except Exception as error:  # a .docx is a zip of XML: anything else means a damaged or foreign file
        raise BrochureError(f"{document}: cannot be read as a Word document ({type(error).__name__}): "
                            "open it in Word and save it again as .docx") from None
    messages = [m.message for m in result.messages if not m.message.startswith("Unrecognised")]
    return result.value, messages


def _check_size(document: Path) -> None:
    """Refuse a document that unpacks to more than MAX_DOCUMENT_BYTES (a .docx is a zip: it could be a bomb)."""
    try:
        with zipfile.ZipFile(document) as archive:
            size = sum(entry.file_size for entry in archive.infolist())
    except (OSError, zipfile.BadZipFile):
        return   # said by the conversion, in the same words as any unreadable document
    if size > MAX_DOCUMENT_BYTES:
        raise BrochureError(f"{document}: unpacks to {size / 1_000_000:.1f} MB, more than brochure imports "
                            f"({MAX_DOCUMENT_BYTES / 1_000_000:g} MB): reduce its pictures in Word first")


def _arrange(document: Document) -> _Card:
    """Put every block where it belongs in the card."""
    card, place, side_level, part_level = _Card(), "front", 0, 0
    for block in document.blocks:
        if block.kind == "heading":
            part, side = known_part(block.text), _side(block.text)
            if part is not None:
                card.parts.append(part)
                card.body.append(f"## {part}")
                place, part_level = "body", block.level
            elif side is not None:
                place, side_level = side, block.level
            elif place == "front" and "title" not in card.fields:
                card.fields["title"] = block.text
            elif place not in ("front", "body") and block.level > side_level:
                _side_block(card, place, block)
            elif card.parts and block.level > part_level:
                card.body.append(f"### {block.text}")
                place = "body"
            else:
                card.other_headings.append(block.text)
                card.body.append(f"## {block.text}")
                place = "body"
        elif place == "front" and block.kind == "paragraph" and _label(card, block.text):
            continue
        elif place in ("front", "body"):
            card.kinds.append(block.kind)
            card.body.append(_image_markdown(card, block) if block.kind == "image" else block.text)
        else:
            _side_block(card, place, block)
    return card


def _side(heading: str) -> str | None:
    name = folded(heading)
    return next((key for key, forms in SIDE_HEADINGS if any(form in name for form in forms)), None)


def _label(card: _Card, text: str) -> bool:
    """A « Label : value » line before the first part (Collectivité, Auteurs, Tuteur...): True when taken."""
    match = re.match(r"^\**([^:*]{2,40}?)\**\s*:\s*\**(.+?)\**$", text)
    if match is None:
        return False
    key = next((key for key, forms in LABELS.items() if folded(match.group(1)) in forms), None)
    value = match.group(2).replace("\\", "").strip()
    if key is None or not value:
        return False
    if key == "authors":
        card.authors += _names(value)
    elif key == "tutors":
        card.notes.setdefault("tutors", []).append(value)
    else:
        card.fields[key] = value
    return True


def _side_block(card: _Card, place: str, block: Block) -> None:
    """A block under « Aller plus loin », « Les chiffres », « Témoignage », « Tuteur » or « Auteurs »."""
    lines = [re.sub(r"^\s*(?:- |\d+\. )", "", line).strip() for line in block.text.split("\n")]
    lines = [line for line in lines if line]
    if place == "further_reading" and block.kind in ("paragraph", "list"):
        card.reading += lines
    elif place == "authors" and block.kind in ("paragraph", "list"):
        card.authors += [name for line in lines for name in _names(line.replace("\\", ""))]
    elif block.kind != "image":
        card.notes.setdefault(place, []).extend(line.replace("\\", "") for line in lines)


def _names(text: str) -> list[str]:
    return [name.strip(" .") for name in re.split(r"\s*(?:,|;|\bet\b|&)\s*", text) if name.strip(" .")]


def _image_markdown(card: _Card, block: Block) -> str:
    card.images.append(block.src)
    return f"![{block.text}]({block.src})"


def _section(config: Config, card: _Card) -> str | None:
    """The section the document names (by id or title, roughly), else None."""
    wanted = folded(card.fields.get("section", ""))
    for section in config.sections:
        if wanted and wanted in (folded(section.id), folded(section.title)):
            return section.id
    return None


def _images(config: Config, card: Path, body: str, images: list) -> tuple[str, list[tuple[Path, bytes]]]:
    """Give each image its file in data/images/<card>/ and its path in the body; refuse to overwrite."""
    folder = config.root / IMAGES / card.stem
    written = []
    for index, (content_type, data) in enumerate(images, start=1):
        marker = f"brochure-image-{index}"
        if marker not in body:
            continue
        suffix, data = _printable_image(content_type, data)
        if suffix is None:
            body = body.replace(f"]({marker})", "](missing)")
            continue
        target = folder / f"figure-{index}{suffix}"
        if target.exists():
            raise BrochureError(f"{target}: already exists: nothing was written (move it, or give another card "
                                "file with -o)")
        written.append((target, data))
        body = body.replace(f"]({marker})", f"]({Path(os.path.relpath(target, card.parent)).as_posix()})")
    if written:
        folder.mkdir(parents=True, exist_ok=True)
    return body, written


def _printable_image(content_type: str, data: bytes) -> tuple[str | None, bytes]:
    """PNG, JPEG, GIF and SVG as they are; TIFF, BMP and the like as PNG; (None, data) for what cannot print."""
    if content_type in KEPT_IMAGES:
        return KEPT_IMAGES[content_type], data
    from PIL import Image
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_IMPORTED_PIXELS:
                return None, data
            out = io.BytesIO()
            image.save(out, "PNG")
            return ".png", out.getvalue()
    except (OSError, ValueError, Image.DecompressionBombError):
        return None, data


def _carried(card: _Card, document: Document, images: list) -> tuple[str, ...]:
    """What reached the card, in a few words each."""
    kinds = card.kinds
    counts = [("part", len(card.parts)), ("other heading", len(card.other_headings)), ("list", kinds.count("list")),
              ("table", kinds.count("table")), ("image", len(images)), ("footnote", len(document.notes)),
              ("link", document.links), ("further reading entry", len(card.reading)), ("author", len(card.authors))]
    found = [key for key in ("title", "collectivity") if key in card.fields]
    return tuple(found + [f"{count} {what}{'s' if count > 1 else ''}" for what, count in counts if count]
                 + ([f"parts: {', '.join(card.parts)}"] if card.parts else []))


def _to_complete(path: Path, text: str, card: _Card, section_said: bool, messages: list[str]) -> list[Problem]:
    """One line per thing the document did not tell, at its line in the card file."""
    lines = text.split("\n")

    def at(pattern: str) -> int:
        return next((n for n, line in enumerate(lines, start=1) if re.match(pattern, line)), 1)

    def need(pattern: str, key: str, message: str) -> Problem:
        return Problem(path, at(pattern), key, message, WARNING)

    out = [need(r"collectivity:", "collectivity", "not in the document: write the commissioning body")
           if "collectivity" not in card.fields else None,
           need(r"title:", "title", "not in the document: write the card's title")
           if "title" not in card.fields else None,
           need(r"section:", "section", "not in the document: the first section was taken; check it "
                "(or import with --section ID)") if not section_said else None,
           need(r"authors:", "authors", "the document names no author: replace « Prénom Nom » with each name")
           if not card.authors else None,
           need(r"    email:", "authors", "e-mail addresses are not in a Word document: replace each "
                "'email: missing' with the address"),
           need(r"    # photo:", "authors", "photos: add each author's portrait (photo: ../images/...) "
                "or write 'photo: none'")]
    for key, what in (("tutors", "tutors"), ("key_figures", "key figures"), ("testimonials", "testimonials")):
        if card.notes.get(key):
            out.append(need(rf"# TO COMPLETE: {key}", key, f"the document's {what} are copied as comments: "
                            "write them as the commented example shows"))
        elif key != "testimonials":
            out.append(need(rf"# {key}:", key, f"no {what} in the document: fill in the commented key"))
    for heading in card.other_headings:
        out.append(need(rf"#+ {re.escape(heading)}$", "body", f"heading « {heading} » is none of "
                        f"{', '.join(PARTS)}: rename it if it is one of them"))
    for number, line in enumerate(lines, start=1):
        if re.match(r"^!\[\]\(", line):
            out.append(Problem(path, number, "body", "image without a caption: write one between the brackets",
                               WARNING))
        elif re.match(r"^!\[[^\]]*\]\(missing\)", line):
            out.append(Problem(path, number, "body", "this image is in a format brochure cannot print (EMF, WMF), "
                               "or too large: export it from Word as PNG and write its path here", WARNING))
    out += [Problem(path, 1, "document", message, WARNING) for message in messages]
    return [problem for problem in out if problem is not None]

