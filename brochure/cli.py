"""The command line: `brochure build | preview | check | proof | serve`, each a few lines over the pipeline.

What is shown: by default, problems, a progress bar on a terminal and the
result line; `-q` only errors and the result line; `-v` brochure's own
stages (check, HTML, the layout of each unit, reused or not, writing);
`-vv` also WeasyPrint's own progress and brochure's timings.
"""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from . import __version__
from .edition.config import FORMATS, VARIANTS
from .limits import MAX_PROOF_DPI, MAX_SHEET_DPI, MAX_SPREADS_PER_ROW
from .problems import BrochureError

log = logging.getLogger("brochure")
THEME_FIELDS = ("css", "override")   # warnings about the theme: a build shows them, not only check


class Context:
    def __init__(self, project: Path, verbose: int, quiet: bool = False):
        self.project = project
        self.verbose = verbose
        self.quiet = quiet

    def progress(self, label: str):
        """A progress callback (done, total) drawing a bar on a terminal; None when piped, quiet or verbose."""
        if self.quiet or self.verbose or not sys.stderr.isatty():
            return None
        bar = {"shown": None}

        def update(done: int, total: int) -> None:
            if bar["shown"] is None:
                bar["shown"] = click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True)
                bar["shown"].__enter__()
            shown = bar["shown"]
            shown.update(done - shown.pos)
            if done == total:
                shown.__exit__(None, None, None)
        return update


pass_context = click.make_pass_decorator(Context)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="brochure")
@click.option("-C", "--project", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="The edition folder (the one holding brochure.yml).")
@click.option("-v", "--verbose", count=True, help="Say what each stage does; show tracebacks. Twice: WeasyPrint's "
              "own progress and timings.")
@click.option("-q", "--quiet", is_flag=True, help="Only errors and the result line: no warnings, no progress bar.")
@click.pass_context
def main(ctx: click.Context, project: Path, verbose: int, quiet: bool) -> None:
    """Typeset a brochure: a folder of Markdown cards in, a print-quality PDF out.

    \b
    Run it in an edition folder (brochure.yml + data/):
      brochure check             check every file, list every problem
      brochure build             write the whole book to build/
      brochure preview 01        write card 01 alone to build/preview/preview-01.pdf
      brochure proof             page images and a contact sheet of the book
      brochure serve             live preview in the browser, rebuilt as you save

    Docs: docs/content.md (editors), docs/themes.md (designers).
    """
    logging.basicConfig(level=logging.ERROR if quiet else logging.WARNING, format="%(levelname)s: %(name)s: %(message)s")
    if verbose:
        logging.getLogger("brochure").setLevel(logging.INFO if verbose == 1 else logging.DEBUG)
    if verbose > 1:
        logging.getLogger("weasyprint").setLevel(logging.INFO)
        logging.getLogger("weasyprint.progress").setLevel(logging.INFO)
    else:
        logging.getLogger("fontTools").setLevel(logging.ERROR)
    ctx.obj = Context(project, verbose, quiet)


@main.command()
@click.option("--format", "formats", type=click.Choice(FORMATS), multiple=True,
              help="What to write, several allowed: pdf (build/<output>), html (the site in build/site/), "
                   "epub (build/<name>.epub). Default: formats in brochure.yml, else pdf.")
@click.option("--theme", default=None, help="Theme to use instead of the one in brochure.yml.")
@click.option("--variant", type=click.Choice(VARIANTS), default=None,
              help="screen: RGB, light images, links. print: PDF/X-4, CMYK, 3 mm bleed, crop marks "
                   "(written to build/<name>-print.pdf). Default: variant in brochure.yml, else screen.")
@click.option("--accessible", is_flag=True, help="Tagged PDF: reading order, alt text, language (PDF/UA-1 on screen).")
@click.option("--archival", is_flag=True, help="PDF/A-2 for archiving (screen variant only).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the PDF (default: build/<output from brochure.yml>).")
@click.option("--strict", is_flag=True, help="Treat content to complete (warnings) and layout findings as errors.")
@click.option("--draft", is_flag=True, help="Build even if some cards have errors: each is printed as a page listing "
              "its problems (file:line), for proofreading while the team fixes them.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None,
              help="Lay out units in this many processes (default: one per core).")
