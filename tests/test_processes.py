"""Worker processes (pdf/processes.py): forked or cloned, tasks in order, cancelled, failing whole when one stops."""
from __future__ import annotations

import os
import signal
import time
from concurrent.futures import CancelledError
from concurrent.futures.process import BrokenProcessPool

import pytest

from brochure.pdf.processes import fork

_state: dict = {}


def _setup() -> None:
    _state["set up in"] = os.getpid()


def _run(name: str, *args):
    if name == "remember":
        _state["remembered"] = args[0]
        return None
    if name == "recall":
        return os.getpid(), _state.get("remembered"), _state["set up in"], _state.get("cloned")
    if name == "cloned":
        _state["cloned"] = True
        return None
    if name == "sleep":
        time.sleep(args[0])
        return args[0]
    if name == "fail":
        raise ValueError(args[0])
    raise AssertionError(name)


def _gone(pid: int) -> bool:
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_a_clone_has_what_its_worker_had_when_it_was_cloned_and_runs_apart():
    worker = fork(_setup, _run)
    try:
        worker.submit("remember", "before")
        clone = worker.clone()
        worker.submit("remember", "after")          # sent after the clone: the copy does not see it
        try:
            pid, remembered, set_up_in, cloned = clone.submit("recall").result(10)
            worker_pid, worker_remembered, _, worker_cloned = worker.submit("recall").result(10)
            assert remembered == "before" and cloned is True
            assert worker_remembered == "after" and worker_cloned is None
            assert pid != worker_pid and set_up_in == worker_pid   # set up once, in the worker
        finally:
            clone.shutdown()
        assert _gone(pid)                            # its pipe closed: it stopped, and its worker reaped it
    finally:
        worker.shutdown()


def test_an_exception_comes_back_whole_and_the_worker_goes_on():
    worker = fork(_setup, _run)
    try:
        with pytest.raises(ValueError, match="broken card"):
            worker.submit("fail", "broken card").result(10)
        assert worker.submit("sleep", 0).result(10) == 0
    finally:
        worker.shutdown()


def test_a_task_not_yet_sent_can_be_cancelled():
    worker = fork(_setup, _run)
    try:
        running = worker.submit("sleep", 0.5)
        waiting = worker.submit("remember", "never")
        assert waiting.cancel()
        assert running.result(10) == 0.5
        assert worker.submit("recall").result(10)[1] is None
    finally:
        worker.shutdown()


def test_a_worker_that_stops_fails_its_tasks_and_its_clones_requests():
    worker = fork(_setup, _run)
    pid = worker.submit("recall").result(10)[0]
    running = worker.submit("sleep", 30)
    time.sleep(0.3)
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(BrokenProcessPool):
        running.result(10)
    with pytest.raises(BrokenProcessPool):
        worker.submit("recall").result(10)
    clone = worker.clone()
    with pytest.raises(BrokenProcessPool):
        clone.submit("recall").result(10)
    clone.shutdown()
    worker.shutdown()


def test_a_worker_whose_set_up_fails_says_why_with_every_task():
    def broken_setup():
        raise ImportError("no WeasyPrint here")

    worker = fork(broken_setup, _run)
    try:
        for _ in range(2):
            with pytest.raises(ImportError, match="no WeasyPrint here"):
                worker.submit("recall").result(10)
    finally:
        worker.shutdown()


def test_a_worker_and_its_clone_stop_at_once_when_their_pipes_close_clone_first():
    worker = fork(_setup, _run)
    clone = worker.clone()
    clone_pid = clone.submit("recall").result(10)[0]
    worker_pid = worker.submit("recall").result(10)[0]
    began = time.monotonic()
    clone.shutdown()
    worker.shutdown()                 # the clone holds nothing of the worker's pipe, nor of its exit
    assert time.monotonic() - began < 2
    assert _gone(clone_pid) and _gone(worker_pid)


def test_a_task_that_cannot_be_sent_fails_alone_and_a_stopped_worker_refuses_tasks():
    import threading

    worker = fork(_setup, _run)
    try:
        with pytest.raises(TypeError):                      # a lock cannot be pickled
            worker.submit("remember", threading.Lock()).result(10)
        assert worker.submit("sleep", 0).result(10) == 0    # the pipe is still in step
    finally:
        worker.shutdown()
    with pytest.raises(BrokenProcessPool):
        worker.submit("recall").result(10)                  # refused at once, not left waiting


def _slow_setup() -> None:
    time.sleep(30)          # a worker still importing WeasyPrint, seen from a build that needs it no more


def test_a_worker_killed_while_it_sets_up_stops_at_once_and_leaves_no_process():
    worker = fork(_slow_setup, _run)
    pending = worker.submit("recall")
    pid = worker._child
    began = time.monotonic()
    worker.kill()
    assert time.monotonic() - began < 5                     # not the 30 s of its set-up
    with pytest.raises((BrokenProcessPool, CancelledError)):   # its task fails (sent or not yet)
        pending.result(10)
    with pytest.raises(ChildProcessError):                  # reaped: no zombie left
        os.waitpid(pid, os.WNOHANG)


def test_a_busy_clone_is_killed_at_once_and_its_worker_goes_on():
    worker = fork(_setup, _run)
    try:
        clone = worker.clone()
        running = clone.submit("sleep", 30)
        for _ in range(200):
            if clone.busy:
                break
            time.sleep(0.01)
        assert clone.busy and not worker.busy
        clone_pid = clone._pid                                     # told by its worker when it forked it
        began = time.monotonic()
        clone.kill()
        assert time.monotonic() - began < 5 and _gone(clone_pid)
        with pytest.raises(BrokenProcessPool):
            running.result(10)
        assert worker.submit("sleep", 0).result(10) == 0          # the worker it was copied from goes on
    finally:
        worker.shutdown()
