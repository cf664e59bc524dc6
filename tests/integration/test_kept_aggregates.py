"""Aggregates kept folded per process (ADR 0053) are as fresh as a load from the store, and a
command that changes one and then fails leaves nothing of its change behind."""

from __future__ import annotations

from datetime import date

from api.settings import Settings
from api.system import Keel
from commands import messages as m
from ledger.customer import Customer
from ledger.events import Meta

META = Meta(actor="clerk")
ON = date(2026, 3, 2)


def test_a_change_made_by_another_process_is_seen_by_the_next_load(keel_settings: Settings) -> None:
    with Keel.start(keel_settings, follow=False) as here, Keel.start(keel_settings, follow=False) as there:
        customer = here.app.handle(m.RegisterCustomer(meta=META, name="Alpha", on=ON)).id
        here.app.handle(m.RenameCustomer(meta=META, customer_id=customer, name="Alpha GmbH", on=ON))
        assert here.app.aggregates.holds(customer)

        there.app.handle(m.RenameCustomer(meta=META, customer_id=customer, name="Alpha AG", on=ON))
        with here.app.unit_of_work() as uow:
            seen = uow.load(Customer, customer)
        assert (seen.name, seen.version) == ("Alpha AG", 3)
        # and a command decided here on it is not refused for a stale version
        here.app.handle(m.RenameCustomer(meta=META, customer_id=customer, name="Alpha SE", on=ON, expected_version=3))
        assert here.app.get(Customer, customer).name == "Alpha SE"


def test_a_change_made_in_a_unit_of_work_that_never_commits_is_not_kept(keel_settings: Settings) -> None:
    with Keel.start(keel_settings, follow=False) as keel:
        customer = keel.app.handle(m.RegisterCustomer(meta=META, name="Beta", on=ON)).id
        with keel.app.unit_of_work() as uow:
            uow.load(Customer, customer).rename("Not saved", ON, META)  # then the command fails
        with keel.app.unit_of_work() as uow:
            loaded = uow.load(Customer, customer)
        assert (loaded.name, loaded.version, loaded.pending_events) == ("Beta", 1, [])
