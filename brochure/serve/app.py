"""A Builder + the edition's files as they change -> a live viewer over HTTP: page images, problems, reloads.

`Preview` owns the builder and the current generation: every change of a
file of the edition or of its theme (watchfiles) refreshes the builder in a
worker thread; a refresh that fails keeps the last good pages and shows the
problems instead. `make_app` serves, with Starlette:

    GET /                 the viewer (spreads of page images, sommaire, problems)
    GET /api/state        {"generation", "pages", "problems", "changed_pages", ...}
    GET /pages/N.png      page N of the current generation
    GET /book.pdf         the current book as one PDF
    GET /events           server-sent events: one `generation` event per new state
    GET /site/...         the HTML edition of the current generation (made on first request, in memory)
"""
from __future__ import annotations

import asyncio
import contextlib
import importlib.resources
import json
import logging
import os
import threading
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from ..book.builder import Builder, Generation, Options
from ..build import BUILD_DIR, CACHE_DIR
from ..pdf.cache import UnitCache
from ..problems import BrochureError, ContentError, Problem
from .pages import PageImages

log = logging.getLogger(__name__)
IGNORED_FOLDERS = ("build", "__pycache__", "node_modules")   # and every hidden file or folder (.git, .venv...)


class Preview:
    """The live state of `brochure serve`: the builder, the last good generation, the problems of the last try."""

    def __init__(self, root: Path, options: Options, jobs: int | None = None, cache: bool = True):
        root = root.resolve()
        self.builder = Builder(root, Options(**{**options.__dict__, "draft": True}), jobs or os.cpu_count() or 1,
                               UnitCache(root / BUILD_DIR / CACHE_DIR) if cache else None, workers=True)
        self.root = self.builder.root
        self.lock = threading.Lock()          # one refresh at a time
        self.images = PageImages()
        self.generation: Generation | None = None
        self.problems: tuple[Problem, ...] = ()
        self.error: str | None = None         # a problem that stopped the last refresh (theme, template...)
        self.building = False
        self.version = 0                      # bumps on every change of what /api/state says

    def refresh(self) -> None:
        """Refresh the builder (in the caller's thread); keep the last good generation on failure."""
        self.building = True
        try:
            with self.lock:
                generation = self.builder.refresh()
            self.generation, self.problems, self.error = generation, generation.problems, None
            log.info("generation %d: %d page(s), %d laid out in %.2f s", generation.number, generation.pages,
                     generation.laid_out, generation.seconds)
        except ContentError as error:
            self.problems, self.error = tuple(error.problems), None
        except BrochureError as error:
            self.error = error.message
        finally:
            self.building = False
            self.version += 1

    def state(self) -> dict:
        generation = self.generation
        return {
            "generation": generation.number if generation else 0,
            "pages": generation.pages if generation else 0,
            "problems": [_problem(problem, self.root) for problem in self.problems],
            "changed_pages": list(generation.changed_pages) if generation else [],
            "error": self.error,
            "building": self.building,
            "page_keys": list(generation.page_keys()) if generation else [],
            "units": [_slot(slot) for slot in generation.plan.slots] if generation else [],
            "title": generation.edition.config.title if generation else "",
            "laid_out": generation.laid_out if generation else 0,     # units laid out by the last refresh
            "refresh_seconds": round(generation.seconds, 3) if generation else None,
            "version": self.version,
        }

    def watched(self) -> list[Path]:
        """The edition folder, and the theme folders outside it."""
        folders = [self.root]
        spec = self.builder.spec
        if spec is not None:
            for folder in (*spec.theme.template_dirs, *spec.theme.style_dirs):
                if not folder.resolve().is_relative_to(self.root):
                    folders.append(folder.resolve())
        return folders

    def wanted(self, change, path: str) -> bool:
        """A change the book may depend on: not the build folder, not version control, not editor litter."""
        parts = Path(path).parts
        name = parts[-1] if parts else ""
        relative = Path(path).relative_to(self.root).parts if Path(path).is_relative_to(self.root) else parts
        return not any(part in IGNORED_FOLDERS or part.startswith(".") for part in relative) \
            and not name.endswith(("~", ".swp", ".part"))