@click.option("--no-cache", is_flag=True, help="Lay out every unit again; do not read or fill build/.cache/.")
@pass_context
def build(context: Context, formats: tuple[str, ...], theme: str | None, variant: str | None, accessible: bool,
          archival: bool, output: Path | None, strict: bool, draft: bool, jobs: int | None, no_cache: bool) -> None:
    """Check the edition, then write the whole brochure: a PDF, a site, an EPUB.

    The print variant is checked by the preflight at the end of the build.
    Units are laid out on every core and kept in build/.cache/: a build after
    an edit lays out only what changed, and with nothing changed the build
    says the PDF is up to date and writes nothing.

    \b
    Examples:
      brochure build
      brochure build --variant print          # for the printer, then preflight
      brochure build --theme sober --accessible -o build/sober.pdf
      brochure build --strict      # refuse to build while content is missing
      brochure build --draft       # broken cards become problem pages; the rest is built
      brochure build --format html --format epub   # the site (build/site/) and the EPUB
      brochure build --jobs 1 --no-cache   # one process, every unit laid out again
    """
    from .build import build_formats
    results = _run(context, lambda: build_formats(
        context.project, formats, theme, strict, output, variant=variant, accessible=accessible, archival=archival,
        draft=draft, progress=context.progress("laying out"), jobs=jobs, cache=not no_cache))
    for result in results:
        _report(context, result, "built", list_warnings=False)


@main.command()
@pass_context
def clean(context: Context) -> None:
    """Remove what builds keep for the next one (build/.cache/): the next build lays out everything again."""
    from .build import clean as run_clean
    folder, removed = _run(context, lambda: run_clean(context.project))
    click.echo(f"removed {_shown(folder)}" if removed else f"nothing to remove: no {_shown(folder)}")


@main.command()
@click.argument("card")
@click.option("--theme", default=None, help="Theme to use instead of the one in brochure.yml.")
@click.option("--variant", type=click.Choice(VARIANTS), default=None, help="As for build.")
@click.option("--strict", is_flag=True, help="Treat content to complete (warnings) and layout findings as errors.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the PDF (default: build/preview/preview-<card>.pdf).")
@pass_context
def preview(context: Context, card: str, theme: str | None, variant: str | None, strict: bool,
            output: Path | None) -> None:
    """Write one card alone, exactly as in the book, to build/preview/preview-<card>.pdf.

    CARD is the card's number (01 or 1) or its file (data/cards/01-creteil.md).

    \b
    Examples:
      brochure preview 01
      brochure preview data/cards/13-ardeche.md --theme sober
      brochure preview 01 -o ~/Bureau/fiche-01.pdf
    """
    from .build import preview as run_preview
    result = _run(context, lambda: run_preview(context.project, card, theme, strict, variant, output))
    _report(context, result, "previewed")


@main.command()
@click.option("--theme", default=None, help="Check this theme (theme.yml, templates, stylesheets) instead of the "
              "one in brochure.yml.")
@click.option("--strict", is_flag=True, help="Treat content to complete (warnings), or preflight findings, as errors.")
@click.option("--pdf", "pdf", is_flag=False, flag_value="", default=None, metavar="[PDF]",
              help="Also preflight a built PDF, as a printer would (default: the last print build, else the "
                   "screen one).")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_context
def check(context: Context, theme: str | None, strict: bool, pdf: str | None, files: tuple[Path, ...]) -> None:
    """Check every file of the edition without building; list every problem.

    The theme is checked too (the edition's, or the one of --theme): its
    theme.yml, every template (compiled and run on the edition's values) and
    every stylesheet (parsed: unknown properties, bad values, missing imports).

    With FILE arguments, the whole edition is still checked, but only the
    problems of those files are listed (and the edition-wide ones: brochure.yml,
    the theme).
    Each problem is one line, `file:line: field: message`. Errors stop a build;
    warnings (content to complete: a missing photo, a key figure's value
    declared missing) do not, unless --strict. With --pdf, the built PDF is
    preflighted too: fonts, colours, image resolution, bleed, text outside the
    page, output intent, placeholders; one finding a line, with page and card.

    \b
    Examples:
      brochure check
      brochure check --strict
      brochure check --theme sober
      brochure check --pdf                 # after brochure build --variant print
      brochure check --pdf build/other.pdf
      brochure check data/cards/04-lyon.md     # only this card's problems
    """
    from .build import check as run_check
    from .build import check_pdf
    if files:
        return _check_files(context, strict, files, pdf)
    if pdf is not None:
        path, findings = _run(context, lambda: check_pdf(context.project, Path(pdf) if pdf else None))
        _print_findings(path, findings)
        if strict and findings:
            raise click.exceptions.Exit(1)
        return
    edition, warnings = _run(context, lambda: run_check(context.project, strict, theme))
    for warning in warnings:
        click.echo(warning.format(edition.config.root), err=True)
    click.echo(f"{len(edition.cards)} cards checked: no error, {len(warnings)} warning(s).")


def _check_files(context: Context, strict: bool, files: tuple[Path, ...], pdf: str | None) -> None:
    from .build import check_files
    if pdf is not None:
        raise UserError("--pdf preflights a PDF: give no FILE with it")
    shown, others = _run(context, lambda: check_files(context.project, files, strict))
    for problem in shown:
        click.echo(problem.format(context.project.resolve()), err=True)
    errors = sum(problem.severity == "error" or strict for problem in shown)
    click.echo(f"{len(files)} file(s) checked: {errors} error(s), {len(shown) - errors} warning(s)"
               + (f"; {others} error(s) in other files, not listed" if others else "") + ".")
    if errors:
        raise click.exceptions.Exit(1)


