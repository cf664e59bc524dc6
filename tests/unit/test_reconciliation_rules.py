"""Reconciliation's matching rules, without I/O: what is certain, what is suggested with which score,
and what nothing explains; and the bank's events read back from their stored v1 form."""

from __future__ import annotations

import time
from decimal import Decimal
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from commands.application import KeelApplication
from ledger.bank_lines import BankLine, BankStatement, MatchItem
from ledger.errors import InvalidValue
from ledger.reconciliation import (
    Candidates,
    LineFacts,
    OpenBill,
    OpenClaim,
    OpenInvoice,
    Rule,
    Tolerance,
    propose,
    reconcile,
)

OTHER = "00000000000000000000000000000002"
BASE = (
    '"timestamp":{"_type_":"datetime_iso","_data_":"2026-10-15T10:00:00+00:00"},'
    '"effective_date":{"_type_":"date_iso","_data_":"2026-10-02"},'
    '"actor":"alice","command_id":"c1","correlation_id":"c1"'
)


def decode(topic: str, version: int, body: str) -> object:
    """An event from its stored form, as the store hands it back."""
    state = ("{" + BASE + "," + body + "}").encode()
    stored = StoredEvent(UUID("00000000-0000-0000-0000-000000000001"), version, topic, state)
    return KeelApplication("memory://").mapper.to_domain_event(stored)


ATLAS = OpenInvoice("a", "INV-2026-0007", "atlas", "EUR", Decimal("5555.20"))
NORTHWIND = OpenInvoice("n", "INV-2026-0008", "northwind", "EUR", Decimal("5654.40"))
NORTHWIND_OLD = OpenInvoice("n1", "INV-2026-0001", "northwind", "EUR", Decimal("3241.60"))
FEES = Rule("bank fees", "maintenance fee", "6700", "out")


def line(amount: str, text: str, iban: str | None = None, charges: str | None = None, lid: str = "l") -> LineFacts:
    return LineFacts(lid, Decimal(amount), "EUR", text, iban, Decimal(charges) if charges else None)


def candidates(*invoices: OpenInvoice, payers: dict[str, str] | None = None) -> Candidates:
    return Candidates.of(invoices or (ATLAS, NORTHWIND, NORTHWIND_OLD), payers)


def test_an_invoice_number_and_its_exact_amount_are_certain() -> None:
    found = propose(line("5555.20", "INV-2026-0007 Signage rollout"), candidates(), [], Tolerance())
    assert found is not None and found.certain and found.score == 100
    assert [(i.kind, i.target, i.amount, i.fee) for i in found.items] == [("invoice", "a", Decimal("5555.20"), 0)]


def test_a_payment_short_by_a_fee_the_bank_reported_is_suggested_with_the_fee() -> None:
    found = propose(line("5639.40", "Invoice INV-2026-0008", charges="15.00"), candidates(), [], Tolerance())
    assert found is not None and not found.certain and found.score == 90
    assert (found.items[0].amount, found.items[0].fee) == (Decimal("5639.40"), Decimal("15.00"))


def test_a_fee_nobody_reported_scores_less_and_one_beyond_the_tolerance_is_a_partial_payment() -> None:
    found = propose(line("3234.10", "INV-2026-0001 remaining balance"), candidates(), [], Tolerance())
    assert found is not None and found.score == 80 and found.items[0].fee == Decimal("7.50")
    partial = propose(line("1000.00", "INV-2026-0001"), candidates(), [], Tolerance())
    assert partial is not None and partial.score == 50 and partial.items[0].fee == 0


def test_the_tolerance_is_an_amount_or_a_percentage_whichever_is_more() -> None:
    assert Tolerance(Decimal("25"), Decimal("1")).allows(Decimal("50"), Decimal("6000"))  # 1% is 60
    assert not Tolerance(Decimal("25"), Decimal("1")).allows(Decimal("30"), Decimal("1000"))  # 1% is 10
    assert not Tolerance().allows(Decimal("0"), Decimal("100"))
    with pytest.raises(InvalidValue):
        Tolerance(Decimal("-1"))


def test_one_transfer_for_several_invoices_of_one_customer_named_in_the_text_is_certain() -> None:
    text = "INV-2026-0008 and INV-2026-0001"
    found = propose(line("8896.00", text), candidates(), [], Tolerance())
    assert found is not None and found.certain and {i.target for i in found.items} == {"n", "n1"}


def test_a_rule_books_a_matching_line_to_its_account_in_its_direction_only() -> None:
    found = propose(line("-18.50", "Account maintenance fee October"), candidates(), [FEES], Tolerance())
    assert found is not None and found.certain and found.rule == "bank fees"
    assert [(i.kind, i.target, i.amount) for i in found.items] == [("account", "6700", Decimal("-18.50"))]
    assert propose(line("18.50", "maintenance fee refund"), candidates(), [FEES], Tolerance()) is None


def test_without_a_number_an_exact_amount_is_a_suggestion_stronger_from_a_known_payer() -> None:
    plain = propose(line("5555.20", "Payment"), candidates(), [], Tolerance())
    assert plain is not None and plain.score == 60
    known = propose(
        line("5555.20", "Payment", iban="DE62370400440532013001"),
        candidates(payers={"DE62370400440532013001": "atlas"}),
        [],
        Tolerance(),
    )
    assert known is not None and known.score == 75


def test_an_unknown_line_is_left_alone_and_an_invoice_is_never_paid_twice_in_one_run() -> None:
    lines = [line("5555.20", "INV-2026-0007", lid="1"), line("5555.20", "INV-2026-0007 again", lid="2")]
    lines.append(line("1250.00", "Payment 77812 order 4471", lid="3"))
    certain, suggested, nothing = reconcile(lines, candidates(), [], Tolerance())
    assert [p.line_id for p in certain] == ["1"]
    assert "2" not in [p.line_id for p in certain] and nothing[-1] == "3"
    assert all(p.line_id != "3" for p in suggested)


