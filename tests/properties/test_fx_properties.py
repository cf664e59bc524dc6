"""Exchange rates, revaluation and supplier credit notes under hostile input (SQLite and PostgreSQL):
every command is refused with a 4xx problem and nothing written, or accepted and folded by every
read model; and every entry accepted balances per currency and in value, so the trial balance is
zero in the functional currency."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from properties.test_hostile_commands import Story, amounts, books_healthy, http, texts

from api.system import Keel
from ledger.chart_templates import DEFAULT_ROLES
from ledger.errors import InvalidValue
from ledger.fx_revaluation import Exposure, revaluation_lines
from ledger.journal import reverse
from ledger.money import Money

__all__ = ["http"]  # the fixture, shared with the hostile-commands story

CURRENCIES = ["USD", "GBP", "JPY", "KWD", "EUR", "usd", "XXX", "US", "USDD", "", "\u0000SD"]
RATES = ["0.9", "0.95", "1", "0", "-1", "1e3", "0.0000000000001", "999999999", "1000000000", "1,2", "NaN", "\u0661"]
DATES = ["2026-09-01", "2026-09-30", "2026-02-30", "1899-12-31", "3000-01-01", "30/09/2026", "", "2026-9-1"]
FILES = [
    b"",
    b"date,currency,rate\n",
    b"date,currency,rate\n2026-09-01,USD,0.9\n",
    b"\xff\xfe\x00",
    b'date,currency,rate\n"2026-09-01,USD,0.9\n',
    b"date;currency;rate\n2026-09-01;USD;0,9\n",
    b"date,currency,rate\n2026-09-01,USD,0.9\n2026-09-01,USD,0.9\n",
    b"rate,date,currency,extra\n0.9,2026-09-01,USD,x\n",
]


Draw = Callable[[st.SearchStrategy[Any]], Any]


class FxStory(Story):
    """The story of a quarter-end in USD; ``draw`` None tells it with the plain values only."""

    def __init__(self, client: TestClient, keel: Keel, draw: Draw | None) -> None:
        super().__init__(client, keel, lambda like="Plain text": self.choose(like, texts), lambda: "")
        self.draw = draw

    def choose(self, plain: Any, hostile: st.SearchStrategy[Any]) -> Any:
        return plain if self.draw is None else self.draw(st.one_of(st.just(plain), hostile))

    def of(self, plain: str, hostile: list[str]) -> str:
        return str(self.choose(plain, st.one_of(st.sampled_from(hostile), texts)))

    def money(self, plain: str) -> str:
        return str(self.choose(plain, amounts))

    def upload(self, data: bytes) -> None:
        head = self.keel.app.head_position()
        response = self.client.post("/v1/fx/rates/imports/file", files={"file": ("rates.csv", data, "text/csv")})
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            assert self.keel.app.head_position() == head, response.text

    def tell(self) -> None:
        t = self.text
        for on, plain in (("2026-09-01", "0.90"), ("2026-09-30", "0.95")):
            body = {"currency": self.of("USD", CURRENCIES), "rate": self.of(plain, RATES), "date": self.of(on, DATES)}
            self.post("/v1/fx/rates", body)
        row = {
            "date": self.of("2026-09-15", DATES),
            "currency": self.of("GBP", CURRENCIES),
            "rate": self.of("1.1", RATES),
        }
        self.post("/v1/fx/rates/imports", {"rows": [row, row] if self.choose(False, st.booleans()) else [row]})
        self.upload(self.choose(FILES[2], st.one_of(st.sampled_from(FILES), st.binary(max_size=200))))
        customer = self.post("/v1/customers", {"name": t(), "currency": "USD", "on": "2026-01-02"})
        line = {"description": t(), "quantity": "1", "unit_price": self.money("1000.00")}
        invoice = self.post("/v1/invoices", {"customer_id": customer, "on": "2026-09-10", "lines": [line]}, (customer,))
        self.post(f"/v1/invoices/{invoice}/issue", {"on": "2026-09-10"}, (invoice,))
        supplier = self.post("/v1/suppliers", {"name": t(), "currency": "USD", "on": "2026-01-02"})
        bill_line = {"description": t(), "account": "6100", "amount": self.money("400.00"), "tax_rate": "24"}
        bill = {"supplier_id": supplier, "supplier_reference": t(), "on": "2026-09-12", "lines": [bill_line]}
        first = self.post("/v1/bills", bill, (supplier,))
        pay = {"supplier_id": supplier, "on": "2026-09-13", "allocations": [{"bill_id": first, "amount": "496.00"}]}
        self.post("/v1/supplier-payments", pay, (supplier, first))
        credit_line = {"description": t(), "account": "6100", "amount": self.money("100.00"), "tax_rate": "24"}
        credit = {"reference": t(), "on": self.of("2026-09-14", DATES), "reason": t()}
        if self.choose(True, st.booleans()):
            credit["lines"] = [credit_line]  # type: ignore[assignment]
        note = self.post(f"/v1/bills/{first}/credit-notes", credit, (first,))
        second = self.post("/v1/bills", {**bill, "supplier_reference": "B-2", "on": "2026-09-20"}, (supplier,))
        body = {"bill_id": second, "amount": self.money("50.00"), "on": "2026-09-21"}
        self.post(f"/v1/supplier-credit-notes/{note}/applications", body, (note, second))
        refund = {"amount": self.money("10.00"), "reference": t(), "on": "2026-09-25"}
        self.post(f"/v1/supplier-credit-notes/{note}/refunds", refund, (note,))
        self.post("/v1/fx/revaluations", {"as_of": self.of("2026-09-30", DATES)})
        self.post("/v1/fx/revaluations", {"as_of": "2026-09-30"})


def every_entry_balances(keel: Keel) -> None:
    """Per currency and in value, every journal recorded; so the trial balance is zero in value."""
    total = Decimal(0)
    after = 0
    while page := keel.app.read_log(after, 500):
        for position, event in page:
            after = position
            journal = getattr(event, "journal", None) or []
            per_currency: dict[str, Decimal] = defaultdict(Decimal)
            for line in journal:
                per_currency[line.currency] += line.amount
            assert all(v == 0 for v in per_currency.values()), (position, type(event).__name__, per_currency)
            value = sum((line.value for line in journal), Decimal(0))
            assert value == 0, (position, type(event).__name__, value)
            total += value
    assert total == 0


def test_the_fx_story_told_plainly_is_accepted_whole(http: TestClient, keel: Keel) -> None:
    story = FxStory(http, keel, None)
    story.tell()
    assert story.accepted == 14  # all but the second revaluation of the same date
    books_healthy(keel)
    every_entry_balances(keel)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_hostile_fx_and_credit_note_commands_are_refused_or_folded(
    http: TestClient, keel: Keel, data: st.DataObject
) -> None:
    story = FxStory(http, keel, data.draw)
    story.tell()
    books_healthy(keel)
    every_entry_balances(keel)


exposure = st.builds(
    Exposure,
    account=st.sampled_from(["1100", "2000", "1000", "2200"]),
    role=st.sampled_from(["receivable", "payable", "bank", "customer_credit"]),
    currency=st.sampled_from(["USD", "JPY", "KWD"]),
    amount=st.integers(-(10**9), 10**9).map(lambda n: Decimal(n).scaleb(-2)),
    value=st.integers(-(10**9), 10**9).map(lambda n: Decimal(n).scaleb(-2)),
    document_id=st.sampled_from([None, "d1", "d2"]),
)
rates = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal(200), places=4)


@given(st.lists(exposure, max_size=12), st.fixed_dictionaries({"USD": rates, "JPY": rates, "KWD": rates}))
def test_a_revaluation_balances_and_brings_every_balance_to_the_closing_rate(
    exposures: list[Exposure], closing: dict[str, Decimal]
) -> None:
    as_of = date(2026, 9, 30)
    exposures = [e for e in exposures if Money(e.amount, e.currency).is_rounded()]
    try:
        lines = revaluation_lines(exposures, closing, "EUR", DEFAULT_ROLES, as_of)
    except InvalidValue as exc:
        assert "nothing to revalue" in str(exc)
        return
    assert all(ln.amount == 0 for ln in lines) and sum(ln.value for ln in lines) == 0
    moved = {(ln.account, ln.currency, ln.document_id): ln.value for ln in lines if ln.role != "fx_unrealised_gain"}
    for e in exposures:
        if e.amount:
            target = Money(e.amount * closing[e.currency], "EUR").rounded().amount
            assert e.value + moved.get((e.account, e.currency, e.document_id), Decimal(0)) == target or any(
                (o.account, o.currency, o.document_id) == (e.account, e.currency, e.document_id) and o is not e
                for o in exposures
            )
    undone = reverse(lines)
    assert sum(ln.value for ln in [*lines, *undone]) == 0
