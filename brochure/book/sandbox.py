"""A Theme -> a sandboxed Jinja2 environment; a failing template -> a Problem at its file and line.

Templates are data: they run in Jinja2's immutable sandbox (no attribute
starting with `_`, no mutation of lists and dicts, no calling what is unsafe)
and receive only the view records of `views.py`. Whatever goes wrong in a
template, at compile time or while rendering, becomes one line
`templates/x.html:LINE: template: message`, without a Python repr.

A template is compiled once and kept while its name leads to the same file
with the same text (`CheckedLoader`): `check`, the units and every refresh
of a Builder share the compiled code; an edited, added or removed template
is seen at its next use.
"""
from __future__ import annotations

import dataclasses
import difflib
import functools
import re
from pathlib import Path

import jinja2
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import generate_lorem_ipsum, missing

from ..limits import MAX_TEMPLATE_BITS, MAX_TEMPLATE_POWER, MAX_TEMPLATE_REPEAT, MAX_UNIT_HTML
from ..problems import Problem
from ..themes.loader import TemplateFileError, ThemeLoader, read_template
from ..themes.theme import Theme, checked_folder

FORMAT_WIDTH = re.compile(r"\{[^{}]*:[^{}]*?(\d{6,})[^{}]*\}|%[-#0 +]*(\d{6,})")
REPR = re.compile(r"<?'?brochure(?:\.\w+)*\.(\w+) object(?: at 0x[0-9a-f]+>)?'?")


class SandboxEnvironment(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with `*` and `**` bounded so that a template cannot fill the memory."""

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context, operator, left, right):
        if operator == "**" and isinstance(right, (int, float)) and (abs(right) > MAX_TEMPLATE_POWER or isinstance(
                left, int) and left.bit_length() * abs(right) > MAX_TEMPLATE_BITS):
            raise SecurityError(f"the power {_short(left)} ** {_short(right)} is too large")
        if operator == "%" and isinstance(left, str):
            _bounded_format(left)
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(times, int) \
                        and len(seq) * times > MAX_TEMPLATE_REPEAT:
                    raise SecurityError(f"repeating {len(seq)} item(s) {times} times is too much "
                                        f"(at most {MAX_TEMPLATE_REPEAT})")
        return super().call_binop(context, operator, left, right)

    def wrap_str_format(self, value):
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _bounded_format(value.__self__)   # '{:>999999999}'.format(1)
        return wrapped

    def call(self, __context, __obj, *args, **kwargs):
        _bounded_numbers(args, kwargs)   # 'x'.center(10 ** 9) would fill the memory
        return super().call(__context, __obj, *args, **kwargs)


def _short(number) -> str:
    text = str(number)
    return text if len(text) <= 20 else f"{text[:8]}...({len(text)} digits)"


def _bounded_numbers(args, kwargs) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_TEMPLATE_REPEAT:
            raise SecurityError(f"the number {value} is too large here (at most {MAX_TEMPLATE_REPEAT})")


def _bounded_format(text: str) -> None:
    for match in FORMAT_WIDTH.finditer(text):
        _bounded_numbers([int(match.group(1) or match.group(2))], {})


def _format_filter(original):
    """Jinja2's `format` filter, refusing widths that would fill the memory ('%999999999d'|format(1))."""
    def format(value, *args, **kwargs):
        _bounded_format(str(value))
        return original(value, *args, **kwargs)
    return format


def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:  # noqa: A002 (Jinja's names)
    """Jinja2's placeholder text, with at most 100 paragraphs of at most 1,000 words."""
    if n > 100 or max > 1000:
        raise SecurityError("lipsum makes at most 100 paragraphs of at most 1000 words")
    return generate_lorem_ipsum(n, html, min, max)


def _bounded(function):
    """A filter whose numeric arguments (widths, counts) are bounded like those of any call."""
    skip = 2 if hasattr(function, "jinja_pass_arg") else 1   # the context or environment, then the value

    @functools.wraps(function)
    def bounded(*args, **kwargs):
        _bounded_numbers(args[skip:], kwargs)
        return function(*args, **kwargs)
    return bounded


class CheckedLoader(ThemeLoader):
    """The theme's templates, each compiled once and kept while its name still leads to the same file with the
    same text: an edited template, an override added or removed, is compiled again (Jinja2's `uptodate`)."""

    def get_source(self, environment, template):
        source, filename, _ = super().get_source(environment, template)

        def uptodate() -> bool:
            try:
                return ThemeLoader.get_source(self, environment, template)[:2] == (source, filename)
            except Exception:  # gone, unreadable, too large...: loading it again says why, at its line
                return False
        return source, filename, uptodate


def sandbox(theme: Theme, names: tuple[str, ...], filters: dict, functions: dict) -> SandboxEnvironment:
    """An environment loading the theme's templates; `names` are the variables templates receive."""
    env = SandboxEnvironment(loader=CheckedLoader(theme), autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True, auto_reload=True)
    env.filters.update(filters)
    env.filters = {name: _bounded(function) for name, function in env.filters.items()}
    env.filters["format"] = _format_filter(env.filters["format"])
    env.globals.update(functions, lipsum=_lipsum)
    env.undefined = _undefined((*names, *env.globals))
    return env


def render(env: jinja2.Environment, name: str, values: dict) -> str:
    """The template `name` rendered with `values`; a TemplateFileError when it makes an unreasonable amount of HTML."""
    template = env.get_template(name)
    parts, size = [], 0
    for part in template.generate(values):
        size += len(part)
        if size > MAX_UNIT_HTML:
            raise TemplateFileError(Path(template.filename), 1, f"makes more than {MAX_UNIT_HTML // 1_000_000} million "
                                    "characters of HTML for one unit: look for loops inside loops")
        parts.append(part)
    return "".join(parts)


def _undefined(names: tuple[str, ...]) -> type[jinja2.StrictUndefined]:
    """A strict Undefined whose message names what is missing in the editor's words, with a did-you-mean."""

    class Undefined(jinja2.StrictUndefined):
        @property
        def _undefined_message(self) -> str:
            if self._undefined_hint:
                return self._undefined_hint
            name, obj = str(self._undefined_name), self._undefined_obj
            if obj is missing and name in names:
                return f"'{name}' is not given to this template (only to some units: test it with 'is defined')"
            if obj is missing:
                return f"'{name}' is not defined here" + _did_you_mean(name, names)
            return f"{_kind(obj)} has no '{name}'" + _did_you_mean(name, _fields(obj))

    return Undefined


def _kind(obj) -> str:
    if dataclasses.is_dataclass(obj):
        return f"a {type(obj).__name__.lower()}"
    return {str: "text", int: "a number", float: "a number", dict: "this table", list: "a list",
            tuple: "a list", type(None): "an empty value"}.get(type(obj), "this value")


def _fields(obj) -> list[str]:
    if dataclasses.is_dataclass(obj):
        return [f.name for f in dataclasses.fields(obj)] + [n for n in vars(type(obj)) if not n.startswith("_")]
    if isinstance(obj, dict):
        return [str(key) for key in obj]
    return []


def _did_you_mean(name: str, candidates) -> str:
    hint = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.6)
    return f" (did you mean '{hint[0]}'?)" if hint else ""


