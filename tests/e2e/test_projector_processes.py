"""``keel projector --only NAME``: each projection may be folded by a process of its own, and a
process runs only the ones it names."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from test_serve_cli import KEEL, environment, keel


def _positions(tmp_path: Path, url: str) -> dict[str, tuple[int, int]]:
    done = keel(tmp_path, "projections", "status", "--format", "json", database_url=url, projections="external")
    assert done.returncode == 0, done.stderr
    return {row["projection"]: (int(row["position"]), int(row["head"])) for row in json.loads(done.stdout)["rows"]}


@pytest.mark.postgres
def test_projectors_each_fold_only_the_projections_they_name(postgres_url: str, tmp_path: Path) -> None:
    settings = {"database_url": postgres_url, "projections": "external"}
    added = keel(tmp_path, "customers", "add", "Projected Ltd", "--currency", "EUR", **settings)
    assert added.returncode == 0, added.stderr

    once = keel(tmp_path, "projector", "--once", "--only", "customers", **settings)
    assert once.returncode == 0, once.stderr
    positions = _positions(tmp_path, postgres_url)
    assert positions["customers"][0] == positions["customers"][1]  # at the head
    assert positions["invoices"][0] < positions["invoices"][1]  # nobody ran it

    # Two following projectors, one projection each: both read models reach the next write.
    env = environment(tmp_path, **settings)
    logs = [tmp_path / "customers.log", tmp_path / "invoices.log"]
    projectors = []
    for name, log in zip(("customers", "invoices"), logs, strict=True):
        with log.open("wb") as output:
            projectors.append(
                subprocess.Popen([KEEL, "projector", "--only", name], env=env, stdout=output, stderr=output)
            )
    try:
        assert keel(tmp_path, "customers", "add", "Second Ltd", **settings).returncode == 0
        deadline = time.monotonic() + 60
        while True:
            positions = _positions(tmp_path, postgres_url)
            if all(positions[n][0] == positions[n][1] for n in ("customers", "invoices")):
                break
            assert all(p.poll() is None for p in projectors), [log.read_text() for log in logs]
            assert time.monotonic() < deadline, positions
            time.sleep(0.2)
        assert positions["general_ledger"][0] < positions["general_ledger"][1]  # still nobody's
    finally:
        for p in projectors:
            p.terminate()
            p.wait(timeout=30)
    assert "projector of customers" in logs[0].read_text()


def test_an_unknown_projection_is_refused_in_one_line(tmp_path: Path) -> None:
    done = keel(tmp_path / "books", "projector", "--only", "nope")
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "no projection named 'nope'; known:" in done.stderr, done.stderr
