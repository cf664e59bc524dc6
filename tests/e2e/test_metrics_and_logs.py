"""``/metrics`` counts what an operator watches (ADR 0055), each answer names its request id, and
``keel serve`` logs one JSON object a line carrying it."""

from __future__ import annotations

import json
import re
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from test_serve_cli import KEEL, environment, free_port

from api.system import Keel


def value(text: str, name: str, **labels: str) -> float:
    """A sample's value in the exposition (0 if absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" ([0-9.e+-]+)$"
    found = [float(m.group(1)) for line in text.splitlines() if (m := re.match(pattern, line))]
    return sum(found)


def test_metrics_count_commands_requests_cached_answers_and_projection_lag(keel: Keel, client: TestClient) -> None:
    before = client.get("/metrics").text  # the counters are the process's: other tests count too
    created = client.post("/v1/customers", json={"name": "Metered Ltd", "on": "2026-03-02"})
    assert created.status_code == 201
    refused = client.post("/v1/customers", json={"name": "", "on": "2026-03-02"})
    assert refused.status_code == 422
    for _ in range(3):
        client.get("/v1/reports/trial-balance", params={"min_position": created.json()["position"]})

    scraped = client.get("/metrics")
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    text = scraped.text

    def grew(name: str, **labels: str) -> float:
        return value(text, name, **labels) - value(before, name, **labels)

    assert grew("keel_commands_total", command="RegisterCustomer", outcome="ok") == 1
    assert grew("keel_command_seconds_count", command="RegisterCustomer") == 1
    route = "/v1/reports/trial-balance"
    assert grew("keel_http_requests_total", method="GET", route=route, status="200") == 3
    assert grew("keel_http_requests_total", method="POST", route="/v1/customers", status="422") == 1
    assert grew("keel_report_answers_total", source="kept") == 2
    assert grew("keel_report_answers_total", source="made") == 1
    assert value(text, "keel_log_head") == keel.app.head_position()
    assert 'keel_projection_lag{projection="general_ledger"}' in text
    assert "keel_report_cache_bytes" in text


def test_each_answer_carries_its_request_id(client: TestClient) -> None:
    mine = client.get("/v1/customers", headers={"X-Request-Id": "trace-42.a"})
    assert mine.headers["X-Request-Id"] == "trace-42.a"
    made = client.get("/v1/customers", headers={"X-Request-Id": "no spaces or <tags> allowed"})
    assert re.fullmatch(r"[0-9a-f]{16}", made.headers["X-Request-Id"])
    assert client.get("/v1/nowhere").headers["X-Request-Id"]  # a 404 too


@pytest.mark.postgres
def test_serve_logs_json_lines_with_the_request_id_and_sums_metrics_over_its_workers(
    postgres_url: str, tmp_path: Path
) -> None:
    port, log = free_port(), tmp_path / "serve.log"
    env = environment(tmp_path / "unused", database_url=postgres_url, auth="off", log_format="json")
    with log.open("wb") as output:
        server = subprocess.Popen(
            [KEEL, "serve", "--workers", "2", "--port", str(port)], env=env, stdout=output, stderr=output
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while log.read_text().count("Application startup complete") < 2:
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=30) as http:
            for n in range(20):  # new connections: both processes answer some
                with httpx.Client(base_url=base, timeout=30) as once:
                    assert once.get("/v1/customers", headers={"X-Request-Id": f"req-{n}"}).status_code == 200
            text = http.get("/metrics").text
        assert value(text, "keel_http_requests_total", method="GET", route="/v1/customers", status="200") == 20
    finally:
        server.terminate()
        server.wait(timeout=30)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line["logger"] == "keel.access" and line.get("path") == "/v1/customers"]
    assert {line["request_id"] for line in access} == {f"req-{n}" for n in range(20)}
    assert all(line["status"] == 200 and line["method"] == "GET" and line["ms"] >= 0 for line in access)
    assert any(line["message"].startswith("Application startup complete") for line in lines)
