"""Rebuilding beside the serving read model: the serving one keeps answering and following the log,
a killed rebuild resumes, the diff shows what a new version changes, and the switch is atomic."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from support import register, table_dump

from api.demo import load_demo
from api.system import Keel
from ledger.customer import Customer
from projections.engine.projection import Fact
from projections.engine.shadow import ShadowRebuild
from projections.engine.sql import Cursor
from projections.finance.customers import CustomersProjection


def test_every_projection_rebuilt_beside_the_serving_one_is_identical_and_switches(keel: Keel) -> None:
    load_demo(keel.app)
    keel.engine.catch_up()
    for name, projection in keel.engine.projections.items():
        before = {t: table_dump(keel, t) for t in projection.tables}
        shadow = ShadowRebuild(keel.engine, name)
        assert shadow.start() is False
        shadow.catch_up()
        diff = shadow.diff()
        assert diff.same, (name, [(t.table, t.samples_serving, t.samples_rebuilt) for t in diff.tables if not t.same])
        assert all(t.rows_serving == t.rows_rebuilt for t in diff.tables)
        assert shadow.switch() == keel.app.head_position()
        assert {t: table_dump(keel, t) for t in projection.tables} == before
    assert {s.name for s in keel.engine.status()} == set(keel.engine.projections)
    assert all(s.lag == 0 for s in keel.engine.status())


def test_the_serving_model_answers_while_a_killed_rebuild_resumes_and_switches_at_the_head(keel: Keel) -> None:
    keel.engine.rebuild_page_size = 2
    for n in range(6):
        register(keel, f"Customer {n}")
    keel.engine.catch_up()
    shadow = ShadowRebuild(keel.engine, "customers")
    shadow.start()
    with keel.engine.db.transaction() as cur:
        shadow._page(cur)  # one page, then the process "dies"
    assert shadow.position() == 2

    register(keel, "Arrived meanwhile")  # the serving model follows the log as usual
    keel.engine.catch_up(["customers"])
    serving = table_dump(keel, "customers")
    assert len(serving) == 7

    resumed = ShadowRebuild(keel.engine, "customers")
    assert resumed.generation == shadow.generation and resumed.start() is True
    assert resumed.position() == 2
    register(keel, "Arrived during the switch")  # not yet seen by either generation
    assert resumed.switch() == keel.app.head_position()
    assert len(table_dump(keel, "customers")) == 8
    keel.engine.catch_up(["customers"])
    assert len(table_dump(keel, "customers")) == 8


class ShoutingCustomers(CustomersProjection):
    """A new version of the customers projection: names upper-cased."""

    schema_version = CustomersProjection.schema_version + 1

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        super().apply(cur, facts)
        for fact in facts:
            if isinstance(fact.event, Customer.Registered):
                cur.execute("UPDATE customers SET name = UPPER(name) WHERE id = %s", (str(fact.event.originator_id),))


def test_a_new_version_is_diffed_against_the_serving_one_before_the_switch(keel: Keel) -> None:
    register(keel, "Acme", on=date(2026, 1, 2))
    register(keel, "Globex", on=date(2026, 1, 3))
    keel.engine.catch_up()
    keel.engine.projections["customers"] = ShoutingCustomers()
    shadow = ShadowRebuild(keel.engine, "customers")
    shadow.start()
    shadow.catch_up()
    diff = shadow.diff()
    table, *others = diff.tables  # terms, facts and spans: the same
    assert table.table == "customers" and len(others) == 3 and all(t.same for t in others)
    assert not diff.same and diff.serving_version + 1 == diff.rebuilt_version
    assert table.rows_serving == table.rows_rebuilt == 2 and table.only_serving == table.only_rebuilt == 2
    assert {r[1] for r in table.samples_rebuilt} == {"ACME", "GLOBEX"}
    assert {r[1] for r in table_dump(keel, "customers")} == {"Acme", "Globex"}  # still serving the old one
    shadow.switch()
    assert {r[1] for r in table_dump(keel, "customers")} == {"ACME", "GLOBEX"}
    with keel.views.read() as cur:
        cur.execute("SELECT schema_version FROM keel_tracking WHERE projection = 'customers'")
        assert cur.fetchone() == (diff.rebuilt_version,)


def test_reading_only_the_topics_a_projection_folds_builds_the_same_tables_as_reading_every_event(
    keel: Keel,
) -> None:
    load_demo(keel.app)
    keel.engine.catch_up()  # each projection read only the topics it folds
    assert all(s.lag == 0 for s in keel.engine.status())
    keel.engine.filter_topics = False
    for name in keel.engine.projections:
        everything = ShadowRebuild(keel.engine, name)
        everything.start()
        everything.catch_up()
        diff = everything.diff()
        assert diff.same, (name, [(t.table, t.samples_serving, t.samples_rebuilt) for t in diff.tables if not t.same])
        everything.abandon()
