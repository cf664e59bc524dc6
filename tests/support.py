"""Short ways to say ledger stories in tests."""

from __future__ import annotations

import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import uvicorn

from api.http import create_app
from api.system import Keel
from commands.access.keys import mint_key
from commands.messages import (
    AllocationInput,
    CommandResult,
    DraftInvoice,
    IssueApiKey,
    IssueInvoice,
    LineInput,
    RecordPayment,
    RegisterCustomer,
    VoidInvoice,
)
from ledger.events import Meta
from projections.finance.detail import ageing
from projections.finance.reports import trial_balance

META = Meta(actor="test")


def register(keel: Keel, name: str = "Acme", on: date = date(2026, 1, 2), **kw: Any) -> UUID:
    return keel.app.handle(RegisterCustomer(meta=META, name=name, on=on, **kw)).id


def draft(keel: Keel, customer: UUID, net: str, on: date, tax: str = "24", **kw: Any) -> UUID:
    lines = (LineInput(description="Consulting", quantity="1", unit_price=net),)
    return keel.app.handle(DraftInvoice(meta=META, customer_id=customer, lines=lines, tax_percent=tax, on=on, **kw)).id


def invoice(keel: Keel, customer: UUID, net: str, on: date, tax: str = "24") -> UUID:
    invoice_id = draft(keel, customer, net, on, tax)
    keel.app.handle(IssueInvoice(meta=META, invoice_id=invoice_id, on=on))
    return invoice_id


def pay(keel: Keel, customer: UUID, amount: str, on: date, allocations: dict[UUID, str] | None = None) -> CommandResult:
    allocs = tuple(AllocationInput(invoice_id=i, amount=a) for i, a in (allocations or {}).items())
    return keel.app.handle(RecordPayment(meta=META, customer_id=customer, amount=amount, allocations=allocs, on=on))


def void(keel: Keel, invoice_id: UUID, on: date, reason: str = "error") -> CommandResult:
    return keel.app.handle(VoidInvoice(meta=META, invoice_id=invoice_id, reason=reason, on=on))


def table_dump(keel: Keel, table: str) -> list[tuple[Any, ...]]:
    """Every row of a read-model table, in a stable order, with comparable values."""
    with keel.views.read() as cur:
        cur.execute(f"SELECT * FROM {table}")
        rows = cur.fetchall()
    return sorted(tuple(str(v) for v in row) for row in rows)


def ok(response: Any, status: int = 200) -> Any:
    """The JSON body of a response that must have the given status."""
    assert response.status_code == status, response.text
    return response.json()


def replay_balances(keel: Keel, position: int, as_of: date) -> dict[tuple[str, str], Decimal]:
    """Sum the journal lines of the first ``position`` events dated on or before ``as_of``."""
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for _, event in keel.app.read_log(0, position):
        if event.effective_date > as_of:
            continue
        for line in getattr(event, "journal", None) or []:
            sums[(line.account, line.currency)] += line.amount
    return {k: v for k, v in sums.items() if v}


def reported_balances(keel: Keel, as_of: date, known_at: Any) -> dict[tuple[str, str], Decimal]:
    tb = trial_balance(keel.views, as_of, known_at)
    return {(r.account, r.currency): r.debit - r.credit for r in tb.rows if r.debit - r.credit}


def replay_open_items(keel: Keel, position: int, as_of: date, account: str) -> dict[tuple[str, str], Decimal]:
    """Per (document, currency): the sum of one account's lines of the first ``position`` events
    dated on or before ``as_of``, where it is not zero."""
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for _, event in keel.app.read_log(0, position):
        if event.effective_date <= as_of:
            for line in getattr(event, "journal", None) or []:
                if line.account == account:
                    sums[(str(line.document_id or ""), line.currency)] += line.amount
    return {k: v for k, v in sums.items() if v}


def reported_open_items(keel: Keel, kind: str, as_of: date, known_at: Any) -> dict[tuple[str, str], Decimal]:
    """The ageing's items per (document, currency), signed as on the books (debit positive)."""
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for item in ageing(keel.views, kind, as_of, "EUR", known_at).items:
        sums[(item.document_id, item.currency)] += item.open_amount if kind == "receivables" else -item.open_amount
    return {k: v for k, v in sums.items() if v}


def issue_key(keel: Keel, name: str, *roles: str) -> str:
    minted = mint_key()
    keel.app.handle(
        IssueApiKey(
            meta=Meta("setup"), key_id=minted.key_id, name=name, roles=roles, secret_sha256=minted.secret_sha256
        )
    )
    return minted.token


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


@contextmanager
def served_over_http(keel: Keel) -> Iterator[str]:
    """``keel`` served by a real HTTP server (uvicorn in a thread) on a free port: its base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(create_app(keel=keel), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def cli_run(keel: Keel, *args: str) -> tuple[int, str]:
    """``keel ARGS`` on this Keel's store, in this process: its exit code and what it printed."""
    from typer.testing import CliRunner

    from api.cli import app as cli

    settings = keel.settings
    env = {"KEEL_DATA_DIR": str(settings.data_dir), "KEEL_DATABASE_URL": settings.database_url or ""}
    result = CliRunner().invoke(cli, list(args), env={k: v for k, v in env.items() if v})
    return result.exit_code, result.output
