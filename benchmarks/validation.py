"""What the input policy costs a command: latency with the checks on and off, in-process and over HTTP.

    python benchmarks/validation.py                    # SQLite and PostgreSQL, 300 commands per cell
    python benchmarks/validation.py --commands 1000 --backend postgres

Each cell runs the same commands with the policy switched off and on, in alternating blocks of 50
(so drift of the machine falls on both alike), and prints the median latency of each and the
difference. "Off" stubs the domain's check of every new event (``ledger.policy.check_event``) and
the request bodies' text checks (``api.schemas._police``); patterns and lengths pydantic checks
anyway are not counted. A command here is an invoice draft of 10 lines (the widest event a client
sends often) or a customer registration (the smallest).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from run import store

import api.schemas
import ledger.events
from api.http import create_app
from api.system import Keel
from commands.messages import DraftInvoice, LineInput, RegisterCustomer
from ledger.events import Meta

META = Meta(actor="bench")
BLOCK = 50


@contextmanager
def policy(on: bool) -> Iterator[None]:
    saved = ledger.events.check_event, api.schemas._police
    if not on:
        ledger.events.check_event = lambda event: None  # type: ignore[assignment]
        api.schemas._police = lambda value, field: None  # type: ignore[assignment]
    try:
        yield
    finally:
        ledger.events.check_event, api.schemas._police = saved


def lines(n: int) -> list[dict[str, str]]:
    return [
        {"description": f"Design sprint {i}", "quantity": "8", "unit_price": "95.00", "service_code": "DES"}
        for i in range(n)
    ]


def in_process(keel: Keel, customer: uuid.UUID, kind: str) -> Callable[[], object]:
    def run() -> object:
        if kind == "customer":
            return keel.app.handle(RegisterCustomer(meta=META, name="Northwind Studio"))
        draft = [LineInput(**line) for line in lines(10)]
        return keel.app.handle(DraftInvoice(meta=META, customer_id=customer, lines=tuple(draft), tax_percent="24"))

    return run


def over_http(client: TestClient, customer: uuid.UUID, kind: str) -> Callable[[], object]:
    def run() -> object:
        if kind == "customer":
            response = client.post("/v1/customers", json={"name": "Northwind Studio"})
        else:
            body: dict[str, Any] = {"customer_id": str(customer), "tax_percent": "24", "lines": lines(10)}
            response = client.post("/v1/invoices", json=body)
        assert response.status_code == 201, response.text
        return response

    return run


def measure(call: Callable[[], object], n: int) -> tuple[float, float]:
    """Median milliseconds with the policy off and on."""
    timings: dict[bool, list[float]] = {False: [], True: []}
    for block in range(2 * max(n // BLOCK, 1)):
        on = block % 2 == 1
        with policy(on):
            for _ in range(BLOCK):
                started = time.perf_counter()
                call()
                timings[on].append((time.perf_counter() - started) * 1000)
    return statistics.median(timings[False]), statistics.median(timings[True])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=300, help="commands per cell, half with the policy on")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    table = Table(title="Input policy: median command latency, checks off vs on")
    for column in ("backend", "way in", "command", "off (ms)", "on (ms)", "cost"):
        table.add_column(column, justify="right" if "ms" in column or column == "cost" else "left")
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    for backend in backends:
        with store(backend) as settings:
            settings.auth = "off"
            keel = Keel.start(settings, follow=False)
            try:
                customer = keel.app.handle(RegisterCustomer(meta=META, name="Northwind Studio")).id
                with TestClient(create_app(keel=keel)) as client:
                    for way, make in (
                        ("in-process", lambda k, keel=keel, c=customer: in_process(keel, c, k)),
                        ("HTTP", lambda k, client=client, c=customer: over_http(client, c, k)),
                    ):
                        for kind in ("customer", "invoice draft, 10 lines"):
                            off, on = measure(make("customer" if kind == "customer" else "invoice"), args.commands)
                            cost = f"{(on - off) / off:+.1%}"
                            table.add_row(backend, way, kind, f"{off:.2f}", f"{on:.2f}", cost)
            finally:
                keel.close()
    Console().print(table)
    Console().print(f"check_event alone, per 10-line invoice draft event: {per_event_microseconds():.1f} µs")


def per_event_microseconds(rounds: int = 5000) -> float:
    """The domain's check of one event, without the command around it."""
    from datetime import date

    from ledger.invoice import Invoice
    from ledger.invoice_lines import make_line

    lines = [make_line(f"Design sprint {i}", "8", "95.00", "24", False, "0", "DES") for i in range(10)]
    invoice = Invoice.draft(uuid.uuid4(), uuid.uuid4(), "EUR", lines, date(2026, 10, 5), META)
    event = invoice.collect_events()[0]
    started = time.perf_counter()
    for _ in range(rounds):
        ledger.events.check_event(event)
    return (time.perf_counter() - started) / rounds * 1e6


if __name__ == "__main__":
    main()
