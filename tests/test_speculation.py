"""Speculation with scripted workers: what is asked, in which order (no layout, no process)."""
from __future__ import annotations

import hashlib
from types import SimpleNamespace

from brochure.book.speculation import Speculation
from brochure.book.units import Unit
from brochure.pdf.workers import Done, UnitPdf

LENGTHS = {"cover": 1, "sommaire": 2, "card-01": 4, "card-02": 6, "back-page": 1, "blank": 1}


class ScriptedWriters:
    """Two workers; every task takes one turn, except laying out the `slow` units, which takes `slow[name]` turns."""

    jobs, holds = 2, True

    def __init__(self, slow: dict[str, int]):
        self.slow = slow
        self.running: dict[str, tuple[list[int], Done, bool]] = {}   # key -> (turns left, result, lays out)
        self.log: list[str] = []                  # "write name@page", "hold name@page"..., in the order asked
        self.running_then: list[set[str]] = []    # for each entry of the log, the units being laid out then

    @property
    def asked(self) -> set[str]:
        return {key for key, (_, _, lays_out) in self.running.items() if lays_out}

    @property
    def laying(self) -> int:
        return len(self.asked)

    def _ask(self, what: str, key: str, unit: Unit, start: int, written: bool, lays_out: bool = True) -> None:
        self.log.append(f"{what} {unit.name}@{start}")
        self.running_then.append({done.unit.name for _, done, lays_out in self.running.values() if lays_out})
        pages = LENGTHS["blank" if unit.kind == "blank" else unit.name]
        done = Done(key, unit, start, pages, UnitPdf(b"", pages, (), ()) if written else None, laid_out=lays_out)
        self.running[key if lays_out else key + " placed"] = ([self.slow.get(unit.name, 1) if lays_out else 1],
                                                             done, lays_out)

    def write(self, key, unit, start):
        self._ask("write", key, unit, start, True)

    def hold(self, key, unit, start):
        self._ask("hold", key, unit, start, False)

    def place(self, key, unit, start):
        self._ask("place", key, unit, start, True, lays_out=False)

    def drop(self, key):
        self.log.append(f"drop {key}")
        self.running_then.append(set())

    def withdraw(self, key):
        """Every task here starts at once, and a task started is not taken back."""

    def done(self) -> list[Done]:
        assert self.running, f"waiting for nothing after {self.log}"
        finished = []
        for key, (turns, _, _) in list(self.running.items()):
            turns[0] -= 1
            if turns[0] <= 0:
                finished.append(self.running.pop(key)[1])
        return finished


def unit(kind: str, name: str, html: str = "<p>text</p>") -> Unit:
    return Unit(kind, name, name, html)


def test_the_final_sommaire_is_laid_out_once_the_cards_pages_are_known_not_after_the_last_unit():
    units = [unit("cover", "cover"), unit("sommaire", "sommaire", "<p>888 888</p>"), unit("card", "card-01"),
             unit("card", "card-02"), unit("back-page", "back-page", "<p>" + "x" * 5000 + "</p>")]
    renderer = SimpleNamespace(theme=SimpleNamespace(start_on={}), variant=SimpleNamespace(name="screen"))
    key = lambda unit, start: hashlib.sha256(f"{unit.name}{unit.html}{start}".encode()).hexdigest()   # noqa: E731
    filled = []

    def sommaire_with(pages):
        filled.append(dict(pages))
        return unit("sommaire", "sommaire", f"<p>{pages['card-01']} {pages['card-02']}</p>")

    writers = ScriptedWriters(slow={"back-page": 6})
    plan = Speculation(key, lambda path: "", renderer, None).plan(units, sommaire_with, unit("blank", "blank"),
                                                                 writers, None)
    assert [(slot.unit.name, slot.start) for slot in plan.slots] == [
        ("cover", 1), ("sommaire", 2), ("card-01", 4), ("card-02", 8), ("back-page", 14)]
    assert plan.slots[1].unit.html == "<p>4 8</p>"
    assert filled and all(pages == {"card-01": 4, "card-02": 8} for pages in filled)   # only the true pages
    sommaires = [index for index, entry in enumerate(writers.log) if "sommaire" in entry]
    assert [writers.log[index] for index in sommaires] == ["write sommaire@2"] * 2   # stand-in numbers, true ones
    # the back page (slow) is still being laid out when the sommaire with the cards' true pages is asked
    assert "back-page" in writers.running_then[sommaires[1]]


def test_the_final_sommaire_goes_to_the_first_free_worker_before_the_units_still_ahead(monkeypatch):
    """Once every card's first page is known, the sommaire with the true numbers is the first unit of the book
    not written: it is asked before the units after the cards (laid out last, it ended the build alone)."""
    for name, pages in {"card-03": 3, "card-04": 5, "card-05": 2, "promotions": 1}.items():
        monkeypatch.setitem(LENGTHS, name, pages)
    units = [unit("cover", "cover"), unit("sommaire", "sommaire", "<p>888 888</p>"),
             *(unit("card", f"card-0{i}", "<p>" + "x" * (100 * i) + "</p>") for i in range(1, 6)),
             unit("promotions", "promotions"), unit("back-page", "back-page")]
    renderer = SimpleNamespace(theme=SimpleNamespace(start_on={}), variant=SimpleNamespace(name="screen"))
    key = lambda unit, start: hashlib.sha256(f"{unit.name}{unit.html}{start}".encode()).hexdigest()   # noqa: E731

    def sommaire_with(pages):
        return unit("sommaire", "sommaire", "<p>" + " ".join(map(str, pages.values())) + "</p>")

    writers = ScriptedWriters(slow={"card-04": 3, "card-05": 3, "promotions": 4})
    plan = Speculation(key, lambda path: "", renderer, None).plan(units, sommaire_with, unit("blank", "blank"),
                                                                 writers, None)
    assert [slot.unit.name for slot in plan.slots][:2] == ["cover", "sommaire"]
    final = [index for index, entry in enumerate(writers.log) if entry == "write sommaire@2"][-1]
    after_cards = min(index for index, entry in enumerate(writers.log) if "promotions" in entry or "back-page" in entry)
    assert final < after_cards, writers.log
