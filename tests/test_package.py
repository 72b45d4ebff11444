"""brochure as a user installs it: the wheel, in a fresh virtual environment, used outside the checkout.

The wheel is built from a copy of the sources (pip builds in-tree), installed
without its dependencies into a new virtual environment, which borrows them
from the test environment's site-packages (a path in a .pth file: that
folder's own .pth files, among them the editable install of the checkout,
are not run). Everything then happens in a temporary folder: `brochure new
edition`, `new card`, `check`, `build`, and the PDF is read back.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from conftest import REPO, Pdf

SOURCES = ("pyproject.toml", "README.md", "brochure", "templates", "styles", "assets")


def _sh(*args, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """A wheel of brochure installed in a new virtual environment; the commands run from a folder outside."""
    base = tmp_path_factory.mktemp("wheel")
    sources = base / "sources"
    sources.mkdir()
    for name in SOURCES:
        origin = REPO / name
        if origin.is_dir():
            shutil.copytree(origin, sources / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
        else:
            shutil.copy(origin, sources / name)
    wheels = base / "wheels"
    built = _sh(sys.executable, "-m", "pip", "wheel", ".", "-w", wheels, "--no-deps", "-q",
                cwd=sources)
    assert built.returncode == 0, built.stderr
    environment = base / "env"
    venv.EnvBuilder(with_pip=False).create(environment)
    bin_dir = environment / "bin"
    site = Path(_sh(bin_dir / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                    cwd=base).stdout.strip())
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel = next(wheels.glob("brochure-*.whl"))
    installed = _sh(sys.executable, "-m", "pip", "--python", bin_dir / "python", "install", "--no-deps", "-q", wheel,
                    cwd=base)
    assert installed.returncode == 0, installed.stderr
    shutil.rmtree(sources)   # nothing of the checkout is left to lean on
    work = base / "work"
    work.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {"bin": bin_dir, "work": work, "wheel": wheel, "env": env}


def brochure(installed: dict, *args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return _sh(installed["bin"] / "brochure", *args, cwd=cwd or installed["work"], env=installed["env"])


def test_the_wheel_holds_the_themes_fonts_profile_skeleton_and_viewer(installed):
    import zipfile
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    for name in ("brochure/shipped/templates/default/card.html", "brochure/shipped/styles/default/theme.yml",
                 "brochure/shipped/styles/sober/theme.yml", "brochure/shipped/assets/fonts/inter/Inter-Regular.otf",
                 "brochure/shipped/assets/icc/brochure-cmyk-fogra39.icc", "brochure/intake/skeleton/brochure.yml",
                 "brochure/intake/skeleton/data/cards/01-ville-exemple.md", "brochure/serve/viewer.html"):
        assert name in names, name
    assert not any(name.startswith(("data/", "brochure/shipped/build")) for name in names)


def test_the_installed_package_is_the_one_used(installed):
    where = _sh(installed["bin"] / "python", "-c", "import brochure; print(brochure.__file__)",
                cwd=installed["work"], env=installed["env"])
    assert where.stdout.strip().startswith(str(installed["bin"].parent)), where.stdout + where.stderr


def test_new_edition_new_card_check_and_build_work_from_an_installed_wheel(installed):
    work = installed["work"]
    created = brochure(installed, "new", "edition", "regards-2031")
    assert created.returncode == 0, created.stderr
    edition = work / "regards-2031"
    card = brochure(installed, "new", "card", "--section", "valoriser-le-territoire", "--title",
                    "Un parc naturel pour tous", "--collectivity", "Parc du Vercors", cwd=edition)
    assert (card.returncode, card.stdout.strip()) == (0, "data/cards/03-parc-du-vercors.md"), card.stderr
    checked = brochure(installed, "check", cwd=edition)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == "3 cards checked: no error, 3 warning(s)."
    built = brochure(installed, "build", cwd=edition)
    assert built.returncode == 0, built.stderr
    pdf = Pdf(edition / "build" / "brochure.pdf")
    assert pdf.card_page("Une relation usager repensée") < pdf.card_page("Un parc naturel pour tous")
    assert "Faire connaître le territoire à\u00a0ceux qui l\u2019habitent" in " ".join(pdf.pages)
    assert all(embedded for embedded in pdf.fonts().values()) and any("Inter" in f for f in pdf.fonts())


def test_an_unknown_theme_lists_the_shipped_ones(installed):
    edition = installed["work"] / "themes"
    assert brochure(installed, "new", "edition", edition).returncode == 0
    wrong = brochure(installed, "build", "--theme", "nope", cwd=edition)
    assert wrong.returncode == 1
    assert "themes available: default, sober" in wrong.stderr
