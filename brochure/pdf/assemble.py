"""Units written alone as PDF, in the order of the plan -> the book as one PDF file.

The first unit's file gives the document its catalog (metadata, XMP, output
intent, PDF/X or PDF/A identification: every unit is written with the
book's metadata) and the other units' pages are appended (pikepdf). Then
what a single WeasyPrint write would have made whole is made whole again:
the named destinations of every unit in one name tree (the first unit to
name an anchor wins, as in WeasyPrint), `brochure-anchor:` links turned
into jumps to them, one outline (sections > cards) from every unit's
bookmarks and their levels, one font per face (widths and Unicode maps
merged, the program subset once from the bundled font file, glyph ids kept)
and one copy of each colour profile or image that several units embed.
"""
from __future__ import annotations

import hashlib
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from .subset import font_files, postscript_name, subset_font
from .workers import ANCHOR_SCHEME, UnitPdf

log = logging.getLogger(__name__)
_BFCHAR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")


@dataclass
class _Bookmark:
    level: int
    title: pikepdf.String
    page: int                  # index in the book
    where: list                # the rest of the destination: /XYZ x y zoom


def assemble_pdf(units: list[UnitPdf], font_folders: list[Path], profile: bytes | None = None) -> bytes:
    """The units' pages in order, as one PDF; `profile`: the CMYK output profile every unit embeds."""
    book = pikepdf.open(io.BytesIO(units[0].pdf))
    sources = []        # kept open until the book is saved: pikepdf copies their streams then
    names: dict[str, pikepdf.Array] = {}
    bookmarks: list[_Bookmark] = []
    for index, unit in enumerate(units):
        source = book if index == 0 else pikepdf.open(io.BytesIO(unit.pdf))
        offset = len(book.pages) if index else 0
        _gather(source, offset, unit.bookmark_levels, names, bookmarks)
        if index:
            book.pages.extend(source.pages)
            sources.append(source)
    if "/Outlines" in book.Root:
        del book.Root["/Outlines"]
    _place_names(book, names)
    _outline(book, bookmarks)
    _merge_fonts(book, font_files(tuple(font_folders)))
    if profile is not None:
        _one_profile(book, profile)
    _share_streams(book)
    out = io.BytesIO()
    streams = pikepdf.ObjectStreamMode.generate if book.pdf_version >= "1.5" else pikepdf.ObjectStreamMode.disable
    book.save(out, deterministic_id=True, object_stream_mode=streams)
    for source in sources:
        source.close()
    return out.getvalue()


def _gather(source: pikepdf.Pdf, offset: int, levels: tuple[int, ...], names: dict, bookmarks: list) -> None:
    """The named destinations and the bookmarks of one unit, with their page as the book's index."""
    pages = {page.objgen: number for number, page in enumerate(source.pages)}
    dests = source.Root.get("/Names", {}).get("/Dests")
    pairs = list(dests.get("/Names", [])) if dests is not None else []
    for name, target in zip(pairs[::2], pairs[1::2]):
        if str(name) not in names and target[0].objgen in pages:
            names[str(name)] = (offset + pages[target[0].objgen], list(target[1:]))
    items = _outline_items(source.Root.get("/Outlines"))
    if len(items) != len(levels):
        log.debug("a unit's outline and its bookmark levels disagree: %d / %d", len(items), len(levels))
    for level, item in zip(levels, items):
        dest = item.get("/Dest")
        if dest is not None and dest[0].objgen in pages:
            bookmarks.append(_Bookmark(level, item.Title, offset + pages[dest[0].objgen], list(dest[1:])))


def _outline_items(outlines) -> list:
    """The outline's items in reading order (depth first)."""
    items, stack = [], []
    item = outlines.get("/First") if outlines is not None else None
    while item is not None or stack:
        if item is None:
            item = stack.pop()
            continue
        items.append(item)
        if "/Next" in item:
            stack.append(item.Next)
        item = item.get("/First")
    return items


def _place_names(book: pikepdf.Pdf, names: dict) -> None:
    """One name tree of destinations, and `brochure-anchor:` links made jumps to them."""
    pages = book.pages
    if names:
        flat = pikepdf.Array()
        for name in sorted(names):
            page, where = names[name]
            flat.append(pikepdf.String(name))
            flat.append(pikepdf.Array([pages[page].obj, *where]))
        if "/Names" not in book.Root:
            book.Root.Names = pikepdf.Dictionary()
        book.Root.Names.Dests = pikepdf.Dictionary(Names=flat)
    elif "/Names" in book.Root and "/Dests" in book.Root.Names:
        del book.Root.Names["/Dests"]
    for page in pages:
        annots = page.obj.get("/Annots")
        if annots is None:
            continue
        kept = pikepdf.Array()
        for annot in annots:
            uri = str(annot.get("/A", {}).get("/URI", ""))
            if not uri.startswith(ANCHOR_SCHEME):
                kept.append(annot)
            elif uri[len(ANCHOR_SCHEME):] in names:
                del annot["/A"]
                annot.Dest = pikepdf.String(uri[len(ANCHOR_SCHEME):])
                kept.append(annot)
            else:
                log.info("a link to #%s goes nowhere in the book: dropped", uri[len(ANCHOR_SCHEME):])
        page.obj.Annots = kept


