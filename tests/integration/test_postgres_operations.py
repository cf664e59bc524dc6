"""Operations that only a real server can prove: a killed worker, concurrent writers."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
from support import draft, invoice, pay, register, table_dump

from api.settings import Settings
from api.system import Keel
from commands.messages import IssueInvoice
from ledger.events import Meta
from projections.engine.health import ProjectionFailed
from projections.finance import lists
from projections.finance.detail import ageing

pytestmark = pytest.mark.postgres

KEEL = shutil.which("keel") or str(Path(sys.executable).parent / "keel")
TABLES = ("gl_lines", "customers", "invoices", "invoice_lines")


def pg_settings(url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=url, data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]


def positions(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        try:
            rows = conn.execute("SELECT projection, position FROM keel_tracking").fetchall()
        except psycopg.errors.UndefinedTable:
            return {}
    return {name: int(pos) for name, pos in rows}


@pytest.mark.slow
def test_sigkill_during_catch_up_then_restart_equals_a_fresh_rebuild(postgres_url: str, tmp_path: Path) -> None:
    with Keel.start(pg_settings(postgres_url, tmp_path), follow=False) as keel:
        customers = [register(keel, f"Customer {n}", on=date(2026, 1, 1)) for n in range(40)]
        for n in range(300):
            who = customers[n % len(customers)]
            inv = invoice(keel, who, f"{100 + n}.00", date(2026, 1, 1 + n % 28))
            pay(keel, who, f"{50 + n}.00", date(2026, 2, 1 + n % 28), {inv: f"{50 + n}.00"})
        head = keel.app.head_position()

    env = {**os.environ, "KEEL_DATABASE_URL": postgres_url, "KEEL_PROJECTION_PAGE_SIZE": "5"}
    worker = subprocess.Popen(
        [KEEL, "projections", "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            seen = positions(postgres_url)
            if seen and max(seen.values()) > 100:
                break
            assert time.monotonic() < deadline, f"worker made no progress: {seen}"
            time.sleep(0.005)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    at_kill = positions(postgres_url)
    assert min(at_kill.values()) < head, f"the worker finished before it was killed: {at_kill} of {head}"

    restarted = subprocess.run(
        [KEEL, "projections", "run", "--once"], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert restarted.returncode == 0, restarted.stderr
    assert set(positions(postgres_url).values()) == {head}

    with Keel.start(pg_settings(postgres_url, tmp_path), follow=False) as keel:
        after_restart = {t: table_dump(keel, t) for t in TABLES}
        for name in keel.engine.projections:
            keel.engine.rebuild(name)
        assert {t: table_dump(keel, t) for t in TABLES} == after_restart


def test_concurrent_writers_keep_invoice_numbers_gap_free(postgres_url: str, tmp_path: Path) -> None:
    settings = pg_settings(postgres_url, tmp_path)
    with Keel.start(settings, follow=False) as first, Keel.start(settings, follow=False) as second:
        customer = register(first)
        drafts = [draft(first, customer, "10.00", date(2026, 6, 1)) for _ in range(30)]

        def issue(pair: tuple[Keel, object]) -> None:
            keel, invoice_id = pair
            keel.app.handle(IssueInvoice(meta=Meta("writer"), invoice_id=invoice_id, on=date(2026, 6, 2)))  # type: ignore[arg-type]

        with ThreadPoolExecutor(max_workers=6) as pool:
            list(pool.map(issue, [(first if i % 2 else second, d) for i, d in enumerate(drafts)]))
        first.engine.catch_up()
        numbers = sorted(
            v.number or ""
            for v in lists.list_invoices(first.views, date(2026, 6, 2), status="issued", limit=1000).items
        )
    assert numbers == [f"INV-2026-{n:04d}" for n in range(1, 31)]


def test_several_processes_starting_at_once_set_up_the_read_models_once(postgres_url: str, tmp_path: Path) -> None:
    settings = pg_settings(postgres_url, tmp_path)
    with Keel.start(settings, follow=False) as first:  # the event store's own tables first
        projections = list(first.engine.projections.values())  # Keel's and the installed plug-ins'

    def start(_: int) -> None:
        engine_setup = Keel.start(settings, follow=False)
        engine_setup.close()

    tables = ", ".join(["keel_tracking", *(t for p in projections for t in p.tables)])
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"DROP TABLE {tables}")
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(start, range(4)))
    assert set(positions(postgres_url)) == {p.name for p in projections}


def test_the_application_role_can_append_and_rebuild_but_never_delete_or_truncate_the_log(
    postgres_url: str, tmp_path: Path
) -> None:
    from commands.adapters.store import grant_app_role

    with Keel.start(pg_settings(postgres_url, tmp_path), follow=False) as keel:
        register(keel)
    role = f"keel_app_{os.getpid()}"
    grant_app_role(postgres_url, role, "app-secret")
    app_url = postgres_url.replace("postgresql://postgres@", f"postgresql://{role}:app-secret@")
    try:
        with Keel.start(pg_settings(app_url, tmp_path / "app"), follow=False) as keel:
            register(keel, name="Appended by the app role")
            keel.engine.catch_up()
            for name in keel.engine.projections:  # a new projection version rebuilds as this role
                keel.engine.rebuild(name)
        with psycopg.connect(app_url, autocommit=True) as conn:
            for sql in ("DELETE FROM keel_events", "TRUNCATE keel_events", "DELETE FROM keel_log", "TRUNCATE keel_log"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege):
                    conn.execute(sql)
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                conn.execute("UPDATE keel_events SET topic = topic")
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f"REASSIGN OWNED BY {role} TO postgres")
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")


def indexes(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()").fetchall()
    return {str(name) for (name,) in rows}


def test_a_rebuild_builds_its_query_indexes_at_the_end_and_one_stopped_midway_has_them_built_at_the_next_start(
    postgres_url: str, tmp_path: Path
) -> None:
    with Keel.start(pg_settings(postgres_url, tmp_path), follow=False) as keel:
        who = register(keel, "Customer")
        pay(keel, who, "60.00", date(2026, 2, 1), {invoice(keel, who, "100.00", date(2026, 1, 5)): "60.00"})
        keel.engine.catch_up()
        serving = indexes(postgres_url)
        assert {
            "open_items_at_receivables",
            "customer_delays_at",
            "deal_spans_open_at",
            "deal_spans_closed_at",
            "gl_lines_account_date",
            "gl_lines_year_close",
            "invoices_customer",
        } <= serving

        for name in keel.engine.projections:
            keel.engine.rebuild(name)
        assert indexes(postgres_url) == serving

        def stop(_name: str, _folded: int) -> None:
            raise RuntimeError("stopped midway")

        with pytest.raises(ProjectionFailed):
            keel.engine.rebuild("open_items", progress=stop)
        set_aside = {f"open_items_at_{part}" for part in ("receivables", "payables", "credit", "claims")}
        assert serving - indexes(postgres_url) == set_aside

    with Keel.start(pg_settings(postgres_url, tmp_path), follow=False) as keel:
        assert indexes(postgres_url) == serving
        keel.engine.catch_up()
        found = ageing(keel.views, "receivables", date(2026, 3, 1), "EUR").items
        assert [row.open_amount for row in found] == [Decimal("64.00")]  # 124.00 invoiced, 60.00 paid