def template_problem(error: Exception, env: jinja2.Environment) -> Problem | None:
    """A template failure -> a Problem at the template's file and line; None if no template is to blame."""
    served = env.loader.served if isinstance(env.loader, ThemeLoader) else set()
    if isinstance(error, TemplateFileError):
        return Problem(error.path, error.line, "template", error.reason)
    if isinstance(error, jinja2.TemplateSyntaxError) and error.filename:
        return Problem(Path(error.filename), error.lineno or 1, "template", _syntax_message(error, env))
    where = _innermost(error, served)
    if where is None:
        return None
    message = _message(error)
    if isinstance(error, RecursionError) and isinstance(env.loader, ThemeLoader):
        message += f': {{% extends "theme:{env.loader.theme.name}/{where[0].name}" %}}'
    return Problem(where[0], where[1], "template", message)


def _innermost(error: Exception, served: set[str]) -> tuple[Path, int] | None:
    """The deepest template line in the traceback (Jinja2 rewrites template frames to their file and line)."""
    found, traceback = None, error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename in served:
            found = (Path(traceback.tb_frame.f_code.co_filename), traceback.tb_lineno)
        traceback = traceback.tb_next
    return found


def _message(error: Exception) -> str:
    if isinstance(error, RecursionError):
        return ("includes, extends or calls itself endlessly; to build on the theme's template of the same name, "
                "extend it")

    if isinstance(error, SecurityError):
        return f"not allowed in a template: {_plain(str(error)).rstrip('.')} (templates only show the edition's values)"
    if isinstance(error, jinja2.TemplateNotFound):
        return _plain(error.message or f"template '{error.name}' not found")
    if isinstance(error, jinja2.UndefinedError):
        return _plain(error.message or "undefined value")
    return f"{_plain(str(error)) or type(error).__name__}"


def _syntax_message(error: jinja2.TemplateSyntaxError, env: jinja2.Environment) -> str:
    message = (error.message or "syntax error").rstrip(".")
    unknown = re.match(r"No (filter|test) named '([^']+)'", message)
    if unknown:
        known = env.filters if unknown.group(1) == "filter" else env.tests
        message += _did_you_mean(unknown.group(2), known)
    return _plain(message)