def _outline(book: pikepdf.Pdf, bookmarks: list[_Bookmark]) -> None:
    """The book's outline: a bookmark holds the deeper ones after it, as WeasyPrint nests them."""
    if not bookmarks:
        return
    root = book.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines))
    chain = [(0, root)]                       # (level, item) from the root to the last item placed
    for mark in bookmarks:
        while len(chain) > 1 and chain[-1][0] >= mark.level:
            chain.pop()
        parent = chain[-1][1]
        item = book.make_indirect(pikepdf.Dictionary(
            Title=mark.title, Parent=parent, Dest=pikepdf.Array([book.pages[mark.page].obj, *mark.where])))
        if "/Last" in parent:
            parent.Last.Next = item
            item.Prev = parent.Last
        else:
            parent.First = item
        parent.Last = item
        chain.append((mark.level, item))
    _count(root)
    book.Root.Outlines = root


def _count(item) -> int:
    """Set /Count (open items below) on every item; return the number of items below `item`."""
    total, child = 0, item.get("/First")
    while child is not None:
        total += 1 + _count(child)
        child = child.get("/Next")
    item.Count = total
    return total


def _merge_fonts(book: pikepdf.Pdf, files: dict[str, Path]) -> None:
    """One Type 0 font per face for the whole book: the first unit's, with every unit's glyphs."""
    faces: dict[str, list] = {}
    holders = []
    for page in book.pages:
        fonts = page.obj.get("/Resources", {}).get("/Font")
        if fonts is not None:
            holders.append(fonts)
            for _, font in fonts.items():
                if font.get("/Subtype") == "/Type0" and font.get("/Encoding") == "/Identity-H":
                    group = faces.setdefault(str(font.BaseFont), [])
                    if all(font.objgen != other.objgen for other in group):
                        group.append(font)
    chosen = {}
    for name, group in faces.items():
        merged = _merged_face(book, group, files)
        if merged is not None:
            chosen.update({font.objgen: merged for font in group})
    for fonts in holders:
        for key, font in list(fonts.items()):
            if font.objgen in chosen:
                fonts[key] = chosen[font.objgen]


def _merged_face(book: pikepdf.Pdf, group: list, files: dict[str, Path]):
    """The first font of `group` given the widths, Unicode map and glyphs of all; None if it cannot be merged."""
    descriptor = group[0].DescendantFonts[0].FontDescriptor
    program_key = "/FontFile3" if "/FontFile3" in descriptor else "/FontFile2"
    stripped = descriptor.get("/BrochureFont")       # the unit's worker left the program out (see workers.py)
    name = str(stripped) if stripped is not None else postscript_name(descriptor[program_key].read_bytes())
    original = files.get(name)
    if original is None:
        return None
    widths: dict[int, float] = {}
    unicode: dict[int, bytes] = {}
    for font in group:
        widths.update(_widths(font.DescendantFonts[0].W))
        unicode.update(_unicode(font.ToUnicode.read_bytes()))
    first = group[0]
    cid_font = first.DescendantFonts[0]
    cid_font.W = _widths_array(widths)
    first.ToUnicode = book.make_stream(_unicode_cmap(unicode))
    program = subset_font(original.read_bytes(), set(widths) | set(unicode))
    extra = {"/Subtype": descriptor[program_key].get("/Subtype")} if program_key == "/FontFile3" else {
        "/Length1": len(program)}
    stream = book.make_stream(program)
    for key, value in extra.items():
        stream[key] = value
    descriptor[program_key] = stream
    bbox = list(descriptor.FontBBox)
    bbox[2] = max(widths.values(), default=0)
    descriptor.FontBBox = pikepdf.Array(bbox)
    if stripped is not None:
        del descriptor["/BrochureFont"]
    if "/CIDSet" in descriptor:
        descriptor.CIDSet = book.make_stream(_cid_set(widths))
    return first


def _widths(array) -> dict[int, float]:
    out, items = {}, list(array)
    for start, values in zip(items[::2], items[1::2]):
        for index, value in enumerate(values):
            out[int(start) + index] = value
    return out


def _widths_array(widths: dict[int, float]) -> pikepdf.Array:
    array, run = [], None
    for glyph in sorted(widths):
        if glyph - 1 not in widths:
            run = []
            array += [glyph, run]
        run.append(widths[glyph])
    return pikepdf.Array([item if not isinstance(item, list) else pikepdf.Array(item) for item in array])


