"""brochure/web -> the static site: every page, link and picture there, relative, safe, readable in a real browser."""
from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from click.testing import CliRunner
from PIL import Image

from brochure.build import check
from brochure.cli import main
from brochure.text.typography import french
from brochure.themes.theme import load_theme
from brochure.web.site import make_site
from conftest import EDITIONS, REPO

STAND_IN = b"%PDF-1.7 a stand-in for the book built before"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def enrich(root: Path) -> None:
    """The mini edition plus what it lacks: a photo, figures (PNG, SVG), a table, and content trying to escape."""
    images = root / "data/images"
    images.mkdir()
    Image.new("RGB", (1800, 1200), "#884422").save(images / "anne.jpg")
    Image.new("RGB", (600, 300), "#224488").save(images / "schema.png")
    (root.parent / "secret.png").write_bytes((images / "schema.png").read_bytes())
    (images / "leak.png").symlink_to(root.parent / "secret.png")      # inside by its name, outside once resolved
    shutil.copy(REPO / "data/images/11-budget-carbone.svg", images / "budget.svg")
    edit(root / "data/cards/01-alpha.md", "    email: anne.alpha@administrateur-inet.org\n",
         "    email: anne.alpha@administrateur-inet.org\n    photo: ../images/anne.jpg\n")
    edit(root / "data/cards/01-alpha.md", '  - "*Un rapport*',
         '  - "Voir ![fuite](/etc/hostname) et [un lien](javascript:alert(1)) ![secret](../images/leak.png)"\n'
         '  - "*Un rapport*')
    edit(root / "data/cards/02-beta.md", "## Problématique\n",
         "![Un schéma](../images/schema.png)\n\n![Le budget carbone](../images/budget.svg)\n\n"
         "| Année | Tonnes |\n|---|---|\n| 2020 | 12 |\n\n## Problématique\n")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The enriched mini edition, with a PDF from an earlier build, built by `brochure build --format html --format epub`."""
    root = tmp_path_factory.mktemp("web") / "mini"
    shutil.copytree(EDITIONS / "mini", root, ignore=shutil.ignore_patterns("build"))
    enrich(root)
    (root / "build").mkdir()
    (root / "build/mini.pdf").write_bytes(STAND_IN)
    result = CliRunner().invoke(main, ["-C", str(root), "build", "--format", "html", "--format", "epub"])
    return root, result


@pytest.fixture(scope="module")
def site(built) -> Path:
    root, result = built
    assert result.exit_code == 0, result.output
    return root / "build/site"


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory) -> Path:
    """The sample edition's site, made in memory and written to a temporary folder."""
    from brochure.web.site import write_site
    edition, _ = check(REPO)
    made = make_site(edition, load_theme(edition.config.theme, REPO), font_cache=tmp_path_factory.mktemp("fonts"))
    return write_site(made, tmp_path_factory.mktemp("sample") / "site")


class Page(HTMLParser):
    """A page as a link checker sees it: its ids, its links and pictures, its text."""

    def __init__(self, path: Path):
        super().__init__()
        self.ids, self.links, self.pictures, self.text, self.images = set(), [], [], [], []
        self.lang = None
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag in ("a", "link") and "href" in attrs:
            self.links.append(attrs["href"])
        if tag == "img":
            self.images.append(attrs)
            self.pictures.append(attrs["src"])
            self.pictures += [item.split()[0] for item in attrs.get("srcset", "").split(",") if item.strip()]

    def handle_data(self, data):
        self.text.append(data)

    @property
    def words(self) -> str:
        return re.sub(r"[ \t\r\n]+", " ", "".join(self.text))


def pages(site: Path) -> dict[str, Page]:
    return {path.name: Page(path) for path in sorted(site.glob("*.html"))}


def assert_everything_resolves(site: Path) -> None:
    parsed = pages(site)
    broken = []
    for name, page in parsed.items():
        for url in page.links + page.pictures:
            parts = urlparse(url)
            if parts.scheme in ("http", "https", "mailto"):
                continue
            assert not parts.scheme and not url.startswith("/"), f"{name}: {url} is not relative"
            target = name if not parts.path else unquote(parts.path)
            if not (site / target).is_file():
                broken.append(f"{name}: {url}")
            elif parts.fragment and parts.fragment not in parsed[target].ids:
                broken.append(f"{name}: {url} (no such anchor)")
    css = (site / "style.css").read_text(encoding="utf-8")
    broken += [f"style.css: {url}" for url in re.findall(r'url\("([^"]+)"\)', css) if not (site / url).is_file()]
    assert broken == []


def test_build_says_what_it_wrote_for_each_format(built):
    root, result = built
    assert result.exit_code == 0, result.output
    assert re.search(r"built \S*mini\.epub: 3 card\(s\) in \d+\.\d s", result.output)
    assert re.search(r"built \S*site: 9 page\(s\) in \d+\.\d s", result.output)
    assert (root / "build/mini.pdf").read_bytes() == STAND_IN   # only the formats asked are built: no PDF


