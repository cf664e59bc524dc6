"""The web app's pages as a person meets them: over HTTP from a real server, logged in, at random
(as_of, known_at) pairs over the demo history of N events (issue 20's targets: the dashboard
≤ 300 ms p95 server time at 1,000,000 events, every other page ≤ 100 ms).

    python benchmarks/web_pages.py --events 100000
    python benchmarks/web_pages.py --events 1000000 --database-url postgresql://postgres@127.0.0.1/keel_1m

Prints one table: per page, the server's time (its ``Server-Timing`` header: from the request's
arrival to the response's headers, the page rendered) and the client's (the whole round trip on
this machine, body read), p50 and p95, and the page's size. One uvicorn server in a thread of this
process, the read models caught up first; PostgreSQL in its default configuration. A page the app
does not serve (404) is listed as such.
"""

from __future__ import annotations

import argparse
import random
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

import httpx
import uvicorn
from rich.console import Console
from rich.table import Table
from run import percentile, store

from api.demo import load_demo
from api.demo.history import FIRST_DAY, _id, load_history
from api.http import create_app
from api.passwords import hash_password
from api.system import Keel, settle_heap
from commands import messages as m
from ledger.events import Meta

LAST = date(2026, 9, 30)
PASSWORD = "a benchmark passphrase"
# (label, path, the time parameters it takes: "as_of" or "window")
PAGES = (
    ("dashboard", "/dashboard", "as_of"),
    ("trial balance", "/reports/trial-balance", "as_of"),
    ("balance sheet", "/reports/balance-sheet", "as_of"),
    ("profit and loss (a quarter)", "/reports/profit-and-loss", "window"),
    ("receivables", "/reports/receivables", "as_of"),
    ("ageing of receivables", "/reports/ageing/receivables", "as_of"),
    ("account 1200's entries (a quarter)", "/accounts/1200", "window"),
    ("pipeline board", "/pipeline", "as_of"),
    ("customers", "/customers", "as_of"),
    ("customer 360", "/customers/{customer}", "as_of"),
    ("invoices", "/invoices", "as_of"),
    ("bills", "/bills", ""),
    ("approvals", "/approvals", ""),
    ("audit", "/audit", ""),
    ("bank accounts", "/bank", "as_of"),
    ("admin", "/admin", ""),
)


@contextmanager
def serving(keel: Keel) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(keel=keel), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def run(backend: str, events: int, samples: int, table: Table, url: str | None, only: tuple[str, ...] = ()) -> None:
    rng = random.Random(20)
    with store(backend, url) as settings, Keel.start(settings, follow=False) as keel:
        started = time.perf_counter()
        loaded = load_history(keel.app, events)
        load_demo(keel.app)
        keel.engine.catch_up()
        head = keel.app.head_position()
        table.add_row(
            backend,
            "history",
            f"{head:,} events",
            f"loaded in {time.perf_counter() - started:.0f} s" if loaded else "kept",
        )
        login = f"bench{uuid.uuid4().hex[:12]}"  # a new one per run (a kept store keeps the earlier ones)
        roles = ("admin", "accountant", "sales", "auditor")
        keel.app.handle(
            m.AddUser(meta=Meta("bench"), login=login, roles=roles, secret_argon2=hash_password(PASSWORD), name="Bench")
        )
        keel.engine.catch_up()
        moments = [keel.app.moment_of(rng.randint(1, head)) for _ in range(50)]
        customers = [str(_id(2026, f"customer:{n}")) for n in range(20)]
        settle_heap()
        with serving(keel) as base, httpx.Client(base_url=base, timeout=60) as client:
            client.post("/login", data={"login": login, "password": PASSWORD, "next": "/"}, headers={"Origin": base})
            for label, path, kind in PAGES:
                if only and not label.startswith(only):
                    continue
                server_ms: list[float] = []
                client_ms: list[float] = []
                size = 0
                for _ in range(samples):
                    target = path.format(customer=rng.choice(customers))
                    query = _time_params(rng, kind, moments)
                    began = time.perf_counter()
                    answer = client.get(target + (f"?{urlencode(query)}" if query else ""))
                    client_ms.append((time.perf_counter() - began) * 1000)
                    if answer.status_code == 404:
                        break
                    answer.raise_for_status()
                    timing = answer.headers.get("server-timing", "app;dur=0")
                    server_ms.append(float(timing.split("dur=")[1]))
                    size = max(size, len(answer.content))
                if not server_ms:
                    table.add_row(backend, f"page: {label}", "not served (404)", "")
                    continue
                table.add_row(
                    backend,
                    f"page: {label}",
                    f"server p50 {percentile(server_ms, 50):.1f} ms, p95 {percentile(server_ms, 95):.1f} ms",
                    f"client p95 {percentile(client_ms, 95):.1f} ms, {size / 1024:.0f} KiB",
                )


def _time_params(rng: random.Random, kind: str, moments: list[datetime | None]) -> dict[str, str]:
    as_of = FIRST_DAY + timedelta(days=rng.randrange((LAST - FIRST_DAY).days))
    known = rng.choice([*moments, None])
    chosen: dict[str, str] = {}
    if kind == "as_of":
        chosen["as_of"] = as_of.isoformat()
    elif kind == "window":
        chosen["from"], chosen["to"] = (as_of - timedelta(days=91)).isoformat(), as_of.isoformat()
    if kind and known is not None:
        chosen["known_at"] = known.isoformat()
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000, help="size of the demo history")
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="postgres")
    parser.add_argument("--samples", type=int, default=100, help="requests per page")
    parser.add_argument("--database-url", help="use (and keep) this PostgreSQL store")
    parser.add_argument("--pages", nargs="*", help="only the pages whose label starts with one of these")
    args = parser.parse_args()
    if args.database_url:
        args.backend = "postgres"
    table = Table(title=f"Keel's web pages over HTTP (~{args.events:,} events of demo history)")
    for column in ("backend", "measure", "result", "detail"):
        table.add_column(column)
    for backend in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        run(backend, args.events, args.samples, table, args.database_url, tuple(args.pages or ()))
    Console(width=150).print(table)


if __name__ == "__main__":
    main()
