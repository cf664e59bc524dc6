"""A projection that cannot fold an event stops just before it, says which event and why, on its
tracking row for every process to see; the others go on; once it can fold it again, it does."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient
from support import META, ok, register
from typer.testing import CliRunner

from api.cli import app as cli
from api.http import create_app
from api.system import Keel
from commands.messages import RenameCustomer
from projections.engine.health import ProjectionFailed
from projections.engine.projection import Fact
from projections.engine.sql import Cursor

POISONED = ("customers", "documents")


def poison(keel: Keel, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make two read models fail on any event that renames a customer to "Poison"."""
    for name in POISONED:
        projection = keel.engine.projections[name]
        fold = projection.apply

        def apply(cur: Cursor, facts: Sequence[Fact], fold: Any = fold) -> None:
            if any(getattr(f.event, "name", "") == "Poison" for f in facts):
                raise RuntimeError("cannot fold a poisoned name")
            fold(cur, facts)

        monkeypatch.setattr(projection, "apply", apply)


def test_every_failing_projection_is_recorded_with_its_event_and_the_others_go_on(
    keel: Keel, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = register(keel, "Acme")
    register(keel, "Globex")
    keel.engine.catch_up()
    with monkeypatch.context() as patch:
        poison(keel, patch)
        poisoned = keel.app.handle(RenameCustomer(meta=META, customer_id=first, name="Poison")).position
        register(keel, "Initech")  # after the poisoned event
        with pytest.raises(ProjectionFailed) as raised:
            keel.engine.catch_up()
        assert raised.value.failure is not None and raised.value.failure.position == poisoned

        statuses = {s.name: s for s in keel.engine.status()}
        for name in POISONED:
            failure = statuses[name].failure
            assert failure is not None, name
            assert statuses[name].position == poisoned - 1  # everything before the event is folded
            assert failure.position == poisoned
            assert str(first) in failure.event and "keel.customer.Renamed.v1" in failure.event
            assert "cannot fold a poisoned name" in failure.error
        assert all(s.lag == 0 and s.healthy for n, s in statuses.items() if n not in POISONED)

        shown = CliRunner().invoke(cli, ["projections", "status"], env=_env(keel))
        assert shown.exit_code == 1, shown.output
        assert f"customers: stopped at position {poisoned}" in shown.output

    keel.engine.catch_up()  # fixed: the next page folds it and clears the record
    assert all(s.healthy and s.lag == 0 for s in keel.engine.status())
    assert CliRunner().invoke(cli, ["projections", "status"], env=_env(keel)).exit_code == 0


def test_the_follower_keeps_the_others_current_and_the_api_shows_each_stopped_projection_logged_once(
    keel: Keel, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    first = register(keel, "Acme")
    poison(keel, monkeypatch)
    poisoned = keel.app.handle(RenameCustomer(meta=META, customer_id=first, name="Poison")).position
    keel.engine.start(poll_interval=0.05)
    try:
        with TestClient(create_app(keel=keel), raise_server_exceptions=False) as client:
            # It paused a whole second per poll while one was stopped: three writes read back would
            # take 3 s or more. A loaded machine took up to 0.9 s for one, rarely, never for three.
            started = time.perf_counter()
            for name in ("Globex", "Initech", "Umbrella"):
                written = ok(client.post("/v1/customers", json={"name": name}), 201)["position"]
                ok(client.get("/v1/reports/trial-balance", params={"min_position": written}))
            assert time.perf_counter() - started < 2.8, "the follower keeps the healthy read models current"
            stopped = client.get("/v1/customers", params={"min_position": written})
            assert stopped.status_code == 503 and f"stopped at the event at position {poisoned}" in stopped.text

            # The follower reaches each poisoned projection in turn, and brings every other one
            # (those after them in its round too) to the head.
            deadline = time.monotonic() + 10
            while True:
                shown = {s["name"]: s for s in ok(client.get("/v1/projections"))}
                stopped_all = not any(shown[n]["healthy"] for n in POISONED)
                others_current = all(s["healthy"] and s["lag"] == 0 for n, s in shown.items() if n not in POISONED)
                if (stopped_all and others_current) or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            for name in POISONED:
                assert shown[name]["healthy"] is False
                assert shown[name]["failed_position"] == poisoned and str(first) in shown[name]["failed_event"]
                assert "cannot fold a poisoned name" in shown[name]["error"] and shown[name]["failed_at"]
            assert all(s["healthy"] and s["lag"] == 0 for n, s in shown.items() if n not in POISONED)

            time.sleep(0.5)  # the follower tries the event again, several times
            again = {s["name"]: s for s in ok(client.get("/v1/projections"))}
            assert [again[n]["failed_at"] for n in POISONED] == [shown[n]["failed_at"] for n in POISONED]
    finally:
        keel.engine.stop()
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert sorted(r.getMessage().split()[1] for r in logged) == sorted(POISONED), "each failure is logged once"


def _env(keel: Keel) -> dict[str, str]:
    settings = keel.settings
    env = {"KEEL_DATA_DIR": str(settings.data_dir), "KEEL_DATABASE_URL": settings.database_url or ""}
    return {k: v for k, v in env.items() if v}


def test_the_worker_follows_the_log_with_the_others_when_one_is_stopped_at_start(
    keel: Keel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`keel projections run` reports the stopped read model in one line and follows the log with the
    others (it exited 1 before following); with --once it exits 1, as a batch job should."""
    from projections.engine.engine import ProjectionEngine
    from projections.finance.customers import CustomersProjection

    first = register(keel, "Acme")
    keel.app.handle(RenameCustomer(meta=META, customer_id=first, name="Poison"))
    fold = CustomersProjection.apply

    def apply(self: CustomersProjection, cur: Cursor, facts: Sequence[Fact]) -> None:
        if any(getattr(f.event, "name", "") == "Poison" for f in facts):
            raise RuntimeError("cannot fold a poisoned name")
        fold(self, cur, facts)

    followed: list[float] = []
    monkeypatch.setattr(CustomersProjection, "apply", apply)
    monkeypatch.setattr(ProjectionEngine, "run_forever", lambda self, poll, **_: followed.append(poll))
    done = CliRunner().invoke(cli, ["projections", "run"], env=_env(keel))
    assert done.exit_code == 0, done.output
    assert "projection customers failed" in done.output and "following the log with the others" in done.output
    assert followed, "it went on to follow the log"
    once = CliRunner().invoke(cli, ["projections", "run", "--once"], env=_env(keel))
    assert once.exit_code == 1 and "projection customers failed" in once.output
