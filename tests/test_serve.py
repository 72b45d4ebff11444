"""`brochure serve` in a real browser (Debian's chromium, driven by Playwright): the viewer follows every save."""
from __future__ import annotations

import json
import shutil
import socket
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from brochure.book.builder import Options
from brochure.serve.app import Preview, make_app
from conftest import EDITIONS, REPO

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, browser):
    """A copy of the mini edition (with its own variables.css to edit), served on a free port.

    Started after the browser, and so stopped before it: the server's layout processes are forked from this
    process and hold copies of its file descriptors, those of the pipes to Playwright's driver among them;
    the driver ends when its pipe closes, which it does only once no process holds it."""
    import uvicorn
    edition = tmp_path_factory.mktemp("serve") / "mini"
    shutil.copytree(EDITIONS / "mini", edition, ignore=shutil.ignore_patterns("build"))
    (edition / "styles").mkdir()
    shutil.copy(REPO / "styles/default/variables.css", edition / "styles/variables.css")
    port = free_port()
    uv = uvicorn.Server(uvicorn.Config(make_app(Preview(edition, Options())), host="127.0.0.1", port=port,
                                       log_level="warning", lifespan="on"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: state(url)["generation"] >= 1, "the first build")
    yield edition, url
    uv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM.exists(), "Debian's chromium is needed: run ./scripts/setup.sh (it installs it)"
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(server, browser):
    _, url = server
    view = browser.new_page(viewport={"width": 1300, "height": 900})
    view.console_errors = []
    view.on("console", lambda message: message.type == "error" and view.console_errors.append(message.text))
    view.goto(url + "/")
    view.wait_for_function("Number(document.body.dataset.generation) >= 1")
    return view


def state(url: str) -> dict:
    with urllib.request.urlopen(url + "/api/state", timeout=10) as response:
        return json.load(response)


def wait_until(condition, what: str, seconds: float = 60):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if condition():
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def shown_generation(view) -> int:
    return int(view.evaluate("document.body.dataset.generation"))


def image_sources(view) -> list[str]:
    return view.eval_on_selector_all(".page-frame img", "images => images.map(image => image.getAttribute('src'))")


def edit(path: Path, old: str, new: str) -> str:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text


def test_the_viewer_shows_every_page_of_the_book(server, page):
    _, url = server
    pages = state(url)["pages"]
    assert pages > 10 and len(image_sources(page)) == pages
    page.wait_for_function("[...document.images].slice(0, 4).every(image => image.complete && image.naturalWidth > 0)")
    assert "Premier titre de carte" in page.inner_text("nav")
    assert page.console_errors == []


def test_a_saved_card_changes_its_page_images_and_the_generation(server, page):
    edition, url = server
    before, sources = shown_generation(page), image_sources(page)
    card = edition / "data/cards/01-alpha.md"   # its last page has room: its length stays
    original = edit(card, "## Contexte\n", "## Contexte\n\nUne phrase écrite pendant que le navigateur regarde.\n")
    try:
        page.wait_for_function(f"Number(document.body.dataset.generation) > {before}", timeout=60_000)
        after = image_sources(page)
        changed = [number for number, (old, new) in enumerate(zip(sources, after), start=1) if old != new]
        card_pages = [unit for unit in state(url)["units"] if unit["card"] == "01"][0]
        assert changed and all(card_pages["start"] <= n < card_pages["start"] + card_pages["pages"] for n in changed)
    finally:
        card.write_text(original, encoding="utf-8")
        page.wait_for_function(f"Number(document.body.dataset.generation) > {before + 1}", timeout=60_000)


def test_a_broken_card_shows_its_problem_while_the_other_pages_stay(server, page):
    edition, url = server
    before, sources = shown_generation(page), image_sources(page)
    first_card = [unit for unit in state(url)["units"] if unit["card"] == "01"][0]
    card = edition / "data/cards/02-beta.md"
    original = edit(card, "title: Deuxième titre de carte", "title: [Deuxième titre de carte")
    try:
        page.wait_for_function(f"Number(document.body.dataset.generation) > {before}", timeout=60_000)
        errors = page.inner_text("#errors")
        assert "data/cards/02-beta.md:6: yaml:" in errors
        after = image_sources(page)
        start = first_card["start"]
        assert after[start - 1:start - 1 + first_card["pages"]] == sources[start - 1:start - 1 + first_card["pages"]]
    finally:
        card.write_text(original, encoding="utf-8")
    page.wait_for_function("document.querySelectorAll('#errors li').length === 0", timeout=60_000)
    assert "Deuxième titre de carte" in page.inner_text("nav")


def test_a_changed_css_variable_refreshes_every_page(server, page):
    edition, _ = server
    before, sources = shown_generation(page), image_sources(page)
    sheet = edition / "styles/variables.css"
    original = edit(sheet, "--ink: #1d1d1b;", "--ink: #2a3a5a;")
    try:
        page.wait_for_function(f"Number(document.body.dataset.generation) > {before}", timeout=90_000)
        after = image_sources(page)
        assert len(after) == len(sources) and all(old != new for old, new in zip(sources, after))
    finally:
        sheet.write_text(original, encoding="utf-8")
    assert page.console_errors == []
