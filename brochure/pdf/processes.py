"""Worker processes -> futures: a process forked from this one, or cloned from a running worker, and its tasks.

A `Process` is one worker and the tasks sent to it, one at a time and in
order, over a pipe (a socket pair): a task not yet sent can be cancelled, and
a worker that stops (killed, out of memory) fails its tasks with
`BrokenProcessPool`, as a process pool would. `fork(initializer)` forks one
from this process; `Process.clone()` asks a running worker to fork itself:
the copy has imported what the worker imported (WeasyPrint, for the layout
workers) and holds what it held (its renderer, its stylesheets parsed), so it
is ready at once where a process forked from here would import and parse
everything again (0.6 s of work per worker on the sample). A task is a name
and its arguments, run by the `run` function given to `fork` in the worker; a
copy runs `run("cloned")` before its first task.

The worker's side is `_serve`: it reads a task, runs it, sends back the result
or the exception, until its pipe closes. A clone is the worker's own child:
it stops when its pipe closes, like every worker, and the worker reaps it (as
it stops, and before the worker itself stops), so that no zombie is left and
its CPU time is counted. Stop the clones before the worker they came from.
"""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections import deque
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import reduction
from multiprocessing.connection import Connection, Pipe
from typing import Callable

_STOP = object()


class Process:
    """One worker process, seen from this one: `submit` a task (a name, its arguments), get a Future."""

    def __init__(self, connection: Connection, child: int | None = None, description: str = "a worker"):
        self._connection = connection
        self._child = child                 # its process id, when this process forked it (and reaps it)
        self._pid = child                   # its process id, once known (a clone's, from its worker's answer)
        self._description = description
        self._busy = False                  # a task sent, its answer not yet back
        self._queue: deque = deque()
        self._ready = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._send_and_wait, daemon=True, name=f"brochure {description}")
        self._thread.start()

    def submit(self, name: str, *args) -> Future:
        return self._put(Future(), name, args, None)

    def clone(self) -> Process:
        """A copy of this worker, forked by it once the tasks sent before are done, as it is then."""
        mine, theirs = Pipe()
        done = self._put(Future(), "clone", (), theirs.fileno())
        done.add_done_callback(lambda _: theirs.close())     # passed to the worker (or never: then it fails)
        copy = Process(mine, description=f"a copy of {self._description}")
        done.add_done_callback(lambda made: setattr(copy, "_pid", made.result()) if not made.exception() else None)
        return copy

    @property
    def busy(self) -> bool:
        """Whether a task is running in the worker now (sent, not answered)."""
        return self._busy

    def shutdown(self, cancel_futures: bool = True) -> None:
        """Tasks not yet sent are cancelled (with `cancel_futures`); the one running ends, then the worker stops."""
        with self._ready:
            if self._stopped:
                return
            self._stopped = True
            if cancel_futures:
                for future, *_ in self._queue:
                    future.cancel()
            self._queue.append(_STOP)
            self._ready.notify()
        self._thread.join()
        if self._child is not None:
            _reap(self._child)
            self._child = None

    def kill(self) -> None:
        """Stop the worker now, whatever it is doing: its tasks fail. (A clone is reaped by its worker.)"""
        if self._pid is not None:
            try:
                os.kill(self._pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.shutdown(cancel_futures=True)

    def _put(self, future: Future, name: str, args: tuple, handle: int | None) -> Future:
        with self._ready:
            if self._stopped:
                future.set_exception(BrokenProcessPool(f"{self._description} was stopped"))
                return future
            self._queue.append((future, name, args, handle))
            self._ready.notify()
        return future

    def _send_and_wait(self) -> None:
        """This process's thread for the worker: each task sent, its answer awaited, its future set."""
        broken = None
        while True:
            with self._ready:
                while not self._queue:
                    self._ready.wait()
                item = self._queue.popleft()
            if item is _STOP:
                break
            future, name, args, handle = item
            if not future.set_running_or_notify_cancel():
                continue
            if broken is not None:
                future.set_exception(BrokenProcessPool(broken))
                continue
            try:
                self._busy = True
                self._connection.send((name, args))
                if handle is not None:
                    reduction.send_handle(self._connection, handle, 0)
                ok, value = self._connection.recv()
            except (EOFError, OSError) as error:
                broken = f"{self._description} stopped ({error or type(error).__name__})"
                future.set_exception(BrokenProcessPool(broken))
                continue
            except BaseException as error:    # noqa: BLE001 - a task that cannot be pickled, an answer unreadable
                future.set_exception(error)   # here: that task fails, whole; the pipe is still in step
                continue
            finally:
                self._busy = False
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        self._connection.close()


def _reap(pid: int, seconds: float = 5) -> None:
    """Wait for a child whose pipe is closed to stop (killed after `seconds`), so that it leaves no zombie."""
    deadline = time.monotonic() + seconds
    try:
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return
            time.sleep(0.005)
    except ChildProcessError:
        pass


def fork(initializer: Callable[[], object], run: Callable[..., object], description: str = "a worker") -> Process:
    """A worker forked from this process: `initializer()` first (its imports), then it runs `run(name, *args)`
    for each task until its pipe closes.

    Forked with `os.fork`, not multiprocessing's Process, whose exit pipe a clone would inherit and hold open
    (its parent would then wait for the clone to know the worker had stopped)."""
    mine, theirs = Pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        try:
            mine.close()          # this process's copy of the other end: the pipe closes when the parent's does
            _worker(theirs, initializer, run)
        finally:
            os._exit(0)
    theirs.close()
    return Process(mine, pid, description)


def _worker(connection: Connection, initializer, run) -> None:
    try:
        initializer()
    except BaseException as error:   # noqa: BLE001 - every task fails with it, whole (no traceback on stderr)
        failure = error
        run = lambda name, *args: _raise(failure)   # noqa: E731
    _serve(connection, run)
    for pid in list(_clones):        # its copies stop when their pipes close: waited for, their time counted
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass


def _raise(error: BaseException):
    raise error


def _serve(connection: Connection, run) -> None:
    """The worker's loop: a task read, run, its result (or its exception) sent back, until the pipe closes."""
    while True:
        try:
            name, args = connection.recv()
        except (EOFError, OSError):
            return
        if name == "clone":
            handle = reduction.recv_handle(connection)
            answer = (True, _clone(connection, handle, run))
        else:
            try:
                answer = (True, run(name, *args))
            except BaseException as error:      # noqa: BLE001 - sent back whole, raised by the caller's future
                answer = (False, error)
        try:
            connection.send(answer)
        except Exception as error:              # noqa: BLE001 - a result or an error that cannot be pickled
            connection.send((False, RuntimeError(f"{name}: its result could not be sent back: {error}")))


_clones: list[int] = []           # in a worker: the copies it forked and has not reaped yet


def _clone(connection: Connection, handle: int, run) -> int:
    """Fork this worker; the copy serves the pipe `handle`. Its process id, in the worker."""
    signal.signal(signal.SIGCHLD, _reap_clones)
    pid = os.fork()
    if pid == 0:
        try:
            connection.close()                            # the worker's own pipe is not the copy's
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            _clones.clear()
            run("cloned")                                 # for the copy to let go of what is the worker's alone
            _serve(Connection(handle), run)
        finally:
            os._exit(0)
    _clones.append(pid)
    os.close(handle)
    return pid


def _reap_clones(*_) -> None:
    """A worker's copies reaped as they stop (waited for: their CPU time counts in the worker's children's)."""
    for pid in list(_clones):
        try:
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                _clones.remove(pid)
        except ChildProcessError:
            _clones.remove(pid)