@main.command()
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="The port to serve on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address to listen on. Anything but loopback shows the edition to your network.")
@click.option("--card", default=None, help="Open the viewer at this card (its number).")
@click.option("--theme", default=None, help="Theme to use instead of the one in brochure.yml.")
@click.option("--variant", type=click.Choice(VARIANTS), default=None, help="As for build.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="Processes laying out units (default: one per core).")
@pass_context
def serve(context: Context, port: int, host: str, card: str | None, theme: str | None, variant: str | None,
          jobs: int | None) -> None:
    """Live preview in the browser: the book as spreads, rebuilt as you save.

    Watches the edition and its theme; on every save only what changed is
    laid out again, and the browser shows the new pages. A card with errors
    is shown as a page listing its problems (file:line) while the rest of
    the book stays; the problems are listed beside the pages.

    \b
    Examples:
      brochure serve                 # then open http://127.0.0.1:8000/
      brochure serve --card 05 --port 8080
      brochure serve --theme sober
    """
    from .book.builder import Options
    from .serve.app import serve as run_serve
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: serving on {host}: anyone who can reach this machine can read the edition", err=True)
    where = f"http://{host}:{port}/" + (f"?card={card}" if card else "")
    click.echo(f"brochure serve: building, then serving {where} (Ctrl-C stops)")
    _run(context, lambda: run_serve(context.project, Options(theme=theme, variant=variant), host, port, jobs))


@main.group()
def new() -> None:
    """Start a new edition, or a new card in this edition.

    \b
    Examples:
      brochure new edition regards-2031        # a folder that builds at once
      brochure new card --section gerer-differemment --title "Un titre" --collectivity "Ville de Lyon"
    """


@new.command("edition")
@click.argument("path", type=click.Path(path_type=Path))
@pass_context
def new_edition(context: Context, path: Path) -> None:
    """Create the edition folder PATH from the skeleton: commented brochure.yml, one card per section,
    editorial, back page, data/images/. Refuses to write over an existing edition."""
    from .intake.new import new_edition as run_new_edition
    written = _run(context, lambda: run_new_edition(path))
    click.echo(f"new edition in {path}: {len(written)} files; next: cd {path} && brochure build")


@new.command("card")
@click.option("--section", default=None, help="The section's id (default: the first section of brochure.yml).")
@click.option("--title", default=None, help="The card's title.")
@click.option("--collectivity", default=None, help="The commissioning body; also names the file.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the card (default: data/cards/NN-<collectivity>.md, the next free number).")
@pass_context
def new_card(context: Context, section: str | None, title: str | None, collectivity: str | None,
             output: Path | None) -> None:
    """Write the next card of the edition, every key present or commented with what it does; print its path."""
    from .intake.new import new_card as run_new_card
    click.echo(_shown(_run(context, lambda: run_new_card(context.project, section, title, collectivity, output))))


@main.command("import")
@click.argument("documents", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--section", default=None, help="The section's id for the cards (default: the one the document "
              "names, else the first).")
@click.option("--number", type=click.IntRange(1, 99), default=None,
              help="The (first) card's number (default: the next free one).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the card (one document only; default: data/cards/NN-<collectivity>.md).")
@pass_context
def import_(context: Context, documents: tuple[Path, ...], section: str | None, number: int | None,
            output: Path | None) -> None:
    """Turn Word documents (.docx) into cards; images go to data/images/<card>/.

    Prints, for each document, what it carried and what needs a human
    (e-mails, photos, tutors, key figures), one `file:line: field: what to do`
    a line; `brochure check` lists what is still missing.

    \b
    Examples:
      brochure import fiche-lyon.docx --section gerer-differemment
      brochure import equipe-*.docx
    """
    from .intake.word import import_word
    if output is not None and len(documents) > 1:
        raise UserError("-o: one card file, but several documents: leave -o out")
    taken: set[int] = set()
    for index, document in enumerate(documents):   # each card reported as soon as it is written
        imported = _run(context, lambda: import_word(document, context.project, section,
                                                     number + index if number else None, output, frozenset(taken)))
        taken.add(imported.number)
        click.echo("\n".join(imported.report(context.project)))


def _print_findings(path: Path, findings) -> None:
    for finding in findings:
        click.echo(f"{_shown(path)}: {finding.format()}")
    content = sum(finding.content for finding in findings)
    technical = len(findings) - content
    click.echo(f"preflight of {_shown(path)}: " + (f"{technical} technical finding(s)" if technical else "technically clean")
               + (f"; {content} card(s) with content still to complete" if content else ""))


@main.command()
@click.argument("pdf", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dpi", type=click.IntRange(1, MAX_PROOF_DPI), default=50, show_default=True,
              help="Resolution of the page images.")
@click.option("--sheet-dpi", type=click.IntRange(1, MAX_SHEET_DPI), default=20, show_default=True,
              help="Resolution of the pages on the contact sheet.")
@click.option("--spreads", type=click.IntRange(1, MAX_SPREADS_PER_ROW), default=4, show_default=True,
              help="Spreads per row on the contact sheet.")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the images (default: build/proof).")
@pass_context
def proof(context: Context, pdf: Path | None, dpi: int, sheet_dpi: int, spreads: int, output: Path | None) -> None:
    """Write page images of a built PDF and a contact sheet of its spreads.

    PDF defaults to the book that `brochure build` writes.

    \b
    Examples:
      brochure proof
      brochure proof --dpi 100 build/preview/preview-01.pdf
    """
    from .pdf.proof import proof as run_proof

    def run():
        if pdf is not None:
            return run_proof(pdf, output or context.project / "build" / "proof", dpi, sheet_dpi, spreads)
        from .edition.config import load_config
        from .problems import ContentError
        config, problems = load_config(context.project)
        if config is None:
            raise ContentError(problems, context.project.resolve())
        return run_proof(config.root / "build" / config.output, output or config.root / "build" / "proof",
                         dpi, sheet_dpi, spreads)

    result = _run(context, run)
    click.echo(f"{len(result.pages)} page image(s) and the contact sheet {result.sheet}")


class UserError(click.ClickException):
    """A BrochureError as click shows it: its lines alone on standard error, exit status 1."""

    def show(self, file=None) -> None:
        click.echo(self.message, err=True, file=file)


def _run(context: Context, action):
    """Run a command; a BrochureError is one clean message unless --verbose asks for the traceback."""
    try:
        return action()
    except BrochureError as error:
        raise UserError(error.message) from None
    except KeyboardInterrupt:
        raise click.Abort() from None
    except Exception as error:  # an unexpected failure: say so plainly, the traceback with --verbose
        if context.verbose:
            raise
        raise UserError(f"unexpected {type(error).__name__}: {error} (a bug in brochure: "
                        "run with --verbose for the traceback and report it)") from None


def _report(context: Context, result, verb: str, list_warnings: bool = True) -> None:
    if context.quiet:
        click.echo(_result_line(result, verb))
        return
    for error in getattr(result, "errors", ()):
        click.echo(error.format(context.project.resolve()), err=True)
    if getattr(result, "errors", ()):
        files = len({error.path for error in result.errors})
        click.echo(f"draft: {len(result.errors)} error(s) in {files} file(s), each printed as a problem page.", err=True)
    theme = [warning for warning in result.warnings if warning.field in THEME_FIELDS]
    for warning in result.warnings if list_warnings or context.verbose else theme:
        click.echo(warning.format(context.project.resolve()), err=True)
    content = len(result.warnings) - len(theme)
    if content:
        click.echo(f"{content} warning(s): content to complete (`brochure check` lists them).", err=True)
    layout = getattr(result, "layout", ())
    for finding in layout:
        click.echo(f"warning: {finding.format()}", err=True)
    click.echo(_result_line(result, verb) + (f", {len(layout)} layout finding(s)" if layout else ""))
    if getattr(result, "findings", None) is not None:
        _print_findings(result.path, result.findings)


def _result_line(result, verb: str) -> str:
    """`built build/x.pdf: 94 page(s) in 9.1 s`, or `build/x.pdf is up to date: 94 page(s), nothing changed`."""
    counted = f"{result.pages} {getattr(result, 'counted', 'page(s)')}"
    if getattr(result, "up_to_date", False):
        return f"{_shown(result.path)} is up to date: {counted}, nothing changed"
    return f"{verb} {_shown(result.path)}: {counted} in {result.seconds:.1f} s"


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def run() -> None:
    """The `brochure` command (and `python -m brochure.cli`): `main`, then the process ends at once.

    Python's own teardown of what a build leaves in memory (its modules, the edition read, the units' PDFs)
    took 0.06 s, a twentieth of rebuilding after an edit. By then every file brochure writes is closed and its
    workers are stopped; the logging handlers and the output streams are flushed before the process ends.
    An exception click does not handle ends the process as Python would (its traceback printed).
    """
    try:
        main()
        code = 0
    except SystemExit as stop:
        code = stop.code
    if code is not None and not isinstance(code, int):      # a message, as sys.exit("...") would print it
        print(code, file=sys.stderr)
        code = 1
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):     # a closed pipe (`brochure check | head`): nothing more to say
            pass
    os._exit(code or 0)


if __name__ == "__main__":
    run()
