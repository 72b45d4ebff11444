"""An image of the edition -> its published copies (resized with Pillow, a few widths) and the <img> that offers them.

Only files inside the edition folder are read (symlinks resolved first). A
photograph is re-encoded at each width no larger than its own; an SVG is
copied as it is. File names come from the image's place in the edition, so
the same sources give the same files.
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup, escape

SITE_WIDTHS = (480, 960, 1600)    # pixels: a phone, a laptop column, a wide screen at 2x
EPUB_WIDTHS = (1200,)              # one copy, sharp on a tablet
KEPT_FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "GIF": ("png", "image/png")}


@dataclass(frozen=True)
class Picture:
    """A published image: its URL (relative to the pages), the other widths, its size in pixels."""

    src: str
    srcset: str
    width: int
    height: int

    def tag(self, alt: str, sizes: str = "(min-width: 60rem) 44rem, 100vw") -> Markup:
        srcset = f' srcset="{escape(self.srcset)}" sizes="{escape(sizes)}"' if self.srcset else ""
        size = f' width="{self.width}" height="{self.height}"' if self.width else ""
        return Markup(f'<img src="{escape(self.src)}"{srcset}{size} alt="{escape(alt)}" loading="lazy">')


@dataclass
class Pictures:
    """The images published so far: file name -> bytes, and each source's Picture (each image is done once)."""

    root: Path
    widths: tuple[int, ...] = SITE_WIDTHS
    folder: str = "images"
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)   # name -> (data, media type)
    done: dict[Path, Picture | None] = field(default_factory=dict)

    def publish(self, path: Path) -> Picture | None:
        """The published copies of `path`; None when it is outside the edition or cannot be read."""
        path = path.resolve()
        if path not in self.done:
            self.done[path] = self._make(path) if path.is_relative_to(self.root) and path.is_file() else None
        return self.done[path]

    def _make(self, path: Path) -> Picture | None:
        stem = f"{self.folder}/{path.stem}-{hashlib.sha256(str(path.relative_to(self.root)).encode()).hexdigest()[:8]}"
        if path.suffix.lower() == ".svg":
            self.files[f"{stem}.svg"] = (path.read_bytes(), "image/svg+xml")
            return Picture(f"{stem}.svg", "", 0, 0)
        from PIL import Image, ImageOps
        try:
            with Image.open(path) as opened:
                kind = opened.format or ""
                image = ImageOps.exif_transpose(opened)
        except OSError:
            return None
        extension, media = KEPT_FORMATS.get(kind, ("png", "image/png"))
        if extension == "jpg" and image.mode != "RGB":
            image = image.convert("RGB")
        widths = [w for w in self.widths if w < image.width] or [image.width]
        names = []
        for width in widths:
            copy = image if width == image.width else image.resize(
                (width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
            data = io.BytesIO()
            copy.save(data, "JPEG" if extension == "jpg" else "PNG", quality=82, optimize=True)
            names.append((f"{stem}-{width}.{extension}", width))
            self.files[names[-1][0]] = (data.getvalue(), media)
        largest, width = names[-1]
        srcset = ", ".join(f"{name} {w}w" for name, w in names) if len(names) > 1 else ""
        return Picture(largest, srcset, width, round(image.height * width / image.width))
