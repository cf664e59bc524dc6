"""What a webhook subscription is owed is a fold of the log: for any history of subscriptions,
disables, enables and events, the read model owes exactly the events recorded while each
subscription was enabled whose public type its patterns match — and a rebuild owes the same."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from api.settings import Settings
from api.system import Keel
from commands import messages as m
from ledger.events import Meta

META = Meta("prop")
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
PATTERNS = [("*",), ("customer.*",), ("customer.renamed",), ("invoice.*", "customer.registered")]
ON = date(2026, 10, 1)

steps = st.lists(
    st.one_of(
        st.tuples(st.just("subscribe"), st.integers(0, len(PATTERNS) - 1)),
        st.tuples(st.just("disable"), st.integers(0, 1)),
        st.tuples(st.just("enable"), st.integers(0, 1)),
        st.tuples(st.just("register"), st.integers(0, 0)),
        st.tuples(st.just("rename"), st.integers(0, 1)),
    ),
    min_size=1,
    max_size=25,
)


@contextmanager
def fresh_keel() -> Iterator[Keel]:
    with tempfile.TemporaryDirectory() as tmp:
        keel = Keel.start(Settings(data_dir=Path(tmp), database_url=None, _env_file=None), follow=False)  # type: ignore[call-arg]
        try:
            yield keel
        finally:
            keel.close()


def owed_rows(keel: Keel) -> list[tuple[Any, ...]]:
    with keel.views.read() as cur:
        cur.execute("SELECT * FROM webhook_deliveries ORDER BY event_position, subscription_id")
        return [tuple(r) for r in cur.fetchall()]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=steps)
@example(history=[("subscribe", 0), ("register", 0), ("disable", 0), ("register", 0), ("enable", 0), ("rename", 0)])
def test_a_subscription_is_owed_exactly_the_matching_events_recorded_while_it_was_enabled(
    history: list[tuple[str, int]],
) -> None:
    with fresh_keel() as keel:
        subs: list[tuple[UUID, tuple[str, ...]]] = []
        enabled: dict[UUID, bool] = {}
        customers: list[UUID] = []
        expected: set[tuple[str, int]] = set()
        for kind, n in history:
            if kind == "subscribe":
                url = f"https://hooks.example/{len(subs)}"
                sub = keel.app.handle(m.AddWebhook(meta=META, url=url, events=PATTERNS[n], secret=SECRET)).id
                subs.append((sub, PATTERNS[n]))
                enabled[sub] = True
            elif kind in ("disable", "enable") and n < len(subs):
                sub = subs[n][0]
                if enabled[sub] != (kind == "enable"):
                    command = m.DisableWebhook if kind == "disable" else m.EnableWebhook
                    keel.app.handle(command(meta=META, subscription_id=sub))
                    enabled[sub] = kind == "enable"
            elif kind == "register" or (kind == "rename" and n < len(customers)):
                if kind == "register":
                    result = keel.app.handle(m.RegisterCustomer(meta=META, on=ON, name=f"C{len(customers)}"))
                    customers.append(result.id)
                    event_type = "customer.registered"
                else:
                    result = keel.app.handle(
                        m.RenameCustomer(
                            meta=META, on=ON, customer_id=customers[n], name=f"R{keel.app.head_position()}"
                        )
                    )
                    event_type = "customer.renamed"
                for sub, patterns in subs:
                    if enabled[sub] and any(fnmatchcase(event_type, p) for p in patterns):
                        expected.add((str(sub), result.position))
        keel.engine.catch_up()
        rows = owed_rows(keel)
        assert {(str(r[1]), int(r[2])) for r in rows} == expected
        keel.engine.rebuild("webhooks")
        assert owed_rows(keel) == rows