def test_every_internal_link_and_picture_of_the_site_resolves(site, sample_site):
    assert_everything_resolves(site)
    assert_everything_resolves(sample_site)


def test_every_card_and_every_author_is_on_the_site(site, sample_site):
    for folder, root in ((site, site.parent.parent), (sample_site, REPO)):
        edition, _ = check(root)
        parsed = pages(folder)
        home = parsed["index.html"]
        for card in edition.cards:
            page = parsed[f"carte-{card.id}.html"]
            assert french(card.title) in page.words
            assert f"carte-{card.id}.html" in home.links
            for author in card.authors:
                assert author.name in page.words and f"mailto:{author.email}" in page.links
        assert all(page.lang == "fr" for page in parsed.values())


def test_labels_agree_with_the_people_they_name(site):
    words = Page(site / "carte-01.html").words
    assert "Tutrice au sein de la collectivité Claire Gamma" in words        # one tutor, a woman
    assert "Anne Alpha Administrateur territorial" in words and "Bruno Beta Ingénieur en chef territorial" in words


def test_pages_follow_each_other_from_the_home_page_to_the_back_page(site):
    parsed, order, current = pages(site), [], "index.html"
    while current:
        order.append(current)
        page = (site / current).read_text(encoding="utf-8")
        following = re.search(r'rel="next" href="([^"]+)"', page)
        current = following.group(1) if following else None
    assert order == ["index.html", "section-alpha.html", "carte-01.html", "section-beta.html", "carte-02.html",
                     "section-gamma.html", "carte-03.html", "promotions.html", "quatrieme-de-couverture.html"]
    assert set(order) == set(parsed)


def test_a_photo_is_published_at_several_widths_with_a_srcset(site):
    portrait = next(img for img in Page(site / "carte-01.html").images if img["alt"] == "Portrait de Anne Alpha")
    widths = [int(item.split()[1][:-1]) for item in portrait["srcset"].split(",")]
    assert widths == [480, 960, 1600]
    for item in portrait["srcset"].split(","):
        name, width = item.split()
        assert Image.open(site / name).width == int(width[:-1])


def test_figures_tables_and_notes_are_on_the_card_page(site):
    page = Page(site / "carte-02.html")
    alts = [img["alt"] for img in page.images]
    assert alts == ["Un schéma", "Le budget carbone"]
    assert any(src.endswith(".svg") for src in page.pictures)
    assert "<table>" in (site / "carte-02.html").read_text(encoding="utf-8")
    assert "#note-1" in page.links and "#appel-1" in page.links and {"note-1", "appel-1"} <= page.ids
    assert "Une note de bas de page." in page.words


def test_content_cannot_reach_outside_the_edition_nor_run_script(site):
    html = (site / "carte-01.html").read_text(encoding="utf-8")
    assert "/etc/hostname" not in html and "javascript:" not in html
    assert "Voir fuite et un lien secret" in Page(site / "carte-01.html").words   # the text stays, the tags go
    published = {path.name.split("-")[0] for path in (site / "images").iterdir()}
    assert published == {"anne", "schema", "budget"}


def test_the_site_offers_the_pdf_and_the_epub_built_beside_it(site):
    home = Page(site / "index.html")
    assert "mini.pdf" in home.links and "mini.epub" in home.links
    assert (site / "mini.pdf").read_bytes() == (site.parent / "mini.pdf").read_bytes()
    assert (site / "mini.epub").read_bytes() == (site.parent / "mini.epub").read_bytes()


def test_fonts_are_subset_from_the_bundled_ones_with_their_licence(site):
    fonts = sorted(path.name for path in (site / "fonts").iterdir())
    assert fonts == ["Inter-ExtraBold.woff2", "Inter-Italic.woff2", "Inter-Regular.woff2", "Inter-SemiBold.woff2",
                     "LICENSE-inter.txt"]
    assert all((site / "fonts" / name).stat().st_size < 60_000 for name in fonts if name.endswith(".woff2"))


def test_sober_has_its_own_web_stylesheet_after_the_default_one(built, tmp_path):
    root, _ = built
    edition, _ = check(root)
    made = make_site(edition, load_theme("sober", root), font_cache=root / "build/.cache")
    css = made.files["style.css"][0].decode()
    assert css.index("/* default/web.css */") < css.index("/* sober/web.css */")
    assert "fonts/NotoSerif-Regular.woff2" in made.files


def test_formats_in_brochure_yml_choose_what_build_writes(mini, built):
    edit(mini / "brochure.yml", "output: mini.pdf\n", "output: mini.pdf\nformats: [html]\n")
    shutil.copytree(built[0] / "build/.cache", mini / "build/.cache")   # fonts subset once are not subset again
    result = CliRunner().invoke(main, ["-C", str(mini), "build"])
    assert result.exit_code == 0, result.output
    assert (mini / "build/site/index.html").is_file() and not (mini / "build/mini.pdf").exists()


