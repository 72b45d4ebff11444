"""Hostile and broken templates and themes: one line at the template's file and line, exit 1, nothing run or read.

Each case puts one fault in a copy of the mini edition and runs the command
line on it, as a designer would.
"""
from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from brochure.cli import main
from brochure.problems import BrochureError

SUMMARY = "1 error(s), 0 warning(s): nothing was built."
THEME_NAMES = "a theme is named with lower-case letters, digits, '-' and '_', never a path"
UNSAFE = "(templates only show the edition's values)"
ENDLESS = ("includes, extends or calls itself endlessly; to build on the theme's template of the same name, "
           'extend it: {% extends "theme:default/')


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def template(edition: Path, name: str, text: str | bytes) -> Path:
    path = edition / "templates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def assert_refused(result, *lines: str) -> None:
    """Exit status 1, exactly these lines on the output, no traceback, no Python repr."""
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == list(lines)
    assert "Traceback" not in result.output and "object at 0x" not in result.output


# Each: (template file, its text, the message after "templates/FILE:LINE: template: ").
ATTACKS = {
    "shell command": ("cover.html", '{{ cycler.__init__.__globals__.os.popen("touch MARKER").read() }}',
                      f"not allowed in a template: access to attribute '__init__' of 'type' object is unsafe {UNSAFE}"),
    "read /etc/passwd": ("cover.html", '{{ config.root.joinpath("/etc/passwd").read_text() }}',
                         "a config has no 'root'"),
    "write outside": ("card.html", '{{ card.path.parent.joinpath("../../MARKER").write_text("x") }}',
                      "a card has no 'path'"),
    "subclasses": ("cover.html", "{{ ''.__class__.__mro__[1].__subclasses__() }}",
                   f"not allowed in a template: access to attribute '__class__' of 'str' object is unsafe {UNSAFE}"),
    "lipsum globals": ("cover.html", "{{ lipsum.__globals__['os'].system('touch MARKER') }}",
                       f"not allowed in a template: access to attribute '__globals__' of 'function' object is unsafe "
                       f"{UNSAFE}"),
    "template context": ("cover.html", "{{ self._TemplateReference__context }}",
                         "not allowed in a template: access to attribute '_TemplateReference__context' of "
                         f"'TemplateReference' object is unsafe {UNSAFE}"),
    "format string": ("cover.html", '{{ "{0.__class__}".format(config) }}',
                      f"not allowed in a template: access to attribute '__class__' of 'Config' object is unsafe "
                      f"{UNSAFE}"),
    "mutate a dict": ("sommaire.html", "{{ pages.update({'card-01': 1}) }}",
                      f"not allowed in a template: access to attribute 'update' of 'dict' object is unsafe {UNSAFE}"),
    "memory bomb": ("cover.html", "{{ 'x' * 100000000 }}",
                    f"not allowed in a template: repeating 1 item(s) 100000000 times is too much (at most 100000) "
                    f"{UNSAFE}"),
    "huge power": ("cover.html", "{{ 9 ** 99999999 }}",
                   f"not allowed in a template: the power 9 ** 99999999 is too large {UNSAFE}"),
    "nested power": ("cover.html", "{{ (9 ** 999) ** 999 }}",
                     f"not allowed in a template: the power 19420791...(954 digits) ** 999 is too large {UNSAFE}"),
    "wide filter": ("cover.html", "{{ 'x'|center(1000000000) }}",
                    f"not allowed in a template: the number 1000000000 is too large here (at most 100000) {UNSAFE}"),
    "wide method": ("cover.html", "{{ config.title.ljust(1000000000) }}",
                    f"not allowed in a template: the number 1000000000 is too large here (at most 100000) {UNSAFE}"),
    "wide format": ("cover.html", "{{ '{:>999999999}'.format(1) }}",
                    f"not allowed in a template: the number 999999999 is too large here (at most 100000) {UNSAFE}"),
    "wide printf": ("cover.html", "{{ '%999999999d'|format(1) ~ '%999999999d' % 1 }}",
                    f"not allowed in a template: the number 999999999 is too large here (at most 100000) {UNSAFE}"),
    "endless lipsum": ("cover.html", "{{ lipsum(100000) }}",
                       f"not allowed in a template: lipsum makes at most 100 paragraphs of at most 1000 words {UNSAFE}"),
    "md outside": ("cover.html", '{{ "![x](passwd)"|md("../../../../../etc") }}',
                   f"not allowed in a template: md: the folder '../../../../../etc' is outside the edition {UNSAFE}"),
    "include with ..": ("cover.html", '{% include "../brochure.yml" %}',
                        "template '../brochure.yml' not found: a template is named from its templates folder, "
                        "without '..'"),
    "theme url with ..": ("cover.html", '{% include "theme:../../../../etc/passwd" %}',
                          "template 'theme:../../../../etc/passwd' not found; searched: the '..' theme"),
}


