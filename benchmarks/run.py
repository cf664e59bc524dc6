"""Keel benchmarks: write throughput, projection rebuild speed and memory, report latency.

    python benchmarks/run.py                      # SQLite and PostgreSQL, ~10,000 events
    python benchmarks/run.py --events 50000 --backend postgres

Prints one table. PostgreSQL runs in a database created for the run and dropped after it.
Targets live here, not in timed unit tests.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import psycopg
from fastapi.testclient import TestClient
from rich.console import Console
from rich.table import Table

from api.http import create_app
from api.settings import Settings
from api.system import Keel
from commands.access.keys import mint_key
from commands.messages import (
    AllocationInput,
    DraftInvoice,
    IssueApiKey,
    IssueInvoice,
    LineInput,
    RecordPayment,
    RegisterCustomer,
)
from ledger.events import Meta
from projections.finance.detail import ageing
from projections.finance.reports import balance_sheet, profit_and_loss, receivables, trial_balance

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
META = Meta(actor="bench")
START = date(2026, 1, 1)


@contextmanager
def store(backend: str, url: str | None = None) -> Iterator[Settings]:
    """A fresh store for the run (dropped after it); or, given ``url``, that store, kept."""
    if url:
        yield Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
        return
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield Settings(data_dir=Path(tmp), database_url=None, _env_file=None)  # type: ignore[call-arg]
        return
    name = f"keel_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        yield Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load(keel: Keel, events: int, rng: random.Random) -> tuple[int, float, list[datetime]]:
    """Customers, then invoices (draft + issue) each paid in part; return commands, seconds, moments."""
    customers = [keel.app.handle(RegisterCustomer(meta=META, name=f"Customer {n}", on=START)).id for n in range(50)]
    commands, moments = 50, []
    started = time.perf_counter()
    while keel.app.head_position() < events:
        who = rng.choice(customers)
        on = START + timedelta(days=rng.randrange(0, 365))
        net = f"{rng.randrange(100, 100_000) / 100:.2f}"
        lines = (LineInput(description="Work", quantity="1", unit_price=net),)
        inv = keel.app.handle(DraftInvoice(meta=META, customer_id=who, lines=lines, tax_percent="24", on=on)).id
        keel.app.handle(IssueInvoice(meta=META, invoice_id=inv, on=on))
        part = str((Decimal(net) / 2).quantize(Decimal("0.01")))
        keel.app.handle(
            RecordPayment(
                meta=META,
                customer_id=who,
                amount=part,
                allocations=(AllocationInput(invoice_id=inv, amount=part),),
                on=on + timedelta(days=rng.randrange(0, 60)),
            )
        )
        commands += 3
        if rng.random() < 0.02:
            moments.append(datetime.now(UTC))
    return commands, time.perf_counter() - started, moments


def percentile(samples: list[float], p: float) -> float:
    return statistics.quantiles(samples, n=100)[int(p) - 1] if len(samples) > 1 else samples[0]


def rebuild_all(keel: Keel, backend: str, table: Table) -> None:
    """Rebuild every projection from the whole log: events/s (timed alone: tracing memory slows
    Python two- to threefold), then again under tracemalloc for the peak Python memory."""
    head = keel.app.head_position()
    for name in keel.engine.projections:
        started = time.perf_counter()
        keel.engine.rebuild(name)
        elapsed = time.perf_counter() - started
        tracemalloc.start()
        keel.engine.rebuild(name)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        table.add_row(backend, f"rebuild: {name}", f"{head / elapsed:,.0f} events/s", f"peak {peak / 2**20:.1f} MiB")


def run(backend: str, events: int, table: Table) -> None:
    rng = random.Random(7)
    with store(backend) as settings, Keel.start(settings, follow=False) as keel:
        commands, seconds, moments = load(keel, events, rng)
        head = keel.app.head_position()
        table.add_row(
            backend, "write: commands", f"{commands / seconds:,.0f} cmd/s", f"{head:,} events in {seconds:.1f} s"
        )
        rebuild_all(keel, backend, table)
        reports_under_test: list[tuple[str, Callable[[date, datetime | None], object]]] = [
            ("trial balance", lambda d, k: trial_balance(keel.views, d, k)),
            ("receivables", lambda d, k: receivables(keel.views, d, k)),
            ("profit and loss", lambda d, k: profit_and_loss(keel.views, START, d, "EUR", k)),
            ("balance sheet", lambda d, k: balance_sheet(keel.views, d, "EUR", k)),
            ("receivables ageing (a page of 100)", lambda d, k: ageing(keel.views, "receivables", d, "EUR", k, 100)),
        ]
        for label, report in reports_under_test:
            samples = []
            for _ in range(200):
                as_of = START + timedelta(days=rng.randrange(0, 420))
                known_at = rng.choice([*moments, None])
                started = time.perf_counter()
                report(as_of, known_at)
                samples.append((time.perf_counter() - started) * 1000)
            table.add_row(
                backend,
                f"query: {label}",
                f"p50 {percentile(samples, 50):.1f} ms",
                f"p95 {percentile(samples, 95):.1f} ms",
            )
        http_latency(keel, backend, table)


def http_latency(keel: Keel, backend: str, table: Table) -> None:
    """What authentication and pagination cost per request, through the whole HTTP stack."""
    minted = mint_key()
    keel.app.handle(
        IssueApiKey(
            meta=META, key_id=minted.key_id, name="bench", roles=("accountant",), secret_sha256=minted.secret_sha256
        )
    )
    keel.engine.catch_up()

    def sample(client: TestClient, url: str, headers: dict[str, str], n: int = 200) -> list[float]:
        samples = []
        for _ in range(n):
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
        return samples

    key = {"Authorization": f"Bearer {minted.token}"}
    first_page = "/v1/invoices?limit=50"
    with TestClient(create_app(keel=keel)) as client:
        token = client.post("/v1/auth/tokens", json={}, headers=key).json()["access_token"]
        cursor, pages = "", 0
        while True:  # walk to the last page, to time it
            page = client.get(f"{first_page}&cursor={cursor}", headers=key).json()
            pages += 1
            if page["next_cursor"] is None:
                break
            cursor = page["next_cursor"]
        measures = {
            "API key": sample(client, first_page, key),
            "bearer token": sample(client, first_page, {"Authorization": f"Bearer {token}"}),
            f"API key, page {pages} of {pages}": sample(client, f"{first_page}&cursor={cursor}", key),
        }
    keel.settings = keel.settings.model_copy(update={"auth": "off"})
    with TestClient(create_app(keel=keel)) as client:
        measures["no authentication"] = sample(client, first_page, {})
    for label, samples in measures.items():
        table.add_row(
            backend,
            f"http: 50 invoices, {label}",
            f"p50 {percentile(samples, 50):.1f} ms",
            f"p95 {percentile(samples, 95):.1f} ms",
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000, help="approximate number of events to write")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    table = Table(title=f"Keel benchmarks (~{args.events:,} events)")
    for column in ("backend", "measure", "result", "detail"):
        table.add_column(column)
    for backend in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        run(backend, args.events, table)
    Console().print(table)


if __name__ == "__main__":
    main()