def test_an_unknown_format_in_brochure_yml_is_one_line(mini):
    edit(mini / "brochure.yml", "output: mini.pdf\n", "output: mini.pdf\nformats: [docx]\n")
    result = CliRunner().invoke(main, ["-C", str(mini), "build"])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == "brochure.yml:10: formats: must be a list among pdf, html, epub, e.g. [pdf, html, epub]"


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM.exists(), "Debian's chromium is needed: run ./scripts/setup.sh (it installs it)"
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.mark.parametrize("width", [375, 1280])
def test_pages_fit_the_screen_in_a_real_browser_without_errors(site, sample_site, browser, width):
    view = browser.new_page(viewport={"width": width, "height": 800})
    errors = []
    view.on("console", lambda message: message.type == "error" and errors.append(message.text))
    view.on("requestfailed", lambda request: errors.append(f"failed: {request.url}"))
    for url in [site / "index.html", site / "carte-01.html", site / "carte-02.html",
                sample_site / "carte-07.html", sample_site / "promotions.html"]:
        view.goto(url.as_uri())
        view.wait_for_load_state("load")
        assert view.evaluate("document.documentElement.scrollWidth") <= width, f"{url.name} scrolls sideways"
        view.evaluate("Promise.all([...document.images].map(image => { image.loading = 'eager'; return image.decode(); }))")
        assert view.evaluate("[...document.images].every(image => image.naturalWidth > 0)")
        assert view.evaluate("document.fonts.check('16px Inter')")
    view.close()
    assert errors == []


def test_keyboard_focus_is_visible_and_the_skip_link_leads_to_the_content(site, browser):
    view = browser.new_page(viewport={"width": 375, "height": 800})
    view.goto((site / "carte-01.html").as_uri())
    view.keyboard.press("Tab")
    assert view.evaluate("document.activeElement.className") == "skip-link"
    outline = view.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    top = view.evaluate("document.activeElement.getBoundingClientRect().top")
    assert outline == "solid" and top >= 0
    view.keyboard.press("Enter")
    assert view.evaluate("location.hash") == "#contenu"
    view.close()


@pytest.mark.filterwarnings("ignore:Using .httpx. with .starlette.testclient.")
def test_serve_offers_the_site_of_the_current_generation(built):
    """`brochure serve` answers /site/... from the generation it shows (here a stand-in for one)."""
    from types import SimpleNamespace

    from starlette.testclient import TestClient

    from brochure.book.builder import Options
    from brochure.serve.app import Preview, make_app
    root, _ = built
    preview = Preview(root, Options())
    edition, _ = check(root)
    preview.generation = SimpleNamespace(number=1, edition=edition)
    preview.builder.spec = SimpleNamespace(theme=load_theme("default", root))
    client = TestClient(make_app(preview, watch=False))   # no lifespan: no PDF is laid out
    home = client.get("/site/")
    assert home.status_code == 200 and home.headers["content-type"].startswith("text/html")
    assert 'href="carte-01.html"' in home.text
    assert client.get("/site/style.css").headers["content-type"].startswith("text/css")
    assert client.get("/site/carte-03.html").status_code == 200
    assert client.get("/site/../brochure.yml").status_code == 404
    assert client.get("/site", follow_redirects=False).headers["location"] == "/site/"


def test_section_colours_are_darkened_for_text_until_they_reach_wcag_aa():
    from brochure.web.views import _luminance, readable_on_white

    def contrast(rgb: str) -> float:
        return 1.05 / (_luminance([int(rgb[i:i + 2], 16) for i in (1, 3, 5)]) + 0.05)

    for colour in ("#e5533d", "#2f8f83", "#16a085", "#ffff00"):   # the sample's and the mini's, and the worst
        assert contrast(colour) < 4.5 <= contrast(readable_on_white(colour))
    assert readable_on_white("#3f5aa8") == "#3f5aa8"                # already dark enough: kept as it is


def test_a_web_template_that_fails_is_one_line_at_its_file_and_line(mini):
    (mini / "templates/web").mkdir(parents=True)
    (mini / "templates/web/card.html").write_text('{% extends "theme:default/web/card.html" %}\n{% block content %}\n'
                                                  "{{ page.card.nope }}\n{% endblock %}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["-C", str(mini), "build", "--format", "html"])
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith("templates/web/card.html:3: template: ")
    assert "nope" in result.output.splitlines()[0] and "Traceback" not in result.output
    assert not (mini / "build/site").exists()


def test_the_same_sources_give_the_same_site(built, site):
    root, _ = built
    edition, _ = check(root)
    again = make_site(edition, load_theme("default", root), {"pdf": root / "build/mini.pdf", "epub": root / "build/mini.epub"},
                      font_cache=root / "build/.cache")
    written = {str(path.relative_to(site)): path.read_bytes() for path in site.rglob("*") if path.is_file()}
    assert {name: data for name, (data, _) in again.files.items()} == written
