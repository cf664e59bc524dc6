"""A customer registered without a currency takes the books' functional currency, not a
hard-coded one: books kept in USD get USD customers, over HTTP and through a converted lead."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.http import create_app
from api.settings import Settings
from api.system import Keel
from commands import messages as m
from ledger.events import Meta


@pytest.fixture
def dollar_books(tmp_path: Path) -> Iterator[Keel]:
    settings = Settings(
        data_dir=tmp_path / "keel", database_url=None, auth="off", functional_currency="USD", _env_file=None
    )  # type: ignore[call-arg]
    keel = Keel.start(settings, follow=False)
    try:
        yield keel
    finally:
        keel.close()


def test_customers_default_to_the_books_currency(dollar_books: Keel) -> None:
    with TestClient(create_app(keel=dollar_books)) as client:
        created = client.post("/v1/customers", json={"name": "Acme Inc."})
        assert created.status_code == 201, created.text
        customer = created.json()["id"]
        lead = dollar_books.app.handle(m.CaptureLead(meta=Meta("sam"), name="Bea", company="Beacon", source="web"))
        converted = dollar_books.app.handle(m.ConvertLead(meta=Meta("sam"), lead_id=lead.id))
        dollar_books.engine.catch_up()
        assert client.get(f"/v1/customers/{customer}").json()["currency"] == "USD"
        found = client.get("/v1/customers", params={"name": "Beacon"}).json()["items"]
        assert [c["currency"] for c in found] == ["USD"] and converted.position
        explicit = client.post("/v1/customers", json={"name": "Euro GmbH", "currency": "EUR"}).json()["id"]
        dollar_books.engine.catch_up()
        assert client.get(f"/v1/customers/{explicit}").json()["currency"] == "EUR"
