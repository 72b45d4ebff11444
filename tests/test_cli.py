"""The command line as a user meets it: messages, exit codes, no traceback."""
import re

from click.testing import CliRunner
from pypdf import PdfReader

from brochure.cli import main


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_check_lists_three_problems_with_file_and_line_and_exits_1(mini):
    (mini / "data" / "cards" / "04-bad.md").write_text(
        "---\nnumber: 4\nsection: alpha\ncollectivity: X\ntitle: T\nauthors:\n  - name: A\n    email: a@b.fr\n"
        "keyfigures: []\n---\n")
    (mini / "data" / "cards" / "05-bad.md").write_text("---\nnumber: 5\nsection: alpha\ntitle: : x\n---\n")
    (mini / "data" / "cards" / "06-bad.md").write_text(
        "---\nnumber: 6\nsection: alpha\ntitle: T\nauthors:\n  - name: A\n    email: a@b.fr\n---\n")
    result = run("-C", mini, "check")
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("data/")]
    assert lines == [
        "data/cards/04-bad.md:9: keyfigures: unknown key 'keyfigures' (did you mean 'key_figures'?)",
        lines[1],
        "data/cards/06-bad.md:2: collectivity: is required but missing",
    ]
    assert lines[1].startswith("data/cards/05-bad.md:4: yaml: ")
    assert "Traceback" not in result.output


def test_check_prints_warnings_and_strict_makes_them_errors(mini):
    result = run("-C", mini, "check")
    assert result.exit_code == 0
    assert "data/cards/01-alpha.md:19: key_figures[2].missing: warning: value declared missing" in result.output
    strict = run("-C", mini, "check", "--strict")
    assert strict.exit_code == 1
    assert "data/cards/01-alpha.md:19: key_figures[2].missing" in strict.output


def test_build_and_preview_say_where_how_many_pages_and_how_long(mini, tmp_path):
    result = run("-C", mini, "build", "-o", tmp_path / "out.pdf")
    assert result.exit_code == 0, result.output
    assert re.search(r"out.pdf: \d+ page\(s\) in \d+\.\d s", result.output)
    assert (tmp_path / "out.pdf").is_file()
    result = run("-C", mini, "preview", "3")
    assert result.exit_code == 0, result.output
    assert "preview-03.pdf" in result.output and (mini / "build" / "preview" / "preview-03.pdf").is_file()


def test_unknown_card_theme_and_folder_are_clear_errors(mini, tmp_path):
    result = run("-C", mini, "preview", "42")
    assert result.exit_code == 1 and "no card '42'" in result.output and "01, 02, 03" in result.output
    result = run("-C", mini, "build", "--theme", "nope")
    assert result.exit_code == 1 and "theme 'nope' not found" in result.output and "default" in result.output
    result = run("-C", tmp_path, "check")
    assert result.exit_code == 1 and "no brochure.yml here" in result.output


def test_every_command_has_help_with_examples():
    for command in ("build", "preview", "check", "proof"):
        result = run(command, "--help")
        assert result.exit_code == 0 and "Examples:" in result.output, command
    assert run("--version").output.startswith("brochure, version ")


def test_proof_writes_page_images_and_a_contact_sheet(mini):
    assert run("-C", mini, "build").exit_code == 0
    result = run("-C", mini, "proof", "--dpi", "20")
    assert result.exit_code == 0, result.output
    from PIL import Image
    sheet = Image.open(mini / "build" / "proof" / "contact-sheet.png")
    pages = sorted((mini / "build" / "proof").glob("page-*.png"))
    assert len(pages) == len(PdfReader(str(mini / "build" / "mini.pdf")).pages)
    assert sheet.width > sheet.height  # spreads: two pages side by side, four spreads a row


def test_print_build_ends_with_its_preflight_and_check_pdf_repeats_it(mini):
    result = run("-C", mini, "build", "--variant", "print")
    assert result.exit_code == 0, result.output
    assert "mini-print.pdf" in result.output and "technically clean" in result.output
    assert "(card 01): 3 item(s) declared missing" in result.output
    again = run("-C", mini, "check", "--pdf")
    assert again.exit_code == 0 and "mini-print.pdf: technically clean" in again.output
    strict = run("-C", mini, "check", "--pdf", "--strict")
    assert strict.exit_code == 1


def test_an_unexpected_failure_is_one_line_unless_verbose(mini, monkeypatch):
    import brochure.build

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")
    monkeypatch.setattr(brochure.build, "build", broken)
    quiet = run("-C", mini, "build")
    assert quiet.exit_code == 1
    assert "unexpected RuntimeError: the disk is full (a bug in brochure: run with --verbose" in quiet.output
    assert "Traceback" not in quiet.output
    loud = CliRunner().invoke(main, ["-C", str(mini), "--verbose", "build"])
    assert isinstance(loud.exception, RuntimeError)   # the traceback is shown, not swallowed
