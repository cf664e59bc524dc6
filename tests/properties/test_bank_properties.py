"""No event the bank's commands accept stops a projection (issue 18, ADR 0025 and 0034): bank accounts,
CSV mappings, rules, statements of hostile lines, matches and unmatches with hostile values are
either refused with nothing written or folded by every read model, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.system import Keel
from commands import messages as m
from ledger.bank import bank_account_id
from ledger.bank_lines import BankLine, line_id
from ledger.bank_statements import Statement, StatementLine
from ledger.errors import DomainError
from ledger.events import Meta
from ledger.money import Money

META = Meta(actor="property")
IBAN = "GR1601101250000000012300695"
START = date(2026, 10, 1)
texts = st.text(max_size=520) | st.sampled_from(["", " ", "INV-2026-0001", "x\x00y", "\u202e", "a\nb", "Ä" * 500])
amounts = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=2, allow_nan=False)
days = st.integers(-3, 40)


@st.composite
def lines(draw: st.DrawFn) -> StatementLine | None:
    try:
        return StatementLine(
            account=IBAN,
            booking_date=START + timedelta(draw(days)),
            amount=Money(draw(amounts), "EUR"),
            description=draw(texts),
            reference=draw(st.none() | texts),
            counterparty_name=draw(st.none() | texts),
            bank_reference=draw(st.none() | st.sampled_from(["R1", "R2", "R3"])),
            charges=draw(st.none() | st.sampled_from([Money.of("0.00", "EUR"), Money.of("15.00", "EUR")])),
        )
    except DomainError:
        return None


def statement(parts: list[StatementLine | None], opening: Decimal | None, closing: Decimal | None) -> m.StatementParts:
    def read() -> Iterator[StatementLine | Statement]:
        kept = [p for p in parts if p is not None]
        yield from kept
        yield Statement(
            account=IBAN,
            currency="EUR",
            opening_balance=Money(opening, "EUR") if opening is not None else None,
            closing_balance=Money(closing, "EUR") if closing is not None else None,
            from_date=START,
            to_date=START + timedelta(40),
            source_format="camt.053.001.02",
        )

    return read


def commands(keel: Keel) -> st.SearchStrategy[m.Command | Exact]:
    known_lines = st.sampled_from(["R1", "R2", "R3"]).map(lambda k: line_id(bank_account_id("Main"), _key(k)))
    item = st.builds(
        lambda kind, target, amount, fee: m.MatchInput(kind=kind, target=target, amount=amount, fee=fee),
        st.sampled_from(["invoice", "account", "bill"]),
        st.sampled_from(["6700", "1100", "4000", "nope", str(uuid4()), _invoice(keel)]),
        st.one_of(amounts.map(str), texts),
        st.sampled_from(["0", "15.00", "-1", "x"]),
    )
    return st.one_of(
        st.builds(
            lambda name, account, iban: m.OpenBankAccount(meta=META, name=name, account=account, iban=iban),
            texts,
            st.sampled_from(["1010", "1000", "1100", "6700", "X"]),
            st.none() | st.sampled_from([IBAN, "DE89370400440532013000", "GR00", "bad"]),
        ),
        st.builds(
            lambda name, settings: m.SaveCsvMapping(meta=META, name=name, settings=settings),
            texts,
            texts.map(lambda t: "{" + t),
        ),
        st.builds(
            lambda name, contains, account, direction: m.AddBankRule(
                meta=META, name=name, contains=contains, account=account, direction=direction
            ),
            texts | st.sampled_from(["fees", "Stripe"]),
            texts | st.sampled_from(["STRIPE FEE", "maintenance", "Gebühr\u00a0Konto"]),
            st.sampled_from(["6700", "1100", "4000", "Z"]),
            st.sampled_from(["in", "out", "any", "up"]),
        ),
        st.builds(
            lambda parts, opening, closing, accept, force, name: m.ImportBankStatement(
                meta=META,
                bank_account=name,
                read=statement(parts, opening, closing),
                digest=str(uuid4()),
                filename="p.xml",
                accept_mismatch=accept,
                force=force,
            ),
            st.lists(lines(), max_size=6),
            st.none() | amounts,
            st.none() | amounts,
            st.booleans(),
            st.booleans(),
            st.sampled_from(["Main", "main ", "Other"]),
        ),
        st.builds(
            lambda line, items, on: m.MatchBankLine(meta=META, line_id=line, items=tuple(items), on=on),
            known_lines | st.just(uuid4()),
            st.lists(item, max_size=3),
            st.none() | days.map(lambda d: START + timedelta(d)),
        ),
        st.builds(lambda line, reason: m.UnmatchBankLine(meta=META, line_id=line, reason=reason), known_lines, texts),
        st.builds(
            Exact,
            known_lines,
            st.sampled_from(["invoice", "account"]),
            st.sampled_from(["6700", "4000"]),
            st.booleans(),
        ),
    )


class Exact:
    """A match whose items explain the line's amount exactly (resolved against the line when run):
    the matches a person or auto-reconciliation would actually make."""

    def __init__(self, line: UUID, kind: str, account: str, split: bool) -> None:
        self.line, self.kind, self.account, self.split = line, kind, account, split

    def command(self, keel: Keel) -> m.Command | None:
        try:
            line = keel.app.get(BankLine, self.line)
        except DomainError:
            return None
        amount = line.amount.amount
        target = _invoice(keel) if self.kind == "invoice" else self.account
        if self.split:
            half = (amount / 2).quantize(Decimal("0.01"))
            items = (
                m.MatchInput(kind=self.kind, target=target, amount=str(half)),
                m.MatchInput(kind="account", target=self.account, amount=str(amount - half)),
            )
        else:
            items = (m.MatchInput(kind=self.kind, target=target, amount=str(amount)),)
        return m.MatchBankLine(meta=META, line_id=self.line, items=items)


def _key(reference: str) -> str:
    from ledger.bank_statements import _digest

    return _digest("bank", IBAN, reference)


_INVOICES: dict[int, str] = {}


def _invoice(keel: Keel) -> str:
    """An open invoice to match lines to (made once per store)."""
    if id(keel) not in _INVOICES:
        customer = keel.app.handle(m.RegisterCustomer(meta=META, name="Payer", on=date(2026, 9, 1))).id
        line = (m.LineInput(description="Work", quantity="1", unit_price="100.00"),)
        invoice = keel.app.handle(m.DraftInvoice(meta=META, customer_id=customer, lines=line, on=date(2026, 9, 2))).id
        keel.app.handle(m.IssueInvoice(meta=META, invoice_id=invoice, on=date(2026, 9, 2)))
        keel.app.handle(m.AddAccount(meta=META, code="1010", name="Bank GR", type="asset", subtype="bank"))
        keel.app.handle(m.OpenBankAccount(meta=META, name="Main", account="1010", iban=IBAN, on=date(2026, 9, 1)))
        _INVOICES[id(keel)] = str(invoice)
    return _INVOICES[id(keel)]


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_bank_commands_with_hostile_values_are_refused_or_folded_by_every_read_model(
    keel: Keel, data: st.DataObject
) -> None:
    for drawn in data.draw(st.lists(commands(keel), min_size=1, max_size=8)):
        command = drawn.command(keel) if isinstance(drawn, Exact) else drawn
        if command is None:
            continue
        head = keel.app.head_position()
        try:
            keel.app.handle(command)
        except DomainError:
            assert keel.app.head_position() == head, f"refused {type(command).__name__} but wrote events"
    keel.engine.catch_up()  # raises ProjectionFailed if any read model stopped on an event
    with keel.views.read() as cur:
        cur.execute("SELECT COUNT(*) FROM bank_lines")
        assert cur.fetchone() is not None
    assert UUID(_INVOICES[id(keel)])
