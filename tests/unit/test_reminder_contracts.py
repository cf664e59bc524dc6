"""The stored forms of the dunning policy's, the reminder settings' and the reminders' events
(ADR 0043): each reads as written, and folds into the state the worker decides by."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import pytest
from stored_forms import AGG, decode

from commands.application import KeelApplication
from ledger.dunning import DunningLevel, DunningPolicy
from ledger.reminders import Reminder, ReminderSettings

CUSTOMER = "00000000-0000-0000-0000-0000000000c1"


@pytest.fixture(scope="module")
def app() -> KeelApplication:
    return KeelApplication("memory://")


def test_dunning_policy_events_v1_read(app: KeelApplication) -> None:
    started = decode(app, "keel.dunning.Started.v1", 1, '"originator_topic":"keel.DunningPolicy"')
    levels = decode(
        app,
        "keel.dunning.LevelsSet.v1",
        2,
        '"levels":[{"number":1,"name":"Friendly","days_after_due":3,"template":"friendly"},'
        '{"number":2,"name":"Second","days_after_due":14,"template":"second","fee":"15.00","fee_currency":"EUR"}],'
        '"minimum_open":{"_type_":"decimal_str","_data_":"10.00"},"grace_days":7',
    )
    out = decode(
        app,
        "keel.dunning.CustomerOptedOut.v1",
        3,
        f'"customer_id":{{"_type_":"uuid_hex","_data_":"{UUID(CUSTOMER).hex}"}}',
    )
    policy = out.mutate(levels.mutate(started.mutate(None)))  # type: ignore[attr-defined]
    assert isinstance(policy, DunningPolicy)
    assert policy.levels == [
        DunningLevel(1, "Friendly", 3, "friendly"),
        DunningLevel(2, "Second", 14, "second", Decimal("15.00"), "EUR"),
    ]
    assert (policy.minimum_open, policy.grace_days, policy.opted_out) == (Decimal("10.00"), 7, [UUID(CUSTOMER)])
    back_in = decode(
        app,
        "keel.dunning.CustomerOptedIn.v1",
        4,
        f'"customer_id":{{"_type_":"uuid_hex","_data_":"{UUID(CUSTOMER).hex}"}}',
    )
    assert back_in.mutate(policy).opted_out == []  # type: ignore[attr-defined]


def test_reminder_settings_and_reminder_events_v1_read(app: KeelApplication) -> None:
    started = decode(app, "keel.reminders.Started.v1", 1, '"originator_topic":"keel.ReminderSettings"')
    address = decode(app, "keel.reminders.StaffAddressSet.v1", 2, '"person":"maria","email":"maria@lumen.example"')
    wait = decode(app, "keel.reminders.ApprovalWaitSet.v1", 3, '"days":5')
    settings = wait.mutate(address.mutate(started.mutate(None)))  # type: ignore[attr-defined]
    assert isinstance(settings, ReminderSettings)
    assert (settings.address_of("Maria"), settings.approval_days) == ("maria@lumen.example", 5)

    reminder = decode(
        app,
        "keel.reminder.Recorded.v1",
        1,
        '"originator_topic":"keel.Reminder","kind":"dunning","cause":"i#2","subject_id":"i","subject":"INV-2026-0005",'
        f'"party":"{CUSTOMER}","level":2,"level_name":"Second","recipient":"ap@acme.example",'
        '"open_amount":{"_type_":"decimal_str","_data_":"4060.00"},"currency":"EUR",'
        '"fee":{"_type_":"decimal_str","_data_":"15.00"},'
        f'"fee_invoice_id":{{"_type_":"uuid_hex","_data_":"{AGG.hex}"}},'
        f'"message_id":{{"_type_":"uuid_hex","_data_":"{AGG.hex}"}}',
    )
    assert isinstance(reminder, Reminder.Recorded) and reminder.fee == Decimal("15.00")
    assert reminder.mutate(None).level == 2  # type: ignore[union-attr]
