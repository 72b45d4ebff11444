"""An image file + where a card places it -> whether it prints sharp: portraits and figures too small for print.

`check` lists them as warnings (content to complete: ask for a larger file),
before any layout, from the image's header alone. A figure's printed width is
estimated from the page size and the default theme's measures (margins 22 and
18 mm, a 56 mm side column beside the text when the card has key figures or
further reading, two text columns without it); the print preflight then
measures the real placement in the PDF.
"""
from __future__ import annotations

from pathlib import Path

MIN_PORTRAIT_PX = 600          # docs/content.md: a portrait at least 600 px square (27 mm at 300 dpi needs 319)
PRINT_DPI = 300                # as the print preflight asks
MARGINS_MM = 22 + 18           # binding side and outer side
SIDE_COLUMN_MM = 56 + 7        # the side column and its gap
COLUMN_GAP_MM = 7
EXIF_ORIENTATION = 0x0112
TURNED = (5, 6, 7, 8)          # orientations that swap width and height


def pixel_size(path: Path) -> tuple[int, int] | None:
    """Width and height as the picture is shown (EXIF orientation applied); None for SVG or an unreadable file."""
    if path.suffix.lower() == ".svg":
        return None
    import warnings

    from PIL import Image
    try:
        with warnings.catch_warnings():   # a huge image is said by the image checks
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                if image.getexif().get(EXIF_ORIENTATION) in TURNED:
                    image.load()    # some formats (TIFF) turn the picture as they decode it, and drop the tag
                width, height = image.size
                turned = image.getexif().get(EXIF_ORIENTATION) in TURNED
    except (OSError, ValueError, Image.DecompressionBombError):
        return None    # said by the image checks
    return (height, width) if turned else (width, height)


def portrait_problem(path: Path) -> str | None:
    """Why a portrait would print blurred, or None."""
    size = pixel_size(path)
    if size is None or min(size) >= MIN_PORTRAIT_PX:
        return None
    return (f"the portrait is {size[0]}×{size[1]} px, under the {MIN_PORTRAIT_PX} px square it needs: it would "
            "print blurred; ask for a larger photo")


def placed_width_mm(page_width_mm: float, width: str, has_side_column: bool) -> float:
    """About how wide a figure prints: `width` is `full` or `column` (the figure's option)."""
    text = page_width_mm - MARGINS_MM
    if has_side_column:
        return text - SIDE_COLUMN_MM          # one column of text beside the side column, either way
    return text if width != "column" else (text - COLUMN_GAP_MM) / 2


def resolution_problem(path: Path, placed_mm: float) -> str | None:
    """Why a figure would print under PRINT_DPI at about `placed_mm` wide, or None."""
    size = pixel_size(path)
    if size is None:
        return None
    dpi = size[0] / (placed_mm / 25.4)
    if dpi >= PRINT_DPI - 0.5:
        return None
    needed = round(PRINT_DPI * placed_mm / 25.4)
    return (f"is {size[0]} px wide: printed about {placed_mm:.0f} mm wide that is {dpi:.0f} dpi, under the "
            f"{PRINT_DPI} dpi of print; ask for an image at least {needed} px wide")
