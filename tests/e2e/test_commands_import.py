"""Commands from a file (ADR 0057): each runs once, in order, through every rule a request meets;
the first refused line stops the import, and the fixed file goes on where it stopped."""

from __future__ import annotations

import json
import uuid

import pytest
from fastapi.testclient import TestClient

from api.imports.commands import LineRefused, run_commands
from api.system import Keel


def _file(lines: list[dict[str, object]]) -> list[bytes]:
    return [json.dumps(line).encode() + b"\n" for line in lines]


def test_commands_run_once_and_a_refused_line_stops_the_import_until_fixed(keel: Keel) -> None:
    acme = str(uuid.uuid4())
    good = [
        {"command": "RegisterCustomer", "customer_id": acme, "name": "Acme Imported", "on": "2026-01-02"},
        {"command": "RegisterCustomer", "name": "Beta Imported", "on": "2026-01-03"},
        {"command": "RenameCustomer", "customer_id": acme, "name": "Acme Imported Ltd", "on": "2026-01-04"},
    ]
    bad = [*good[:2], {**good[2], "name": ""}]
    with pytest.raises(LineRefused, match=r"clients.ndjson:3: .*lines 1-2 are in") as refused:
        run_commands(keel.app, "clients.ndjson", _file(bad), "importer")
    assert refused.value.line == 3 and refused.value.done == 2
    head = keel.app.head_position()

    done = run_commands(keel.app, "clients.ndjson", _file(good), "importer")
    assert (done.ran, done.skipped) == (1, 2) and done.position > head
    again = run_commands(keel.app, "clients.ndjson", _file(good), "importer")
    assert (again.ran, again.skipped) == (0, 3) and keel.app.head_position() == done.position

    changed = [{**good[0], "name": "Someone else"}, *good[1:]]
    with pytest.raises(LineRefused, match="imported before with other content"):
        run_commands(keel.app, "clients.ndjson", _file(changed), "importer")


@pytest.mark.parametrize(
    ("line", "said"),
    [
        (b"not json", "not JSON"),
        (b'{"name": "x"}', 'naming its "command"'),
        (b'{"command": "DropTables"}', "no command named 'DropTables'"),
        (b'{"command": "RegisterCustomer", "name": "x", "meta": {"actor": "root"}}', "meta: set by the import"),
        (b'{"command": "RegisterCustomer", "name": "x", "payment_terms_days": "soon"}', "payment_terms_days"),
    ],
)
def test_a_line_that_is_no_command_is_refused_naming_what(keel: Keel, line: bytes, said: str) -> None:
    with pytest.raises(LineRefused, match=said):
        run_commands(keel.app, "x.ndjson", [line], "importer")
    assert keel.app.head_position() == 0


def test_post_v1_imports_commands_answers_what_ran_and_422_at_a_refused_line(client: TestClient) -> None:
    lines = _file([{"command": "RegisterCustomer", "name": "Over HTTP", "on": "2026-01-02"}])
    ran = client.post("/v1/imports/commands", files={"file": ("c.ndjson", b"".join(lines))})
    assert ran.status_code == 200, ran.text
    assert ran.json()["ran"] == 1 and ran.json()["skipped"] == 0
    refused = client.post("/v1/imports/commands", files={"file": ("d.ndjson", b'{"command": "Nope"}\n')})
    assert refused.status_code == 422 and refused.json()["line"] == 1 and refused.json()["lines_in"] == 0
