"""What each command prints at each verbosity: -q, default, -v (brochure's stages), -vv (WeasyPrint's too)."""
from __future__ import annotations

import re
import subprocess
import sys


def run(*args):
    """The command as a user runs it: a process of its own, its own logging, its output as text."""
    done = subprocess.run([sys.executable, "-m", "brochure.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=300)
    done.output = done.stdout + done.stderr
    done.exit_code = done.returncode
    return done


def test_quiet_prints_the_result_line_alone(mini):
    result = run("-C", mini, "-q", "build")
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines() == [line for line in result.output.strip().splitlines()
                                                  if line.startswith("built ")]


def test_default_counts_the_warnings_and_draws_no_bar_when_piped(mini):
    result = run("-C", mini, "build")
    assert result.exit_code == 0
    assert "warning(s): content to complete" in result.output
    assert "laying out" not in result.output


def test_verbose_says_each_stage_and_each_unit_but_not_weasyprint(mini):
    result = run("-C", mini, "-v", "build")
    assert result.exit_code == 0
    for stage in ("checking the edition", "making the HTML of every unit", "writing"):
        assert stage in result.output
    assert re.search(r"card-01 at p\. 8: (laid out|moved there), \d+ page", result.output)   # ahead, then moved
    assert "weasyprint" not in result.output.lower().replace("(weasyprint", "")


def test_very_verbose_adds_weasyprint_progress(mini):
    result = run("-C", mini, "-vv", "build")
    assert result.exit_code == 0
    assert "weasyprint.progress" in result.output


def test_the_command_ends_with_the_exit_code_of_what_happened_and_every_line_written(mini, tmp_path):
    """`python -m brochure.cli` (and the `brochure` script) end the process at once after `main`: nothing lost."""
    from click.testing import CliRunner

    from brochure.cli import main
    assert run("--no-such-option").exit_code == 2                          # click's usage error
    assert run("-C", tmp_path, "build").exit_code == 1                     # no edition here: a problem, said
    built = run("-C", mini, "-q", "build")                                  # stdout is a pipe: block-buffered
    assert built.exit_code == 0 and re.fullmatch(r"built \S+mini\.pdf: \d+ page\(s\) in [\d.]+ s\n", built.stdout)
    for args in (["-C", str(mini), "check"], ["--version"]):
        alone, inside = run(*args), CliRunner().invoke(main, args)
        assert alone.exit_code == inside.exit_code == 0
        assert alone.stdout.strip() and alone.stdout == inside.stdout      # every line, flushed before the end
