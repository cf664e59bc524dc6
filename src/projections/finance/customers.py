"""Customers as they stand now: name, terms and currency (for report labels and a customer's
page); their list rows as bitemporal spans (the list as of D known at K, see
``projections.finance.customer_spans``); and the history of their payment terms on both time axes
(the cash forecast as known at K uses it)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

from ledger.customer import Customer
from projections.engine.projection import Fact
from projections.engine.sql import Cursor
from projections.finance import customer_spans


class CustomersProjection:
    name = "customers"
    schema_version = 4  # 3: payment terms history; 4: list rows as spans
    tables = ("customers", "customer_terms", "customer_facts", "customer_spans")
    query_indexes = customer_spans.INDEXES
    folds = (Customer.Event,)

    def create(self, cur: Cursor) -> None:
        cur.execute(
            """CREATE TABLE customers (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                payment_terms_days INTEGER NOT NULL,
                currency TEXT NOT NULL,
                registered_on DATE NOT NULL,
                owner TEXT NOT NULL DEFAULT '',
                merged_into TEXT,
                version INTEGER NOT NULL,
                position BIGINT NOT NULL
            )"""
        )
        cur.execute(
            "CREATE TABLE customer_terms (customer_id TEXT NOT NULL, days INTEGER NOT NULL,"
            " effective_date DATE NOT NULL, position BIGINT NOT NULL, recorded_at TIMESTAMPTZ NOT NULL,"
            " PRIMARY KEY (customer_id, position))"
        )
        customer_spans.create(cur)

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        changed: dict[str, list[tuple[int, datetime]]] = defaultdict(list)  # customer -> its events in the page
        rows = []
        for fact in facts:
            e = fact.event
            if isinstance(e, Customer.Event):
                rows.append(customer_spans.fact_row(fact))
                changed[str(e.originator_id)].append((fact.position, fact.recorded_at))
            if isinstance(e, Customer.Registered):
                cur.execute(
                    "INSERT INTO customers (id, name, payment_terms_days, currency, registered_on, version, position)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    (
                        str(e.originator_id),
                        e.name,
                        e.payment_terms_days,
                        e.currency,
                        e.effective_date,
                        e.originator_version,
                        fact.position,
                    ),
                )
                self._terms(cur, fact, e.payment_terms_days)
            elif isinstance(e, Customer.Renamed):
                self._update(cur, fact, "name", e.name)
            elif isinstance(e, Customer.PaymentTermsChanged):
                self._update(cur, fact, "payment_terms_days", e.payment_terms_days)
                self._terms(cur, fact, e.payment_terms_days)
            elif isinstance(e, Customer.OwnerAssigned):
                self._update(cur, fact, "owner", e.owner)
            elif isinstance(e, Customer.MergedInto):
                self._update(cur, fact, "merged_into", str(e.target_id))
            elif isinstance(e, Customer.Event) and not isinstance(e, Customer.Registered):
                # contacts, credit and merges elsewhere still move the customer's version
                cur.execute(
                    "UPDATE customers SET version = %s, position = %s WHERE id = %s",
                    (e.originator_version, fact.position, str(e.originator_id)),
                )
        if rows:
            cur.copy_rows("customer_facts", customer_spans.FACT_COLUMNS, rows)
            customer_spans.update_spans(cur, changed)

    @staticmethod
    def _update(cur: Cursor, fact: Fact, column: str, value: object) -> None:
        cur.execute(
            f"UPDATE customers SET {column} = %s, version = %s, position = %s WHERE id = %s",
            (value, fact.event.originator_version, fact.position, str(fact.event.originator_id)),
        )

    @staticmethod
    def _terms(cur: Cursor, fact: Fact, days: int) -> None:
        cur.execute(
            "INSERT INTO customer_terms (customer_id, days, effective_date, position, recorded_at)"
            " VALUES (%s, %s, %s, %s, %s)",
            (str(fact.event.originator_id), days, fact.event.effective_date, fact.position, fact.recorded_at),
        )


def payment_terms(cur: Cursor, as_of: date, known_at: datetime | None) -> dict[str, int]:
    """Each customer's payment terms (days) in force on ``as_of``, as known at ``known_at``."""
    known, params = (" AND recorded_at <= %s", [known_at]) if known_at else ("", [])
    cur.execute(
        "SELECT customer_id, days FROM (SELECT customer_id, days, ROW_NUMBER() OVER (PARTITION BY customer_id"
        " ORDER BY effective_date DESC, position DESC) AS n FROM customer_terms"
        f" WHERE effective_date <= %s{known}) AS t WHERE n = 1",
        [as_of, *params],
    )
    return {str(r[0]): int(r[1]) for r in cur.fetchall()}
