"""A font file + the glyph ids a book uses -> the font program to embed, glyph ids kept.

The same subsetting as WeasyPrint's own (HarfBuzz, glyph ids retained, the
same tables dropped, empty glyphs after the last one used cut off), run once
for the whole book on the union of the glyphs every unit used. Falls back
on fontTools (slower) when libharfbuzz-subset is missing.
"""
from __future__ import annotations

import hashlib
import io
import threading
from pathlib import Path

from cffi import FFI
from fontTools.ttLib import TTFont

from ..text.fonts import FONT_SUFFIXES

_DROPPED = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG ")
_RETAIN_GIDS, _DESUBROUTINIZE, _PASSTHROUGH, _NOTDEF_OUTLINE = 0x2, 0x4, 0x20, 0x40
_DROP_TABLE_SET = 3

_ffi = FFI()
_ffi.cdef("""
    typedef struct hb_blob_t hb_blob_t;
    typedef struct hb_face_t hb_face_t;
    typedef struct hb_set_t hb_set_t;
    typedef struct hb_subset_input_t hb_subset_input_t;
    hb_blob_t *hb_blob_create(const char *data, unsigned int length, int mode, void *user_data, void *destroy);
    void hb_blob_destroy(hb_blob_t *blob);
    const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
    hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
    void hb_face_destroy(hb_face_t *face);
    hb_blob_t *hb_face_reference_blob(hb_face_t *face);
    void hb_set_add(hb_set_t *set, uint32_t codepoint);
    uint32_t hb_tag_from_string(const char *str, int len);
    hb_subset_input_t *hb_subset_input_create_or_fail(void);
    void hb_subset_input_destroy(hb_subset_input_t *input);
    hb_set_t *hb_subset_input_glyph_set(hb_subset_input_t *input);
    hb_set_t *hb_subset_input_set(hb_subset_input_t *input, int set_type);
    void hb_subset_input_set_flags(hb_subset_input_t *input, unsigned value);
    hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
""")
try:
    _hb = _ffi.dlopen("libharfbuzz.so.0")
    _hb_subset = _ffi.dlopen("libharfbuzz-subset.so.0")
except OSError:   # pragma: no cover - the set-up installs libharfbuzz-subset0
    _hb = _hb_subset = None


def subset_font(data: bytes, glyphs: set[int], notdef_outline: bool = False) -> bytes:
    """`data` (a whole font file) with only `glyphs` kept, each at its own glyph id."""
    if _hb_subset is None:   # pragma: no cover
        return _fonttools_subset(data, glyphs, notdef_outline)
    extra = _NOTDEF_OUTLINE if notdef_outline else 0
    buffer = _ffi.new("char[]", data)
    blob = _hb.hb_blob_create(buffer, len(data), 0, _ffi.NULL, _ffi.NULL)   # 0: duplicate the bytes
    face = _hb.hb_face_create(blob, 0)
    try:
        first = _subset(face, glyphs, _RETAIN_GIDS | _PASSTHROUGH | _DESUBROUTINIZE | extra, drop=True)
        if first == _ffi.NULL:
            return _fonttools_subset(data, glyphs, notdef_outline)
        try:   # as WeasyPrint does: a second pass drops the empty glyphs after the last one used
            second = _subset(first, set(range(max(glyphs, default=0) + 1)), _PASSTHROUGH | _DESUBROUTINIZE | extra)
            return _bytes(second if second != _ffi.NULL else first)
        finally:
            if second != _ffi.NULL:
                _hb.hb_face_destroy(second)
            _hb.hb_face_destroy(first)
    finally:
        _hb.hb_face_destroy(face)
        _hb.hb_blob_destroy(blob)


def _subset(face, glyphs: set[int], flags: int, drop: bool = False):
    plan = _hb_subset.hb_subset_input_create_or_fail()
    try:
        kept = _hb_subset.hb_subset_input_glyph_set(plan)
        for glyph in sorted(glyphs):
            _hb.hb_set_add(kept, glyph)
        if drop:
            dropped = _hb_subset.hb_subset_input_set(plan, _DROP_TABLE_SET)
            for tag in _DROPPED:
                _hb.hb_set_add(dropped, _hb.hb_tag_from_string(tag, -1))
        _hb_subset.hb_subset_input_set_flags(plan, flags)
        return _hb_subset.hb_subset_or_fail(face, plan)
    finally:
        _hb_subset.hb_subset_input_destroy(plan)


def _bytes(face) -> bytes:
    blob = _hb.hb_face_reference_blob(face)
    try:
        length = _ffi.new("unsigned int *")
        data = _hb.hb_blob_get_data(blob, length)
        return bytes(_ffi.buffer(data, length[0]))
    finally:
        _hb.hb_blob_destroy(blob)


def _fonttools_subset(data: bytes, glyphs: set[int], notdef_outline: bool) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont
    options = subset.Options(retain_gids=True, passthrough_tables=True, ignore_missing_glyphs=True,
                             desubroutinize=True, notdef_outline=notdef_outline)
    options.drop_tables += ["GSUB", "GPOS", "SVG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(gids=sorted(glyphs))
    font = TTFont(io.BytesIO(data))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def font_files(folders: tuple[Path, ...]) -> dict[str, Path]:
    """PostScript name -> the bundled font file that has it (static fonts only: WeasyPrint instantiates the others).

    Each file's name is read once per process for the same bytes (kept under their SHA-256, so a font
    replaced under the same path is read again)."""
    found = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.suffix.lower() in FONT_SUFFIXES[:2]:
                name = _static_name(path.read_bytes())
                if name is not None:
                    found.setdefault(name, path)
    return found


def _static_name(data: bytes) -> str | None:
    """The PostScript name of a static font (None for a variable one), once per distinct font."""
    digest = hashlib.sha256(data).digest()
    with _NAMES_LOCK:
        if digest in _NAMES:
            return _NAMES[digest]
    with TTFont(io.BytesIO(data), lazy=True) as font:
        name = font["name"].getDebugName(6) if "fvar" not in font else None
    with _NAMES_LOCK:
        _NAMES[digest] = name
        while len(_NAMES) > MAX_NAMES:
            del _NAMES[next(iter(_NAMES))]
    return name


# Font files already read: the SHA-256 of their bytes -> their PostScript name (None: a variable font). Keyed by
# content, so never stale; bounded (an edition's fonts and brochure's, a few replaced).
MAX_NAMES = 256
_NAMES: dict[bytes, str | None] = {}
_NAMES_LOCK = threading.Lock()


def postscript_name(program: bytes) -> str | None:
    """The PostScript name in an embedded font program, None if it cannot be read."""
    try:
        with TTFont(io.BytesIO(program), lazy=True) as font:
            return font["name"].getDebugName(6)
    except Exception:  # noqa: BLE001 - a program we cannot read is left as WeasyPrint wrote it
        return None
