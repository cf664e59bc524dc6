"""A real webhook receiver for tests and the benchmark: a threaded ``http.server`` on a free local
port that verifies each delivery's Standard Webhooks signature and can be told to fail."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ledger.webhooks import signing_key


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """What a subscriber does (Standard Webhooks): recompute the signature over id.timestamp.body."""
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(signing_key(secret), signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(sig.partition(",")[2], expected) for sig in headers["webhook-signature"].split())


class Receiver:
    """What an endpoint received; ``answers`` are the statuses to give first (500, 302, "slow")."""

    def __init__(self, secret: str, keep: bool = True) -> None:
        self.secret, self.keep = secret, keep
        self.answers: list[int | str] = []
        self.received: list[dict[str, Any]] = []  # verified deliveries: headers and payload
        self.calls = 0
        self.bad_signatures = 0
        self.lock = threading.Lock()
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def ids(self) -> list[str]:
        with self.lock:
            return [r["payload"]["id"] for r in self.received]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with receiver.lock:
                receiver.calls += 1
                answer = receiver.answers.pop(0) if receiver.answers else 200
            if answer == "slow":
                time.sleep(2.0)
                answer = 200
            if answer == 200:
                if not verify(receiver.secret, headers, body):
                    with receiver.lock:
                        receiver.bad_signatures += 1
                    answer = 400
                elif receiver.keep:
                    with receiver.lock:
                        receiver.received.append({"headers": headers, "payload": json.loads(body)})
            self.send_response(int(answer))
            if answer in (301, 302, 307, 308):
                self.send_header("location", "http://127.0.0.1:9/elsewhere")
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            return None

    return Handler


@contextmanager
def receiver(secret: str, keep: bool = True) -> Iterator[Receiver]:
    found = Receiver(secret, keep)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(found))
    server.daemon_threads = True
    found.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        server.shutdown()
        server.server_close()
