"""The ``webhooks`` job kind: each public event to each subscription that wants it, signed.

A cause is one attempt at one (subscription, event position): ``SUB@POSITION#ATTEMPT``. The delivery
is re-read from the log before sending, and its id derives from (subscription, position), so a
rerun, a second worker or a run after a rebuild cannot record an attempt twice (ADR 0045). Headers
follow Standard Webhooks: ``webhook-id`` (the delivery id, the same on every attempt),
``webhook-timestamp`` (seconds) and ``webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>``.

A subscriber that fails (refused, timed out, 5xx, a redirect: never followed) is not tried again in
the same run: its other causes wait for the next run, so one dead endpoint costs one timeout per
run, and every other subscriber is still served in the same pass.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
from collections.abc import Iterator
from urllib.parse import urlsplit
from uuid import UUID

from api.worker.jobs import Context, JobKind, Outcome
from commands.messages import DisableWebhook, RecordWebhookAttempt
from ledger.errors import NotFound
from ledger.webhooks import KIND, WebhookDelivery, WebhookSubscription, delivery_id, signing_key
from projections.automation.webhooks import due_deliveries, failures
from projections.public_events import public_event

PAGE = 500
USER_AGENT = "Keel-Webhooks/1"


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 over "id.timestamp.body">``, keyed by the subscription's secret."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def post(url: str, headers: dict[str, str], body: bytes, timeout: float) -> tuple[int, str]:
    """POST once: ``(status code, "")`` for a 2xx, else ``(status or 0, why it failed)``. Redirects are
    never followed (a moved endpoint is the subscriber's to fix, and following one could send the
    payload where nobody subscribed)."""
    parts = urlsplit(url)
    connection = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = connection(parts.hostname or "", parts.port, timeout=timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("POST", target, body=body, headers=headers)
        response = conn.getresponse()
        response.read(65536)
        status, location = response.status, response.getheader("location", "")
    except (OSError, http.client.HTTPException) as exc:
        return 0, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    finally:
        conn.close()
    if 200 <= status < 300:
        return status, ""
    if 300 <= status < 400:
        return status, f"HTTP {status}: redirect to {location[:200]!r} not followed"
    return status, f"HTTP {status}"


def webhooks_due(ctx: Context) -> Iterator[str]:
    after = (0, "")
    while page := due_deliveries(ctx.keel.views, ctx.now, after, PAGE):
        yield from (f"{d.subscription_id}@{d.event_position}#{d.attempts + 1}" for d in page)
        after = (page[-1].event_position, str(page[-1].subscription_id))


def webhooks_run(ctx: Context, cause: str) -> Outcome:
    sub_part, _, rest = cause.partition("@")
    position_part, _, attempt_part = rest.partition("#")
    sub_id, position, attempt = UUID(sub_part), int(position_part), int(attempt_part)
    down: set[UUID] = ctx.memo.setdefault("webhooks-down", set())
    if sub_id in down:
        return Outcome("deferred", "the endpoint failed earlier in this run")
    try:
        sub = ctx.keel.app.get(WebhookSubscription, sub_id)
    except NotFound:
        return Outcome("skipped", "no such webhook")
    if not sub.enabled:
        return Outcome("deferred", "the webhook is disabled")
    # The log, not the read model, decides whether this attempt is the delivery's next one.
    did = delivery_id(sub_id, position)
    try:
        delivery: WebhookDelivery | None = ctx.keel.app.get(WebhookDelivery, did)
    except NotFound:
        delivery = None
    tried = delivery.attempts if delivery else 0
    if attempt != tried + 1 or (delivery is not None and not delivery.due(ctx.now)):
        return Outcome("skipped", f"attempt {attempt} is not due (after {tried})")
    page = ctx.keel.app.read_log(position - 1, 1)
    if not page or page[0][0] != position:
        return Outcome("skipped", f"no event at position {position}")
    payload = public_event(position, ctx.keel.app.moment_of(position), page[0][1])
    if payload is None:
        return Outcome("skipped", f"the event at {position} is not public")
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    timestamp = int(ctx.now.timestamp())
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": str(did),
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(sub.secret, str(did), timestamp, body),
    }
    status, error = post(sub.url, headers, body, ctx.keel.settings.webhook_timeout_seconds)
    meta = ctx.meta(KIND, cause)
    ctx.keel.app.handle(
        RecordWebhookAttempt(
            meta=meta,
            subscription_id=sub_id,
            position=position,
            event_type=str(payload["type"]),
            attempt=attempt,
            status_code=status,
            error=error,
            at=ctx.now,
        )
    )
    served: set[UUID] = ctx.memo.setdefault("webhooks-served", set())
    if not error:
        served.add(sub_id)
        return Outcome("done", f"{payload['type']} at {position} to {sub.url} (attempt {attempt})")
    down.add(sub_id)
    # Consecutive failures: the read model's count as of this run's start, unless this run served it.
    streak = 1 if sub_id in served else failures(ctx.keel.views, sub_id) + 1
    limit = ctx.keel.settings.webhook_disable_after
    if streak >= limit:
        reason = f"{streak} consecutive failed attempts; the last: {error}"
        ctx.keel.app.handle(DisableWebhook(meta=meta, subscription_id=sub_id, reason=reason, automatic=True))
        return Outcome("failed", f"attempt {attempt} failed ({error}); webhook disabled after {streak} failures")
    return Outcome("failed", f"attempt {attempt} failed, retried later: {error}")


WEBHOOKS = JobKind(
    KIND,
    "Deliver public events to webhook subscriptions, signed; failed attempts are retried with back-off",
    "* * * * *",
    webhooks_due,
    webhooks_run,
)