def test_ten_thousand_lines_against_ten_thousand_invoices_are_decided_by_lookups() -> None:
    invoices = [OpenInvoice(str(n), f"INV-2026-{n:05d}", f"c{n % 97}", "EUR", Decimal(n) + 1) for n in range(10_000)]
    lines = [line(str(Decimal(n) + 1), f"Payment INV-2026-{n:05d}", lid=str(n)) for n in range(10_000)]
    started = time.perf_counter()
    certain, _, _ = reconcile(lines, Candidates.of(invoices), [FEES], Tolerance())
    assert len(certain) == 10_000 and time.perf_counter() - started < 2.0


def test_bank_events_v1_read_from_their_stored_form() -> None:
    account = f'"bank_account_id":{{"_type_":"uuid_hex","_data_":"{OTHER}"}}'
    imported = decode(
        "keel.bank.BankStatementLineImported.v1",
        1,
        f'"originator_topic":"keel.BankLine",{account},'
        f'"statement_id":{{"_type_":"uuid_hex","_data_":"{OTHER}"}},"line_key":"k1",'
        '"amount":{"_type_":"decimal_str","_data_":"5555.20"},"currency":"EUR","description":"INV-2026-0007",'
        '"value_date":null,"reference":"R","counterparty_name":"Atlas","counterparty_iban":null,'
        '"bank_reference":"2026100200014471","charges":null',
    )
    assert isinstance(imported, BankLine.Imported) and imported.amount == Decimal("5555.20")
    matched = decode(
        "keel.bank.BankLineMatched.v1",
        2,
        '"items":[{"_type_":"keel_bank_match_item","_data_":{"kind":"invoice","target":"a","amount":"5639.40",'
        '"fee":"15.00","record_id":"p","label":"INV-2026-0008"}}],"rule":null,"score":90,"auto":false',
    )
    assert isinstance(matched, BankLine.Matched)
    assert matched.items == [MatchItem("invoice", "a", Decimal("5639.40"), Decimal("15.00"), "p", "INV-2026-0008")]
    unmatched = decode("keel.bank.BankLineUnmatched.v1", 3, '"reason":"wrong"')
    assert isinstance(unmatched, BankLine.Unmatched)
    statement = decode(
        "keel.bank.BankStatementImported.v1",
        1,
        f'"originator_topic":"keel.BankStatement",{account},"digest":"d","filename":"f.xml",'
        '"source_format":"camt.053.001.02","statement_ref":"S","from_date":null,"to_date":null,"currency":"EUR",'
        '"opening":null,"closing":null,"lines":7,"new_lines":7,"known_lines":0,'
        '"total":{"_type_":"decimal_str","_data_":"9334.90"},"difference":null,"continuity":null,'
        '"accepted_mismatch":false',
    )
    assert isinstance(statement, BankStatement.Imported) and statement.new_lines == 7
    assert UUID(OTHER) == statement.bank_account_id


# -- money out: supplier bills and expense claims (ADR 0037) ------------------------------------

RENT = OpenBill("b1", "HP-07/2026", "harbour", "EUR", Decimal("2000.00"))
LICENCES = OpenBill("b2", "CD-55102", "clouddesk", "EUR", Decimal("297.60"))
LUNCH = OpenClaim("c1", "R-2240", "maria", "EUR", Decimal("86.00"))


def owed(payees: dict[str, str] | None = None) -> Candidates:
    return Candidates.of([ATLAS], bills=[RENT, LICENCES], claims=[LUNCH], payees=payees)


def test_money_out_naming_a_bill_and_paying_it_exactly_is_certain() -> None:
    found = propose(line("-2000.00", "Miete HP-07/2026"), owed(), [], Tolerance())
    assert found is not None and found.certain
    assert [(i.kind, i.target, i.amount) for i in found.items] == [("bill", "b1", Decimal("-2000.00"))]


def test_a_bill_named_but_paid_short_is_a_suggested_partial_payment() -> None:
    found = propose(line("-500.00", "HP-07/2026 first half"), owed(), [], Tolerance())
    assert found is not None and (found.score, found.items[0].amount) == (50, Decimal("-500.00"))


def test_a_bill_of_exactly_the_amount_is_suggested_and_more_so_to_an_iban_paid_before() -> None:
    plain = propose(line("-297.60", "Lizenzen Q4"), owed(), [], Tolerance())
    assert plain is not None and (plain.score, plain.items[0].target) == (60, "b2")
    known = propose(line("-297.60", "Lizenzen", iban="FI21"), owed({"FI21": "clouddesk"}), [], Tolerance())
    assert known is not None and known.score == 75


def test_an_approved_claim_named_and_paid_exactly_is_certain_and_by_amount_alone_suggested() -> None:
    named = propose(line("-86.00", "Erstattung R-2240"), owed(), [], Tolerance())
    assert named is not None and named.certain and named.items[0].kind == "expense"
    unnamed = propose(line("-86.00", "Maria"), owed(), [], Tolerance())
    assert unnamed is not None and (unnamed.score, unnamed.items[0].target) == (55, "c1")
    assert propose(line("86.00", "R-2240"), owed(), [], Tolerance()) is None  # money in is no reimbursement


def test_a_bill_a_certain_match_pays_is_not_proposed_for_a_second_line() -> None:
    certain, suggested, _ = reconcile(
        [line("-2000.00", "HP-07/2026", lid="1"), line("-2000.00", "rent", lid="2")], owed(), [], Tolerance()
    )
    assert [p.line_id for p in certain] == ["1"] and suggested == []
