"""The demo's dunning, as issue 19 asks to see it: the worker run for 15 October 2026 reminds the
overdue demo customers (Northwind of two invoices at levels 2 and 3, Atlas at level 1; Helios opted
out), each e-mail with the invoice's PDF attached; running it again sends nothing new, nor does
rebuilding every projection and running it a third time. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from worker_support import free_port, smtp_server

from api.cli import app as cli
from api.demo import load_demo
from api.http import create_app
from api.settings import Settings
from api.system import Keel
from api.worker.scheduler import Worker
from projections.reminders.reminders import list_reminders

AS_OF = date(2026, 10, 15)
EXPECTED = {  # (to, subject) of each dunning e-mail
    ("accounts@northwind.example", "Final notice: invoice INV-2026-0001"),
    ("accounts@northwind.example", "Second notice: invoice INV-2026-0005"),
    ("payables@atlas-logistics.example", "Friendly reminder: invoice INV-2026-0007"),
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def demo(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Keel, int]]:
    port = free_port()
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    settings = Settings(  # type: ignore[call-arg]
        data_dir=tmp_path / "keel",
        database_url=url,
        _env_file=None,
        auth="off",
        smtp_url=f"smtp://127.0.0.1:{port}",
        mail_from="books@lumen.example",
    )
    monkeypatch.setenv("KEEL_DATA_DIR", str(settings.data_dir))  # the CLI's store is this one
    if url:
        monkeypatch.setenv("KEEL_DATABASE_URL", url)
    else:
        monkeypatch.delenv("KEEL_DATABASE_URL", raising=False)
    with Keel.start(settings, follow=False) as keel:
        load_demo(keel.app)
        yield keel, port


def test_the_demo_worker_reminds_the_overdue_customers_once_with_the_pdf_attached(demo: tuple[Keel, int]) -> None:
    keel, port = demo
    with smtp_server(port) as (inbox, _):
        first = {s.kind: s for s in Worker(keel).pass_once(AS_OF)}
        assert first["dunning"].done == 3
        dunning = [mail for mail in inbox.received if str(mail["X-Keel-Cause"]).startswith("dunning-mail ")]
        assert {(str(mail["To"]), str(mail["Subject"])) for mail in dunning} == EXPECTED
        for mail in dunning:
            assert mail["From"] == "books@lumen.example"
            assert str(mail["Message-ID"]).endswith("@keel.outbox>")
            text, pdf = mail.get_payload()  # type: ignore[misc]
            number = str(mail["Subject"]).rsplit(" ", 1)[-1]
            assert number in text.get_payload() and "The invoice is attached" in text.get_payload()
            assert pdf.get_content_type() == "application/pdf" and pdf.get_filename() == f"invoice-{number}.pdf"
            assert pdf.get_payload(decode=True).startswith(b"%PDF-")
        assert not any("helios" in str(mail["To"]) for mail in inbox.received)  # opted out
        received, head = len(inbox.received), keel.app.head_position()

        again = Worker(keel).pass_once(AS_OF)
        for name in list(keel.engine.projections):
            keel.engine.rebuild(name)
        rebuilt = Worker(keel, owner="a second worker").pass_once(AS_OF)
        assert all(s.done == 0 for s in [*again, *rebuilt]), [*again, *rebuilt]
        assert len(inbox.received) == received and keel.app.head_position() == head

    keel.engine.catch_up()
    reminded = list_reminders(keel.views, AS_OF).items
    assert sorted((r.subject, r.level, r.recipient) for r in reminded if r.kind == "dunning") == [
        ("INV-2026-0001", 3, "accounts@northwind.example"),
        ("INV-2026-0005", 2, "accounts@northwind.example"),
        ("INV-2026-0007", 1, "payables@atlas-logistics.example"),
    ]
    assert list_reminders(keel.views, date(2026, 10, 14)).items == []  # who was reminded as of the day before

    # The report over HTTP and on the command line: the same bytes (one query path).
    with TestClient(create_app(keel=keel)) as client:
        api = client.get("/v1/reports/reminders?as_of=2026-10-15&kind=dunning")
    assert api.status_code == 200 and len(api.json()["items"]) == 3
    done = CliRunner().invoke(cli, ["report", "reminders", "--as-of", "2026-10-15", "--kind", "dunning", "-f", "json"])
    assert done.exit_code == 0, done.output
    assert done.stdout_bytes == api.content + b"\n"
