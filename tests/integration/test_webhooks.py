"""Signed webhooks against real HTTP receivers (http.server in threads), on SQLite and PostgreSQL:
each event once, signature verified; a receiver failing three times gets it on the fourth try;
timeouts, 500s and redirects are retried without holding up another subscriber; replay; disabling
after repeated failures; reruns, a second worker and rebuilds send nothing again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from webhook_support import Receiver, receiver

from api.settings import Settings
from api.system import Keel
from api.worker.scheduler import Worker
from commands import messages as m
from commands.adapters.clock import SetClock
from ledger.errors import InvalidTransition
from ledger.events import Meta
from ledger.webhooks import DELIVERED, WebhookDelivery, WebhookSubscription, delivery_id
from projections.automation.webhooks import deliveries, delivery, subscriptions

ADMIN = Meta("admin")
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
AS_OF = date(2026, 10, 15)


@pytest.fixture
def clock(keel: Keel) -> SetClock:
    clock = SetClock(datetime(2026, 10, 15, 9, 0))
    keel.app.log_clock = clock
    return clock


@pytest.fixture
def endpoint() -> Iterator[Receiver]:
    with receiver(SECRET) as found:
        yield found


def subscribe(keel: Keel, url: str, *events: str) -> UUID:
    return keel.app.handle(m.AddWebhook(meta=ADMIN, url=url, events=events, secret=SECRET)).id


def customer(keel: Keel, name: str) -> UUID:
    return keel.app.handle(m.RegisterCustomer(meta=ADMIN, on=date(2026, 10, 1), name=name)).id


def deliver(keel: Keel, owner: str | None = None) -> tuple[int, int]:
    (summary,) = Worker(keel, owner=owner).pass_once(AS_OF, ["webhooks"])
    return summary.done, summary.skipped


def test_each_matching_event_reaches_each_subscriber_once_signed_also_after_reruns_and_rebuilds(
    keel: Keel, clock: SetClock
) -> None:
    with receiver(SECRET) as customers, receiver(SECRET) as everything:
        sub = subscribe(keel, customers.url, "customer.*")
        subscribe(keel, everything.url, "*")
        acme = customer(keel, "Acme Oy")
        customer(keel, "Beta Ab")
        assert deliver(keel) == (4, 0)

        deliver(keel)
        for name in list(keel.engine.projections):
            keel.engine.rebuild(name)
        deliver(keel, owner="another worker")
        assert customers.calls == everything.calls == 2 and customers.bad_signatures == 0

        first = customers.received[0]
        assert first["headers"]["webhook-id"] == str(delivery_id(sub, first["payload"]["position"]))
        assert first["headers"]["webhook-timestamp"] == str(int(clock.now().timestamp()))
        assert first["payload"]["type"] == "customer.registered"
        assert first["payload"]["aggregate"] == {"type": "customer", "id": str(acme)}
        assert first["payload"]["data"]["name"] == "Acme Oy"
        assert len(set(customers.ids())) == 2 and everything.ids() == customers.ids()
        # Subscriptions and deliveries are never public events: no webhook announces another.
        assert all(not r["payload"]["type"].startswith("webhook") for r in everything.received)


def test_a_receiver_that_fails_three_times_gets_the_event_on_the_fourth_attempt(
    keel: Keel, clock: SetClock, endpoint: Receiver
) -> None:
    endpoint.answers = [500, 500, 500]
    sub = subscribe(keel, endpoint.url, "customer.registered")
    customer(keel, "Acme Oy")
    for _ in range(6):
        deliver(keel)
        clock.advance(timedelta(minutes=10))  # past every back-off so far (30 s, 1, 2 min)
    assert endpoint.calls == 4 and len(endpoint.received) == 1

    keel.engine.catch_up()
    (log,) = deliveries(keel.views, subscription=sub)
    assert (log.status, log.attempts, log.last_status_code) == ("delivered", 4, 200)
    detail = delivery(keel.views, log.id)
    assert detail is not None and [a.status_code for a in detail[1]] == [500, 500, 500, 200]
    assert subscriptions(keel.views)[0].failures == 0


def test_a_timeout_a_500_and_a_redirect_are_retried_and_never_hold_up_another_subscriber(
    keel: Keel, clock: SetClock
) -> None:
    keel.settings.webhook_timeout_seconds = 0.5
    with receiver(SECRET) as slow, receiver(SECRET) as broken, receiver(SECRET) as moved, receiver(SECRET) as good:
        slow.answers, broken.answers, moved.answers = ["slow"], [500], [302]
        for r in (slow, broken, moved, good):
            subscribe(keel, r.url, "customer.*")
        for n in range(3):
            customer(keel, f"Customer {n}")

        deliver(keel)  # one timeout per failing endpoint and pass, not one per event:
        assert len(good.received) == 3  # served in the same pass
        assert (slow.calls, broken.calls, moved.calls) == (1, 1, 1)  # their other events wait
        keel.engine.catch_up()
        failed = deliveries(keel.views, failed=True)
        assert sorted(d.last_status_code for d in failed) == [0, 302, 500]
        assert any("not followed" in d.last_error for d in failed)
        assert any("timed out" in d.last_error for d in failed)

        for _ in range(3):
            clock.advance(timedelta(minutes=5))
            deliver(keel)
        for r in (slow, broken, moved, good):
            assert sorted(r.ids()) == sorted(good.ids()) and len(r.ids()) == 3


def test_a_replay_is_one_more_attempt_recorded_and_sent_once(keel: Keel, clock: SetClock, endpoint: Receiver) -> None:
    sub = subscribe(keel, endpoint.url, "customer.*")
    customer(keel, "Acme Oy")
    deliver(keel)
    keel.engine.catch_up()
    (log,) = deliveries(keel.views)

    keel.app.handle(m.ReplayWebhookDelivery(meta=ADMIN, delivery_id=log.id, at=clock.now()))
    with pytest.raises(InvalidTransition):  # one replay waits at a time
        keel.app.handle(m.ReplayWebhookDelivery(meta=ADMIN, delivery_id=log.id, at=clock.now()))
    assert deliver(keel) == (1, 0)
    assert deliver(keel) == (0, 0)
    assert endpoint.ids() == [endpoint.ids()[0]] * 2  # the same event, the same webhook-id
    assert {r["headers"]["webhook-id"] for r in endpoint.received} == {str(log.id)}
    replayed = keel.app.get(WebhookDelivery, delivery_id(sub, log.event_position))
    assert (replayed.status, replayed.attempts) == (DELIVERED, 2)


def test_an_endpoint_failing_again_and_again_is_disabled_then_enabled_by_hand_gets_what_failed(
    keel: Keel, clock: SetClock, endpoint: Receiver
) -> None:
    keel.settings.webhook_disable_after = 3
    endpoint.answers = [503] * 3
    sub = subscribe(keel, endpoint.url, "customer.*")
    customer(keel, "Acme Oy")
    for _ in range(4):
        deliver(keel)
        clock.advance(timedelta(minutes=10))
    assert endpoint.calls == 3
    disabled = keel.app.get(WebhookSubscription, sub)
    assert not disabled.enabled
    keel.engine.catch_up()
    (listed,) = subscriptions(keel.views)
    assert listed.disabled_reason.startswith("automatically: 3 consecutive failed attempts")

    customer(keel, "Beta Ab")  # recorded while disabled: not owed to it
    deliver(keel)
    assert endpoint.calls == 3
    (failed,) = deliveries(keel.views, failed=True)
    with pytest.raises(InvalidTransition, match="is disabled; enable it first"):  # it would wait unseen
        keel.app.handle(m.ReplayWebhookDelivery(meta=ADMIN, delivery_id=failed.id, at=clock.now()))
    keel.app.handle(m.EnableWebhook(meta=ADMIN, subscription_id=sub))
    deliver(keel)
    assert endpoint.calls == 4 and [r["payload"]["data"]["name"] for r in endpoint.received] == ["Acme Oy"]


@pytest.mark.postgres
def test_two_workers_started_together_deliver_each_event_to_each_subscriber_once(
    postgres_url: str, tmp_path: Path
) -> None:
    settings = Settings(database_url=postgres_url, data_dir=tmp_path / "keel", auth="off", _env_file=None)  # type: ignore[call-arg]
    systems = [Keel.start(settings, follow=False) for _ in range(2)]
    try:
        with receiver(SECRET) as one, receiver(SECRET) as two:
            for r in (one, two):
                subscribe(systems[0], r.url, "customer.*")
            for n in range(100):
                customer(systems[0], f"Customer {n}")
            barrier = threading.Barrier(2)
            done: dict[str, int] = {}

            def work(keel: Keel, owner: str) -> None:
                barrier.wait()
                (summary,) = Worker(keel, owner=owner).pass_once(AS_OF, ["webhooks"])
                done[owner] = summary.done

            threads = [threading.Thread(target=work, args=(k, f"w{n}")) for n, k in enumerate(systems)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=300)
            assert sum(done.values()) == 200 and all(done.values()), done  # both took a share
            for r in (one, two):
                assert len(r.ids()) == len(set(r.ids())) == 100 and r.bad_signatures == 0
    finally:
        for k in systems:
            k.close()


KILLED = """
import sys
sys.path.insert(0, {tests!r})
from api.settings import Settings
from api.system import Keel
from api.worker.scheduler import Worker
settings = Settings(database_url={url!r}, _env_file=None, auth="off", worker_lease_seconds={lease})
Worker(Keel.start(settings, follow=False), owner="killed").pass_once(None, ["webhooks"])
"""


@pytest.mark.postgres
def test_a_worker_killed_while_posting_leaves_the_delivery_to_the_next_which_records_it_once(
    postgres_url: str, tmp_path: Path
) -> None:
    """The honest window (ADR 0045): the endpoint got the POST, the worker died before recording it;
    the next worker sends it again with the same webhook-id, and the log records one delivery."""
    lease = 6.0
    settings = Settings(database_url=postgres_url, data_dir=tmp_path / "keel", auth="off", _env_file=None)  # type: ignore[call-arg]
    with receiver(SECRET) as endpoint, Keel.start(settings, follow=False) as keel:
        sub = subscribe(keel, endpoint.url, "customer.*")
        customer(keel, "Acme Oy")
        endpoint.answers = ["slow"]  # holds the first POST for 2 s: the worker is killed meanwhile
        script = KILLED.format(tests=str(Path(__file__).parents[1]), url=postgres_url, lease=lease)
        process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)], cwd=tmp_path)
        try:
            deadline = time.monotonic() + 60
            while endpoint.calls == 0:
                assert process.poll() is None and time.monotonic() < deadline, "the worker ended before posting"
                time.sleep(0.02)
            os.kill(process.pid, signal.SIGKILL)
        finally:
            process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL

        time.sleep(lease + 0.5)  # the dead worker's lease runs out
        assert deliver(keel, owner="restarted") == (1, 0)
        assert deliver(keel) == (0, 0)
        ids = {r["headers"]["webhook-id"] for r in endpoint.received}
        assert endpoint.calls == 2 and ids == {str(delivery_id(sub, endpoint.received[0]["payload"]["position"]))}
        (delivered,) = [
            keel.app.get(WebhookDelivery, delivery_id(sub, r["payload"]["position"])) for r in endpoint.received[:1]
        ]
        assert (delivered.status, delivered.attempts, delivered.version) == (DELIVERED, 1, 1)