def _problem(problem: Problem, root: Path) -> dict:
    try:
        shown = str(problem.path.relative_to(root))
    except ValueError:
        shown = str(problem.path)
    return {"file": shown, "line": problem.line, "field": problem.field, "message": problem.message,
            "severity": problem.severity, "text": problem.format(root)}


def _slot(slot) -> dict:
    unit = slot.unit
    return {"name": unit.name, "kind": unit.kind, "title": unit.title, "start": slot.start, "pages": slot.pages,
            "card": unit.card.id if unit.card is not None else None}


def make_app(preview: Preview, watch: bool = True) -> Starlette:
    """The viewer's web application over a Preview."""
    changed = asyncio.Condition()

    async def rebuild() -> None:
        await asyncio.to_thread(preview.refresh)
        async with changed:
            changed.notify_all()

    async def build_and_watch() -> None:
        await rebuild()                       # the first build: the viewer says "building" meanwhile
        if not watch:
            return
        from watchfiles import awatch
        async for changes in awatch(*preview.watched(), watch_filter=preview.wanted, debounce=40, step=20,
                                    recursive=True):
            log.info("changed: %s", ", ".join(sorted(path for _, path in changes)))
            await rebuild()

    @contextlib.asynccontextmanager
    async def lifespan(app):
        preview.building = True
        task = asyncio.create_task(build_and_watch())
        try:
            yield
        finally:
            task.cancel()
            preview.builder.close()

    async def viewer(request: Request) -> Response:
        html = importlib.resources.files("brochure.serve").joinpath("viewer.html").read_text(encoding="utf-8")
        return HTMLResponse(html)

    async def state(request: Request) -> Response:
        return JSONResponse(preview.state())

    async def page(request: Request) -> Response:
        generation = preview.generation
        number = request.path_params["number"]
        if generation is None or not 1 <= number <= generation.pages:
            return Response("no such page", status_code=404)
        png = await asyncio.to_thread(preview.images.image, generation, number)
        return Response(png, media_type="image/png", headers={"Cache-Control": "no-cache"})

    async def book(request: Request) -> Response:
        generation = preview.generation
        if generation is None:
            return Response("nothing built yet", status_code=404)
        data = await asyncio.to_thread(lambda: generation.pdf)      # assembled once per generation
        name = generation.edition.config.output
        return Response(data, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})

    async def events(request: Request) -> Response:
        async def stream():
            seen = -1
            while not await request.is_disconnected():
                if preview.version != seen:
                    seen = preview.version
                    yield f"event: generation\ndata: {json.dumps({'version': seen})}\n\n"
                try:
                    async with changed:
                        await asyncio.wait_for(changed.wait_for(lambda seen=seen: preview.version != seen), timeout=15)
                except asyncio.TimeoutError:
                    yield ": keep-alive\n\n"
        return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    made_sites: dict = {}   # generation number -> its site: only the latest is kept

    async def site(request: Request) -> Response:
        generation = preview.generation
        if generation is None:
            return Response("nothing built yet", status_code=404)
        if generation.number not in made_sites:
            from ..web.site import make_site
            made = await asyncio.to_thread(make_site, generation.edition, preview.builder.spec.theme, None,
                                           preview.root / "build" / ".cache")
            made_sites.clear()
            made_sites[generation.number] = made
        found = made_sites[generation.number].get(request.path_params["path"])
        if found is None:
            return Response("no such page in the site", status_code=404)
        return Response(found[0], media_type=found[1], headers={"Cache-Control": "no-cache"})

    routes = [Route("/", viewer), Route("/api/state", state), Route("/pages/{number:int}.png", page),
              Route("/book.pdf", book), Route("/events", events),
              Route("/site", lambda request: RedirectResponse("/site/")), Route("/site/{path:path}", site)]
    return Starlette(routes=routes, lifespan=lifespan)


def serve(root: Path, options: Options, host: str = "127.0.0.1", port: int = 8000, jobs: int | None = None) -> None:
    """Run the viewer until interrupted; units are laid out in `jobs` worker processes (None: one per core)."""
    import uvicorn
    preview = Preview(root, options, jobs)
    began = time.perf_counter()
    config = uvicorn.Config(make_app(preview), host=host, port=port, log_level="warning", lifespan="on")
    log.info("serving on http://%s:%d/ (first build %.1f s)", host, port, time.perf_counter() - began)
    uvicorn.Server(config).run()
