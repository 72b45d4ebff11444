"""A limit in seconds around a piece of work -> BrochureError naming what took too long.

WeasyPrint lays out synchronously, in our own process, with no way to stop
it from outside. In the main thread of a process that has SIGALRM, a timer
interrupts the work at the limit: the handler raises an exception that does
not derive from Exception (WeasyPrint catches Exception here and there), and
the timer fires again every second until the work has stopped. The previous
handler and timer are put back afterwards, so nothing outlives the call.
Elsewhere (a worker thread, Windows) the work is not interrupted, but a unit
that ended up taking longer than the limit still fails.
"""
from __future__ import annotations

import signal
import threading
import time
from contextlib import contextmanager

from ..problems import BrochureError


class _Expired(BaseException):
    """Raised by the timer inside the work; turned into a BrochureError on the way out."""


def can_interrupt() -> bool:
    """Whether work in this thread can be interrupted when it runs over its limit."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float | None, what: str, advice: str):
    """Run the `with` body for at most `seconds` (None: no limit); past it, raise a BrochureError."""
    if not seconds:
        yield
        return
    message = f"{what} took more than {seconds:g} s: {advice}"
    began = time.monotonic()
    if not can_interrupt():
        yield
        if time.monotonic() - began > seconds:
            raise BrochureError(message)
        return
    running = [True]

    def expired(signum, frame):
        if running[0]:
            raise _Expired()

    previous = signal.signal(signal.SIGALRM, expired)
    outer_delay, outer_interval = signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    except _Expired:
        raise BrochureError(message) from None
    finally:
        running[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_delay:   # someone else's timer was running: give it back what is left of it
            left = max(outer_delay - (time.monotonic() - began), 0.001)
            signal.setitimer(signal.ITIMER_REAL, left, outer_interval)