@pytest.mark.parametrize("name", ATTACKS)
def test_a_hostile_template_is_refused_at_its_line_and_runs_nothing(mini, tmp_path, name):
    file, text, message = ATTACKS[name]
    marker = tmp_path / "marker"
    template(mini, file, "\n\n" + text.replace("MARKER", str(marker)))
    for command in ("check", "build"):
        result = run("-C", mini, command)
        assert_refused(result, f"templates/{file}:3: template: {message}", SUMMARY)
        assert "root:x:0" not in result.output
    assert not marker.exists() and not (mini / "build").exists()


def test_an_absolute_include_is_not_read_from_the_disk(mini):
    template(mini, "cover.html", '{% include "/etc/passwd" %}')
    searched = f"{mini}/templates/etc/passwd"
    assert_refused(run("-C", mini, "check"),
                   f"templates/cover.html:1: template: template '/etc/passwd' not found; searched: {searched}, "
                   f"{Path(__file__).parents[1]}/templates/default/etc/passwd", SUMMARY)


def test_a_template_linked_to_a_file_outside_is_refused(mini):
    (mini / "templates").mkdir()
    (mini / "templates" / "cover.html").symlink_to("/etc/passwd")
    result = run("-C", mini, "check")
    assert_refused(result, "templates/cover.html:1: template: leads outside the edition's templates folder: "
                   "replace the link by a file", SUMMARY)
    assert "root:x:0" not in result.output


def test_a_template_that_is_a_pipe_or_a_loop_of_links_is_reported(mini):
    (mini / "templates").mkdir()
    os.mkfifo(mini / "templates" / "cover.html")
    (mini / "templates" / "card.html").symlink_to(mini / "templates" / "card.html")
    assert_refused(run("-C", mini, "check"),
                   "templates/card.html:1: template: is a link to nothing (or a loop of links): replace it by a "
                   "template file",
                   "templates/cover.html:1: template: is not a file (a pipe or a device): replace it by a template file",
                   "2 error(s), 0 warning(s): nothing was built.")


@pytest.mark.parametrize("kind", ["templates", "styles"])
def test_a_theme_folder_linked_to_the_root_does_not_widen_what_is_read(mini, kind):
    (mini / kind).mkdir()
    (mini / kind / "default").symlink_to("/")
    for command in ("check", "build"):
        assert_refused(run("-C", mini, command),
                       f"{kind}/default: leads to /, outside the edition folder: brochure reads only the edition and "
                       "its themes; replace the link by a real folder")
    assert not (mini / "build").exists()


BROKEN = {
    "type error": ("cover.html", "{{ 1 + 'a' }}", "unsupported operand type(s) for +: 'int' and 'str'"),
    "undefined variable": ("cover.html", "{{ confg.title }}", "'confg' is not defined here (did you mean 'config'?)"),
    "variable of another unit": ("cover.html", "{{ card.title }}",
                                 "'card' is not given to this template (only to some units: test it with 'is defined')"),
    "undefined field": ("cover.html", "{{ config.titel }}", "a config has no 'titel' (did you mean 'title'?)"),
    "undefined field of a card": ("card.html", "{{ card.colectivity }}",
                                  "a card has no 'colectivity' (did you mean 'collectivity'?)"),
    "includes itself": ("cover.html", '{% include "cover.html" %}', f"{ENDLESS}cover.html\" %}}"),
    "extends itself": ("card.html", '{% extends "card.html" %}', f"{ENDLESS}card.html\" %}}"),
    "macro calls itself": ("cover.html", "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", f"{ENDLESS}cover.html\" %}}"),
    "syntax error": ("cover.html", "{% if %}", "Expected an expression, got 'end of statement block'"),
    "unknown filter": ("cover.html", "{{ config.title|typoo }}", "No filter named 'typoo' (did you mean 'typo'?)"),
    "unclosed block": ("cover.html", "{% for x in config.sections %}", "Unexpected end of template. Jinja was looking "
                       "for the following tags: 'endfor' or 'else'. The innermost block that needs to be closed is "
                       "'for'"),
    "not UTF-8": ("cover.html", "Édition {{ config.title }}".encode("latin-1"), "is not UTF-8 text (save it as UTF-8)"),
}


