"""Customers as they stand now: name, terms and currency (for lists and report labels)."""

from __future__ import annotations

from collections.abc import Sequence

from ledger.customer import Customer
from projections.db import Cursor
from projections.engine import Fact


class CustomersProjection:
    name = "customers"
    schema_version = 2
    tables = ("customers",)
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

    def apply(self, cur: Cursor, facts: Sequence[Fact]) -> None:
        for fact in facts:
            e = fact.event
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
            elif isinstance(e, Customer.Renamed):
                self._update(cur, fact, "name", e.name)
            elif isinstance(e, Customer.PaymentTermsChanged):
                self._update(cur, fact, "payment_terms_days", e.payment_terms_days)
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

    @staticmethod
    def _update(cur: Cursor, fact: Fact, column: str, value: object) -> None:
        cur.execute(
            f"UPDATE customers SET {column} = %s, version = %s, position = %s WHERE id = %s",
            (value, fact.event.originator_version, fact.position, str(fact.event.originator_id)),
        )
