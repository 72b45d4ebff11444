"""A folder name -> a new edition copied from the skeleton; an edition + a section -> a new card file.

The skeleton ships inside the package (brochure/intake/skeleton/), so that an
installed brochure starts an edition anywhere; it builds at once.
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path

from ..edition.config import CONFIG_NAME, _slug, load_config
from ..edition.models import Config
from ..edition.listing import card_files
from ..edition.sources import read_markdown
from ..problems import BrochureError, ContentError
from ..resources import skeleton
from .cards import Draft, card_text

IMAGES = Path("data") / "images"


def new_edition(target: Path) -> list[Path]:
    """Copy the skeleton into `target` (created); refuse when an edition, or any file it would write, is there."""
    source = skeleton()
    files = sorted(path for path in source.rglob("*") if path.is_file() and "__pycache__" not in path.parts)
    if (target / CONFIG_NAME).exists():
        raise BrochureError(f"{target}: an edition is already there ({CONFIG_NAME} exists): "
                            "choose a new folder; nothing was written")
    clashes = [target / path.relative_to(source) for path in files if (target / path.relative_to(source)).exists()]
    if clashes:
        raise BrochureError(f"{clashes[0]}: already exists: choose a new folder; nothing was written")
    if target.exists() and not target.is_dir():
        raise BrochureError(f"{target}: is a file, not a folder: choose a new folder")
    written = []
    for path in files:
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(path.read_bytes())
        written.append(destination)
    (target / IMAGES).mkdir(parents=True, exist_ok=True)
    return written


def edition_config(root: Path) -> Config:
    """brochure.yml of the edition, which must be readable (its problems raised otherwise)."""
    config, problems = load_config(root)
    if config is None:
        raise ContentError(problems, root.resolve())
    return config


def section_id(config: Config, wanted: str | None) -> str:
    """A section of the edition by id; the first one when none is asked for."""
    ids = [section.id for section in config.sections]
    if wanted is None:
        if not ids:
            raise BrochureError(f"{config.root / CONFIG_NAME}: sections: none declared: add one first")
        return ids[0]
    if wanted not in ids:
        hint = [i for i in ids if i.startswith(wanted)][:1] or difflib.get_close_matches(wanted, ids, n=1)
        raise BrochureError(f"--section: '{wanted}' is not a section of {CONFIG_NAME}"
                            + (f" (did you mean '{hint[0]}'?)" if hint else f" (sections: {', '.join(ids)})"))
    return wanted


def used_numbers(config: Config) -> set[int]:
    """The numbers the edition's cards already take (front-matter, else the file name's)."""
    numbers = set()
    for path in card_files(config.cards_dir, config.root)[0]:
        source, _ = read_markdown(path, inside=config.root)
        value = source.data.get("number") if source is not None and isinstance(source.data, dict) else None
        if isinstance(value, int) and not isinstance(value, bool):
            numbers.add(value)
        elif (match := re.match(r"^(\d+)", path.name)) is not None:
            numbers.add(int(match.group(1)))
    return numbers


def next_number(config: Config, taken: set[int] = frozenset()) -> int:
    """The number after the highest card's (1 in an empty edition)."""
    return max(used_numbers(config) | set(taken), default=0) + 1


def card_path(config: Config, number: int, name: str) -> Path:
    return config.cards_dir / f"{number:02d}-{_slug(name) if name else 'nouvelle-fiche'}.md"


def new_card(root: Path, section: str | None, title: str | None = None, collectivity: str | None = None,
             output: Path | None = None) -> Path:
    """Write the next card of the edition (every key present or commented); its path. Never overwrites."""
    config = edition_config(root)
    number = next_number(config)
    draft = Draft(number, section_id(config, section), collectivity or "Collectivité à préciser",
                  title or "Titre à préciser")
    path = output or card_path(config, number, (collectivity or title or "").split("(")[0])
    write_new(path, card_text(draft, tuple(s.id for s in config.sections)))
    return path


def write_new(path: Path, text: str) -> None:
    """Write a file that must not exist yet."""
    if path.exists():
        raise BrochureError(f"{path}: already exists: nothing was written (give another file with -o)")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8") as file:
        file.write(text)
