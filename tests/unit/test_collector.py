"""The cyclic collector is paused while a batch runs and on again after the last one (ADR 0050)."""

from __future__ import annotations

import gc
import threading

import pytest

from commands.collector import paused_collection


def test_a_batch_runs_without_the_collector_and_leaves_it_on() -> None:
    assert gc.isenabled()
    with paused_collection():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_nested_batches_switch_it_on_only_when_the_outer_one_ends() -> None:
    with paused_collection():
        with paused_collection():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_failing_batch_still_switches_it_back_on() -> None:
    with pytest.raises(ValueError, match="refused"), paused_collection():
        raise ValueError("refused")
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_process_stays_off() -> None:
    gc.disable()
    try:
        with paused_collection():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_batches_on_two_threads_leave_it_on_after_the_last_one() -> None:
    inside, release = threading.Barrier(2), threading.Event()

    def batch() -> None:
        with paused_collection():
            inside.wait()
            release.wait()

    first = threading.Thread(target=batch)
    first.start()
    with paused_collection():
        inside.wait()
        release.set()
        first.join()
        assert not gc.isenabled()  # the first thread's batch ended; this one still runs
    assert gc.isenabled()
