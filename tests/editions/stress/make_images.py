"""Writes the stress edition's pictures (data/images/): every accepted kind, tiny and huge, portrait and landscape.

    python tests/editions/stress/make_images.py

Drawn with Pillow from gradients and shapes, so the files stay small; the
SVGs are written as text. Run again only to change them.
"""
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent / "data" / "images"


def picture(width: int, height: int, hue: tuple, label_boxes: int = 6) -> Image.Image:
    """A smooth two-colour gradient with a few rectangles: easy to compress, easy to recognise."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    tint = Image.new("RGB", (width, height), hue)
    image = Image.blend(image, tint, 0.6)
    draw = ImageDraw.Draw(image)
    for n in range(label_boxes):
        x, y = width * (n + 1) // (label_boxes + 2), height * ((n * 37) % 80 + 10) // 100
        draw.rectangle((x, y, x + width // 12, y + height // 10), fill=(255, 255, 255))
    return image


def portrait(size: int, hue: tuple) -> Image.Image:
    image = Image.new("RGB", (size, size), hue)
    draw = ImageDraw.Draw(image)
    draw.ellipse((size * 0.3, size * 0.18, size * 0.7, size * 0.58), fill=(240, 220, 200))
    draw.ellipse((size * 0.15, size * 0.6, size * 0.85, size * 1.2), fill=(60, 60, 90))
    return image


SVG_LANDSCAPE = """<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="500" viewBox="0 0 1200 500">
<rect width="1200" height="500" fill="#f3f1ee"/>
<g fill="#3f5aa8">{bars}</g>
<line x1="40" y1="460" x2="1160" y2="460" stroke="#1d1d1b" stroke-width="3"/>
</svg>
"""
SVG_PORTRAIT = """<svg xmlns="http://www.w3.org/2000/svg" width="300" height="900" viewBox="0 0 300 900">
<rect width="300" height="900" fill="#fff" stroke="#2f8f83" stroke-width="8"/>
<circle cx="150" cy="200" r="100" fill="#2f8f83"/><circle cx="150" cy="450" r="100" fill="#e5533d"/>
<circle cx="150" cy="700" r="100" fill="#3f5aa8"/>
</svg>
"""


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    portrait(600, (200, 90, 70)).save(HERE / "portrait-600.jpg", quality=80)
    portrait(40, (60, 140, 130)).save(HERE / "portrait-tiny.png")
    portrait(900, (70, 90, 170)).save(HERE / "portrait-900.webp", quality=70)
    portrait(300, (150, 150, 60)).convert("P", palette=Image.ADAPTIVE).save(HERE / "portrait-300.gif")
    rgba = portrait(500, (120, 60, 140)).convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize((500, 500)).point(lambda v: 255 - v // 3))
    rgba.save(HERE / "portrait-transparent.png")
    picture(4000, 2400, (63, 90, 168)).save(HERE / "landscape-huge.jpg", quality=60)
    picture(16, 10, (229, 83, 61), 1).save(HERE / "landscape-tiny.png")
    picture(700, 2100, (47, 143, 131)).save(HERE / "portrait-tall.webp", quality=70)
    picture(480, 320, (150, 100, 40)).convert("P", palette=Image.ADAPTIVE).save(HERE / "landscape.gif")
    bars = "".join(f'<rect x="{60 + i * 110}" y="{460 - h}" width="70" height="{h}"/>'
                   for i, h in enumerate((120, 260, 190, 400, 330, 80, 240, 300, 150, 420)))
    (HERE / "chart-landscape.svg").write_text(SVG_LANDSCAPE.format(bars=bars), encoding="utf-8")
    (HERE / "totem-portrait.svg").write_text(SVG_PORTRAIT, encoding="utf-8")


if __name__ == "__main__":
    main()