def _plain(message: str) -> str:
    """A message without Python reprs of brochure's objects, on one line."""
    return " ".join(REPR.sub(lambda m: m.group(1).lower(), message).split())


def compile_problems(edition_root: Path, env: jinja2.Environment) -> list[Problem]:
    """Every file in the edition's own templates folder (and its theme folders), compiled: a Problem for each failure."""
    folder = checked_folder(edition_root / "templates", edition_root)
    if folder is None:
        return []
    return [problem for path in sorted(folder.rglob("*")) if not path.name.startswith(".") and not path.is_dir()
            for problem in _compile(path, folder, env)]


def _compile(path: Path, folder: Path, env: jinja2.Environment) -> list[Problem]:
    if not path.is_file():
        what = "a link to nothing (or a loop of links)" if path.is_symlink() else "not a file (a pipe or a device)"
        return [Problem(path, 1, "template", f"is {what}: replace it by a template file")]
    if not path.resolve().is_relative_to(folder):
        return [Problem(path, 1, "template", "leads outside the edition's templates folder: replace the link by a file")]
    try:
        source = read_template(path)
        tree = env.parse(source, path.relative_to(folder).as_posix(), str(path))
        blocks = block_problems(path, tree, env)
        served = _served_name(path, env)
        if served is not None:   # compiled once, for check and for the units that render it
            env.get_template(served)
        else:
            env.compile(tree, path.relative_to(folder).as_posix(), str(path))
        return blocks
    except TemplateFileError as error:
        return [Problem(error.path, error.line, "template", error.reason)]
    except jinja2.TemplateSyntaxError as error:
        return [Problem(path, error.lineno or 1, "template", _syntax_message(error, env))]
    except jinja2.TemplateNotFound:   # removed between the two looks
        return [Problem(path, 1, "template", "disappeared while it was being checked: check again")]
    except RecursionError:
        return [Problem(path, 1, "template", "is nested too deeply to be read (brackets or tags inside one another)")]


def _served_name(path: Path, env: jinja2.Environment) -> str | None:
    """The name under which the environment's loader serves this very file, if it does (the shortest: the
    units' own, `card.html` rather than `default/card.html` through the old flat folder)."""
    if not isinstance(env.loader, ThemeLoader):
        return None
    names = sorted((path.relative_to(folder).as_posix() for folder in env.loader.theme.template_dirs
                    if path.is_relative_to(folder)), key=len)
    for name in names:
        try:
            if env.loader.get_source(env, name)[1] == str(path):
                return name
        except jinja2.TemplateError:
            continue
    return None


def block_problems(path: Path, tree: nodes.Template, env: jinja2.Environment) -> list[Problem]:
    """A block replacing none of its parents' (it would never show), at its line, with the nearest names.

    Blocks inside such a block are new ones, shown with it: only the outer blocks must be the parents'."""
    extends = next(iter(tree.find_all(nodes.Extends)), None)
    if extends is None or not isinstance(extends.template, nodes.Const) or not isinstance(extends.template.value, str):
        return []
    parent = extends.template.value
    known = parent_blocks(parent, env, depth=0)
    if known is None:
        return []
    return [Problem(path, block.lineno, "template", f"block '{block.name}' is not a block of {parent}, so it would "
                    f"never show{_did_you_mean(block.name, known)}; its blocks: {', '.join(sorted(known)) or 'none'}")
            for block in _outer_blocks(tree) if block.name not in known]


def _outer_blocks(tree: nodes.Template) -> list[nodes.Block]:
    """The blocks that replace a parent's: those not inside another block (a block inside one is new, and shows)."""
    blocks = list(tree.find_all(nodes.Block))
    inner = {id(nested) for block in blocks for nested in block.find_all(nodes.Block)}
    return [block for block in blocks if id(block) not in inner]


def parent_blocks(name: str, env: jinja2.Environment, depth: int) -> set[str] | None:
    """The names of the blocks of template `name` and of the templates it extends; None if one cannot be read."""
    if depth > 20:
        return None
    try:
        source, _, _ = env.loader.get_source(env, name)
        tree = env.parse(source)
    except (jinja2.TemplateError, RecursionError, OSError):
        return None
    names = {block.name for block in tree.find_all(nodes.Block)}
    extends = next(iter(tree.find_all(nodes.Extends)), None)
    if extends is not None and isinstance(extends.template, nodes.Const) and isinstance(extends.template.value, str):
        above = parent_blocks(extends.template.value, env, depth + 1)
        if above is None:
            return None
        names |= above
    return names