def _unicode(cmap: bytes) -> dict[int, bytes]:
    return {int(glyph, 16): text for glyph, text in _BFCHAR.findall(cmap.split(b"endcodespacerange", 1)[-1])}


def _unicode_cmap(unicode: dict[int, bytes]) -> bytes:
    """A ToUnicode CMap as WeasyPrint writes it."""
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap", b"/CIDSystemInfo",
             b"<< /Registry (Adobe)", b"/Ordering (UCS)", b"/Supplement 0", b">> def",
             b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def", b"1 begincodespacerange",
             b"<0000> <ffff>", b"endcodespacerange"]
    items = sorted(unicode.items())
    for start in range(0, len(items), 100):
        batch = items[start:start + 100]
        lines.append(f"{len(batch)} beginbfchar".encode())
        lines += [b"<%04x> <%s>" % (glyph, text) for glyph, text in batch]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines)


def _cid_set(widths: dict[int, float]) -> bytes:
    size = (max(widths) // 8 + 1) if widths else 1
    bits = bytearray(size)
    for glyph in widths:
        bits[glyph // 8] |= 0x80 >> (glyph % 8)
    return bytes(bits)


def _one_profile(book: pikepdf.Pdf, profile: bytes) -> None:
    """Every unit's copy of the CMYK profile (serialised anew, with its own date, by each) -> the profile file."""
    shared = book.make_stream(profile)
    shared.N = 4
    for intent in book.Root.get("/OutputIntents", []):
        if "/DestOutputProfile" in intent:
            intent.DestOutputProfile = shared
    for holder in list(book.objects):
        if isinstance(holder, (pikepdf.Dictionary, pikepdf.Array)) or isinstance(holder, pikepdf.Stream):
            _profile_in(holder if not isinstance(holder, pikepdf.Stream) else holder.stream_dict, shared)


def _profile_in(container, shared, depth: int = 0) -> None:
    """[/ICCBased <a CMYK profile>] below `container` (not through other objects) -> [/ICCBased shared]."""
    if depth > 8:
        return
    entries = container.items() if isinstance(container, pikepdf.Dictionary) else enumerate(container)
    for key, value in list(entries):
        if not isinstance(value, (pikepdf.Dictionary, pikepdf.Array)) or value.is_indirect:
            continue
        if (isinstance(value, pikepdf.Array) and len(value) == 2 and value[0] == pikepdf.Name.ICCBased
                and value[1].get("/N") == 4):
            value[1] = shared
        else:
            _profile_in(value, shared, depth + 1)


def _share_streams(book: pikepdf.Pdf) -> None:
    """Colour profiles, images and forms that several units embed alike: one copy, shared."""
    canonical: dict[tuple, pikepdf.Object] = {}
    done: dict[tuple, pikepdf.Object] = {}     # objgen -> what stands for it
    for intent in book.Root.get("/OutputIntents", []):
        if "/DestOutputProfile" in intent:
            profile = intent.DestOutputProfile
            done[profile.objgen] = canonical.setdefault(_shape(profile), profile)
    for page in book.pages:
        if "/Resources" in page.obj:
            _share_in(page.obj.Resources, canonical, done)


def _share_in(container, canonical: dict, done: dict, depth: int = 0) -> None:
    """Replace, below `container`, every stream by the first one alike (children first)."""
    if depth > 16:
        return
    entries = container.items() if isinstance(container, pikepdf.Dictionary) else enumerate(container)
    for key, value in list(entries):
        if key in ("/Parent", "/Font") or not isinstance(value, (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)):
            continue
        if value.is_indirect and value.objgen in done:
            if done[value.objgen].objgen != value.objgen:
                container[key] = done[value.objgen]
            continue
        if isinstance(value, pikepdf.Stream):
            _share_in(value.stream_dict, canonical, done, depth + 1)
            same = canonical.setdefault(_shape(value), value)
            done[value.objgen] = same
            if same.objgen != value.objgen:
                container[key] = same
            continue
        if value.is_indirect:
            done[value.objgen] = value
        _share_in(value, canonical, done, depth + 1)


def _shape(value, top: bool = True):
    """What makes two objects alike: their values, indirect objects by number, a stream's bytes."""
    if not isinstance(value, pikepdf.Object):
        return repr(value)
    if value.is_indirect and not top:
        return ("ref", value.objgen)
    if isinstance(value, pikepdf.Stream):
        head = tuple(sorted((str(k), _shape(v, False)) for k, v in value.stream_dict.items() if k != "/Length"))
        data = value.read_raw_bytes()     # as written: decoding every image would cost the book's size in memory
        return (head, hashlib.sha256(data).hexdigest())
    if isinstance(value, pikepdf.Dictionary):
        return tuple(sorted((str(k), _shape(v, False)) for k, v in value.items()))
    if isinstance(value, pikepdf.Array):
        return tuple(_shape(v, False) for v in value)
    return repr(value)