@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_template_is_one_line_at_its_file_and_line(mini, name):
    file, text, message = BROKEN[name]
    template(mini, file, b"\n\n" + text if isinstance(text, bytes) else "\n\n" + text)
    assert_refused(run("-C", mini, "check"), f"templates/{file}:3: template: {message}", SUMMARY)


def test_check_compiles_every_template_of_the_edition_even_unused_ones(mini):
    template(mini, "unused.html", "ok\n{{ x }")
    template(mini, "mine/deep/part.html", "{% endif %}")
    assert_refused(run("-C", mini, "check"),
                   "templates/mine/deep/part.html:1: template: Encountered unknown tag 'endif'",
                   "templates/unused.html:2: template: unexpected '}'",
                   "2 error(s), 0 warning(s): nothing was built.")


def test_a_theme_named_by_a_path_is_refused_not_loaded_from_outside(mini, tmp_path):
    outside = tmp_path / "evil"
    (outside / "theme.yml").parent.mkdir()
    (outside / "theme.yml").write_text("stylesheets: [evil.css]\n")
    (outside / "evil.css").write_text("body { color: red }\n")
    (mini / "styles").mkdir()       # so that styles/../../evil leads to it
    assert_refused(run("-C", mini, "build", "--theme", "../../evil"),
                   f"--theme: '../../evil' is not a theme name: {THEME_NAMES} (themes available: default, sober)")
    config = mini / "brochure.yml"
    line = len(config.read_text().splitlines()) + 1
    config.write_text(config.read_text() + "theme: ../../evil\n")
    assert_refused(run("-C", mini, "check"),
                   f"brochure.yml:{line}: theme: '../../evil' is not a theme name: {THEME_NAMES} "
                   "(themes available: default, sober)")


def theme_file(edition: Path, text: str) -> None:
    """A theme `mine` in the edition, with this theme.yml, chosen in brochure.yml."""
    folder = edition / "styles" / "mine"
    folder.mkdir(parents=True)
    (folder / "theme.yml").write_text(text)
    (folder / "mine.css").write_text("body { margin: 0 }\n")
    config = edition / "brochure.yml"
    config.write_text(config.read_text() + "theme: mine\n")


THEME_FILES = {
    "YAML error": ("extends: default\nstylesheets: [mine.css\n",
                   "3: yaml: while parsing a flow sequence, expected ',' or ']', but got '<stream end>' "
                   "(check indentation, quotes and colons)"),
    "not a mapping": ("- default\n", "1: (file): must be a list of key: value entries, not a list"),
    "stylesheets not a list": ("extends: default\nstylesheets: mine.css\n",
                               "2: stylesheets: must be a list (each entry on its own line starting with '- '), "
                               "not text"),
    "unknown key": ("extends: default\nstylesheet: [mine.css]\n",
                    "2: stylesheet: unknown key 'stylesheet' (did you mean 'stylesheets'?)"),
    "bad start_on": ("extends: default\nstart_on:\n  sommaire: up\n",
                     "3: start_on.sommaire: 'up' is not one of: left, right, any"),
    "unknown unit in start_on": ("extends: default\nstart_on:\n  somaire: left\n",
                                 "3: start_on.somaire: unknown key 'somaire' (did you mean 'sommaire'?)"),
    "extends a missing theme": ("extends: defualt\n",
                                "1: extends: theme 'defualt' not found; themes available: default, mine, sober"),
    "extends a path": ("extends: ../../x\n", f"1: extends: '../../x' is not a theme name: {THEME_NAMES} "
                       "(themes available: default, mine, sober)"),
    "extends itself": ("extends: mine\n", "1: extends: theme 'mine' extends itself (through mine -> mine): "
                       "remove one 'extends'"),
    "stylesheet path out": ("extends: default\nstylesheets: [mine.css, ../../../../etc/passwd]\n",
                            "2: stylesheets[2]: '../../../../etc/passwd' must be a file of the theme's styles "
                            "folder, not a path leading out of it"),
}


