"""Writes that cannot destroy: only PDFs are replaced, previews never replace a book, failures leave the old file."""
from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from brochure.build import BookKey, build, check, remember_pages, remembered_pages
from brochure.cli import main
from brochure.output import write_atomically
from brochure.problems import BrochureError
from conftest import EDITIONS

REFUSED = "is not a regular file (a device or a pipe); refusing to replace it"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The mini edition whose book is named like a preview, built once."""
    edition = tmp_path_factory.mktemp("writes") / "mini"
    shutil.copytree(EDITIONS / "mini", edition, ignore=shutil.ignore_patterns("build"))
    config = edition / "brochure.yml"
    config.write_text(config.read_text().replace("output: mini.pdf", "output: preview-01.pdf"))
    return edition, build(edition)


def test_a_preview_never_replaces_the_book_even_one_named_like_a_preview(built):
    edition, result = built
    book = result.path.read_bytes()
    assert result.path == edition / "build" / "preview-01.pdf"
    previewed = run("-C", edition, "preview", "1")
    assert previewed.exit_code == 0, previewed.output
    assert result.path.read_bytes() == book
    assert (edition / "build" / "preview" / "preview-01.pdf").read_bytes()[:5] == b"%PDF-"


def test_pages_are_remembered_per_output_theme_and_variant(built):
    edition, result = built
    loaded, _ = check(edition)
    assert remembered_pages(loaded, result.path, "default", "screen") == result.first_pages
    assert remembered_pages(loaded, result.path, "sober", "screen") == {}      # another theme's book: not read
    assert remembered_pages(loaded, result.path, "default", "print") == {}
    assert remembered_pages(loaded, edition / "build" / "other.pdf") == {}
    books = json.loads((edition / "build" / "pages.json").read_text())["books"]
    assert books == {"build/preview-01.pdf": {"theme": "default", "variant": "screen", "pages": result.first_pages}}


@pytest.mark.parametrize("content", [b"[1, 2]", b"[" * 100_000, b'{"card-01": "x"}', b'{"card-01": null}'])
def test_a_corrupt_or_foreign_pages_file_is_ignored(built, content):
    edition, _ = built
    (edition / "build" / "pages.json").write_bytes(content)
    result = run("-C", edition, "preview", "1")
    assert result.exit_code == 0, result.output
    assert f"previewed {edition / 'build' / 'preview' / 'preview-01.pdf'}: 2 page(s)" in result.output


def test_a_pages_file_that_cannot_be_written_costs_only_a_warning(mini, caplog):
    (mini / "build" / "pages.json").mkdir(parents=True)
    edition, _ = check(mini)
    remember_pages(edition, BookKey("default", "screen", mini / "build" / "mini.pdf"), {"card-01": 5})
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        f"{mini / 'build' / 'pages.json'}: cannot write: Is a directory (previews will start on page 1)"]


@pytest.mark.parametrize("source", ["brochure.yml", "data/cards/01-alpha.md", "data/editorial.md"])
def test_a_source_file_is_never_replaced_by_the_pdf(mini, source):
    before = (mini / source).read_bytes()
    result = run("-C", mini, "build", "-o", mini / source)
    assert result.exit_code == 1
    assert result.output == f"{mini / source}: is a source file of the edition; write the PDF to a file ending in .pdf\n"
    assert (mini / source).read_bytes() == before


def test_a_target_not_ending_in_pdf_is_refused(mini, tmp_path):
    result = run("-C", mini, "build", "-o", tmp_path / "notes.txt")
    assert result.exit_code == 1
    assert result.output == f"{tmp_path / 'notes.txt'}: a PDF must be written to a file ending in .pdf\n"
    assert not (tmp_path / "notes.txt").exists()


def test_an_existing_file_that_is_not_a_pdf_is_not_replaced(mini, tmp_path):
    notes = tmp_path / "notes.pdf"
    notes.write_text("my notes, not a PDF")
    result = run("-C", mini, "build", "-o", notes)
    assert result.exit_code == 1
    assert result.output == (f"{notes}: exists and is not a PDF; refusing to replace it "
                             "(move it away or choose another name)\n")
    assert notes.read_text() == "my notes, not a PDF"


def test_a_pipe_is_not_replaced(mini, tmp_path):
    pipe = tmp_path / "pipe.pdf"
    os.mkfifo(pipe)
    result = run("-C", mini, "build", "-o", pipe)
    assert (result.exit_code, result.output) == (1, f"{pipe}: {REFUSED}\n")
    assert stat.S_ISFIFO(pipe.stat().st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
def test_a_device_node_is_not_replaced(mini, tmp_path):
    device = tmp_path / "null.pdf"
    os.mknod(device, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    result = run("-C", mini, "build", "-o", device)
    assert (result.exit_code, result.output) == (1, f"{device}: {REFUSED}\n")
    assert stat.S_ISCHR(device.stat().st_mode)


def test_an_output_that_is_a_folder_is_refused_before_building(mini):
    (mini / "build" / "mini.pdf").mkdir(parents=True)
    result = run("-C", mini, "build")
    assert (result.exit_code, result.output) == (1, f"{mini / 'build' / 'mini.pdf'}: is a folder; name the PDF file "
                                                 "to write\n")


def test_a_full_disk_names_the_file_and_keeps_the_previous_one(built, monkeypatch):
    edition, _ = built
    target = edition / "build" / "preview" / "preview-02.pdf"
    target.parent.mkdir(exist_ok=True)
    target.write_bytes(b"%PDF-1.7 the previous preview")

    def full(descriptor):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(os, "fsync", full)
    result = run("-C", edition, "preview", "2")
    assert (result.exit_code, result.output) == (1, f"{target}: cannot write: No space left on device\n")
    assert target.read_bytes() == b"%PDF-1.7 the previous preview"
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".part")]


def test_a_folder_that_cannot_be_written_names_the_file(tmp_path, monkeypatch):
    target = tmp_path / "book.pdf"
    target.write_bytes(b"%PDF-1.7 previous")

    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
    monkeypatch.setattr(tempfile, "mkstemp", refused)
    with pytest.raises(BrochureError) as error:
        write_atomically(target, b"%PDF-1.7 new")
    assert str(error.value) == f"{target}: cannot write: Permission denied"
    assert target.read_bytes() == b"%PDF-1.7 previous"


def test_a_temporary_left_by_a_killed_build_is_cleaned_at_the_next_write(tmp_path):
    fcntl = pytest.importorskip("fcntl")
    stale = tmp_path / ".book.pdf.abc123.part"
    stale.write_bytes(b"%PDF-1.7 half")
    busy = tmp_path / ".book.pdf.def456.part"      # another build writing right now: left alone
    other = tmp_path / ".other.pdf.abc123.part"    # another file's: left alone
    other.write_bytes(b"")
    with open(busy, "wb") as writing:
        fcntl.flock(writing.fileno(), fcntl.LOCK_EX)
        write_atomically(tmp_path / "book.pdf", b"%PDF-1.7 whole")
        assert busy.exists()
    assert not stale.exists() and other.exists()
    assert (tmp_path / "book.pdf").read_bytes() == b"%PDF-1.7 whole"
    assert sorted(p.name for p in Path(tmp_path).iterdir()) == [".book.pdf.def456.part", ".other.pdf.abc123.part",
                                                                "book.pdf"]



def test_a_target_that_is_a_loop_of_links_is_refused(mini, tmp_path):
    loop = tmp_path / "loop.pdf"
    loop.symlink_to(loop)
    result = run("-C", mini, "build", "-o", loop)
    assert (result.exit_code, result.output) == (1, f"{loop}: cannot write: Symlink loop from '{loop}'\n")
    assert loop.is_symlink()
