"""keel.client against a real server (uvicorn in a thread) on the demo: every operation of the
OpenAPI document has its method and the generated code is the document's; writes are
idempotent and retried with their key; If-Match, pages, files, the event stream; every problem
raised as its class, naming the field at fault."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from support import issue_key, served_over_http

from api.demo import load_demo
from api.settings import Settings
from api.system import Keel
from keel.client import Forbidden, KeelClient, NotFound, PreconditionFailed, Unauthorized, Unprocessable

ROOT = Path(__file__).resolve().parents[2]
NORTHWIND = "16d82561-cfc1-521f-94fb-2651d6812161"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Keel, str]]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("client") / "keel", auth="keys", _env_file=None)  # type: ignore[call-arg]
    with Keel.start(settings, follow=True) as keel:
        load_demo(keel.app)
        with served_over_http(keel) as url:
            yield keel, url


@pytest.fixture(scope="module")
def client(server: tuple[Keel, str]) -> Iterator[KeelClient]:
    keel, url = server
    with KeelClient(url, api_key=issue_key(keel, "cli", "accountant", "sales", "analyst")) as c:
        yield c


def test_the_client_is_the_openapi_document_s_every_operation() -> None:
    checked = subprocess.run(
        [sys.executable, "scripts/generate_client.py", "--check"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    sys.path.insert(0, str(ROOT / "scripts"))
    from generate_client import STREAMS, Generator, openapi

    doc = openapi()
    for o in Generator(doc).operations():
        name = "event_stream" if o["path"] in STREAMS else o["name"]
        assert callable(getattr(KeelClient, name, None)), f"{o['method']} {o['path']} has no method {name}"


def test_reads_writes_and_pages_as_typed_answers(client: KeelClient) -> None:
    balance = client.trial_balance(as_of="2026-09-30")
    assert balance["balanced"] is True and balance["rows"]
    name = f"Client Co {uuid4().hex[:6]}"
    accepted = client.register_customer(body={"name": name, "on": "2026-10-01"})
    found = client.get_customer(accepted["id"], min_position=accepted["position"])
    assert found["name"] == name
    everyone = list(client.iter_list_customers(limit=2, min_position=accepted["position"]))
    assert len(everyone) == len({c["id"] for c in everyone}) > 2 and name in {c["name"] for c in everyone}
    invoices = list(client.iter_list_invoices(customer_id=NORTHWIND, limit=1))
    assert invoices and all(i["customer_id"] == NORTHWIND for i in invoices)


def test_a_write_retried_with_its_key_happens_once(client: KeelClient) -> None:
    key = str(uuid4())
    body = {"name": f"Once Ltd {key[:6]}", "on": "2026-10-01"}
    first = client.register_customer(body=body, idempotency_key=key)
    again = client.register_customer(body=body, idempotency_key=key)
    assert first == again
    listed = client.list_customers(name=body["name"], min_position=first["position"])
    assert [c["name"] for c in listed["items"]] == [body["name"]]
    with pytest.raises(Unprocessable, match="Idempotency-Key reused"):  # the same key for another request
        client.register_customer(body={"name": "Someone Else", "on": "2026-10-01"}, idempotency_key=key)


def test_if_match_and_problems_are_typed(client: KeelClient, server: tuple[Keel, str]) -> None:
    accepted = client.register_customer(body={"name": f"Versioned {uuid4().hex[:6]}", "on": "2026-10-01"})
    with pytest.raises(PreconditionFailed):
        client.rename_customer(accepted["id"], body={"name": "Too late"}, if_match=accepted["version"] + 5)
    renamed = client.rename_customer(accepted["id"], body={"name": "In time"}, if_match=accepted["version"])
    assert renamed["version"] == accepted["version"] + 1
    with pytest.raises(Unprocessable) as bad:
        client.register_customer(body={"name": "A\u0000B"})
    assert bad.value.status == 422 and "name" in (bad.value.field or bad.value.detail)
    with pytest.raises(NotFound):
        client.get_customer(str(uuid4()))
    keel, url = server
    with KeelClient(url) as anonymous, pytest.raises(Unauthorized):
        anonymous.trial_balance()
    with KeelClient(url, api_key=issue_key(keel, "sal", "sales")) as sales, pytest.raises(Forbidden):
        sales.trial_balance()


def test_files_and_the_event_stream(client: KeelClient, server: tuple[Keel, str]) -> None:
    journal = client.export_parquet("journal", as_of="2026-09-30")
    assert journal[:4] == b"PAR1"
    keel, _ = server
    events = client.event_stream(types="invoice.*")
    first = [next(events) for _ in range(3)]
    events.close()
    assert [e["type"].split(".")[0] for e in first] == ["invoice"] * 3
    assert first[0]["position"] < first[1]["position"] < first[2]["position"] <= keel.app.head_position()


def test_the_readme_s_python_example_prints_what_it_says(server: tuple[Keel, str]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("<<'PY'\n", 1)[1].split("\nPY\n", 1)[0]
    keel, url = server
    ran = subprocess.run(
        [sys.executable, "-", url, issue_key(keel, "tour", "accountant", "sales", "auditor")],
        input=snippet,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert lines[0] == "balanced: True"
    assert lines[1].startswith("invoices: ") and int(lines[1].split()[1]) >= 10
    assert lines[2].startswith("422 body.name: ") and "U+0000" in lines[2]