@pytest.mark.parametrize("name", THEME_FILES)
def test_a_malformed_theme_file_is_one_line_at_its_line(mini, name):
    text, message = THEME_FILES[name]
    theme_file(mini, text)
    assert_refused(run("-C", mini, "check"), f"styles/mine/theme.yml:{message}", SUMMARY)


def test_a_missing_stylesheet_names_its_line_and_the_folders_searched(mini):
    theme_file(mini, "extends: default\nstylesheets:\n  - mine.css\n  - nope.css\n")
    searched = f"{mini}/styles, {mini}/styles/mine, {Path(__file__).parents[1]}/styles/default"
    assert_refused(run("-C", mini, "check"),
                   f"styles/mine/theme.yml:4: stylesheets: 'nope.css' not found; searched: {searched}", SUMMARY)



def test_a_template_making_endless_html_is_stopped(mini):
    template(mini, "cover.html", "{% for i in range(100000) %}{{ 'x' * 100000 }}{% endfor %}")
    assert_refused(run("-C", mini, "check"), "templates/cover.html:1: template: makes more than 10 million "
                   "characters of HTML for one unit: look for loops inside loops", SUMMARY)


def test_a_template_nested_too_deeply_is_refused(mini):
    template(mini, "cover.html", "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}")
    assert_refused(run("-C", mini, "check"), "templates/cover.html:1: template: is nested too deeply to be read "
                   "(brackets or tags inside one another)", SUMMARY)


def test_a_huge_template_is_refused_unread(mini):
    template(mini, "cover.html", "<p>{{ config.title }}</p>\n" * 50_000)
    assert_refused(run("-C", mini, "check"),
                   "templates/cover.html:1: template: is larger than 1 MB: a template is a page of HTML, keep it small",
                   SUMMARY)


def test_the_renderer_refuses_a_style_folder_outside_the_edition(mini):
    from brochure.edition.config import load_config
    from brochure.pdf.render import Renderer
    from brochure.themes.theme import load_theme
    config, _ = load_config(mini)
    theme = replace(load_theme("default", mini), style_dirs=(Path("/"),))
    with pytest.raises(BrochureError) as error:
        Renderer(config, theme)
    assert str(error.value) == ("/: leads to /, outside the edition folder: brochure reads only the edition and its "
                                "themes; replace the link by a real folder")


def test_a_theme_url_through_a_folder_leading_outside_is_refused(mini, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "theme.yml").write_text("stylesheets: [secret.css]\n")
    (outside / "secret.css").write_text("/* secret */\n")
    (mini / "styles").mkdir()
    (mini / "styles" / "other").symlink_to(outside)
    from brochure.edition.config import load_config
    from brochure.pdf.render import Renderer
    from brochure.themes.theme import load_theme
    config, _ = load_config(mini)
    renderer = Renderer(config, load_theme("default", mini))
    with pytest.raises(ValueError, match="refused: theme:other/secret.css"):
        renderer.fetcher.fetch("theme:other/secret.css")


def test_a_stylesheet_linked_to_a_file_outside_is_refused(mini):
    theme_file(mini, "extends: default\nstylesheets:\n  - mine.css\n  - secret.css\n")
    (mini / "styles" / "mine" / "secret.css").symlink_to("/etc/passwd")
    assert_refused(run("-C", mini, "check"),
                   f"styles/mine/theme.yml:4: stylesheets: 'secret.css' in {mini}/styles/mine leads outside its folder "
                   "(to another file): replace the link by the file itself", SUMMARY)


def test_a_template_looping_endlessly_is_stopped_by_check(mini):
    from brochure.build import check
    template(mini, "cover.html", "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}")
    with pytest.raises(BrochureError) as error:
        check(mini, template_seconds=0.5)
    assert str(error.value) == ("making the HTML of every unit from the templates took more than 0.5 s: "
                                "look for loops inside loops in the templates")
