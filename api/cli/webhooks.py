"""``keel webhooks add|list|disable|enable|deliveries|replay`` (ADR 0045): the same commands and read
model as ``/v1/webhooks``; no output ever holds a secret (except a generated one, shown once)."""

from __future__ import annotations

import base64
import secrets
import sys
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer

from api.cli.base import FormatOption, app, cli_actor, emit, fail, keel_system
from api.cli.output import Format, out

if TYPE_CHECKING:
    from api.system import Keel

webhooks_app = typer.Typer(help="Signed webhooks: subscriptions and their delivery log.", no_args_is_help=True)
app.add_typer(webhooks_app, name="webhooks")


SHORT = 8  # the digits of an id a table shows, and the least a command takes


def _id(keel: Keel, text: str, what: str) -> UUID:
    """A webhook's or a delivery's id, whole or by its first digits (as ``list`` and ``deliveries`` show)."""
    from projections.automation.webhooks import ids_starting

    text = text.strip().lower()
    try:
        return UUID(text)
    except ValueError:
        pass
    if len(text) < SHORT or not all(c in "0123456789abcdef-" for c in text):
        raise fail(f"{what}: not an id or its first {SHORT} digits: {text[:40]!r}")
    keel.engine.catch_up()
    table = "webhook_subscriptions" if what == "webhook" else "webhook_deliveries"
    found = ids_starting(keel.views, table, text)
    if len(found) != 1:
        raise fail(f"{what}: {'no' if not found else 'more than one'} {what} starts with {text!r}")
    return UUID(found[0])


def short(ident: UUID, fmt: Format) -> str:
    """A table shows an id's first digits (enough for the commands); CSV and JSON the whole id."""
    return str(ident)[:SHORT] if fmt is Format.table else str(ident)


@webhooks_app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="Where deliveries are POSTed (http or https).")],
    events: Annotated[
        list[str], typer.Option("--events", help="A public type or pattern (invoice.*, *); repeat or comma-separate.")
    ],
    secret: Annotated[
        str | None,
        typer.Option(
            "--secret",
            envvar="KEEL_WEBHOOK_SECRET",
            help="Signs every delivery (whsec_ + base64, or 16+ characters). Omitted: one is made and shown once.",
        ),
    ] = None,
    description: Annotated[str, typer.Option("--description", help="What the endpoint is.")] = "",
) -> None:
    """Subscribe an endpoint to public event types; each matching event from now on is POSTed, signed."""
    from commands.messages import AddWebhook
    from ledger.events import Meta

    made = secret is None
    secret = secret or "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    patterns = tuple(p for option in events for p in option.split(","))
    with keel_system() as keel:
        result = keel.app.handle(
            AddWebhook(meta=Meta(cli_actor()), url=url, events=patterns, secret=secret, description=description)
        )
    out.print(f"webhook {result.id} (log position {result.position})", highlight=False)
    if made:
        out.print(f"secret (shown this once): {secret}", highlight=False)


@webhooks_app.command("list")
def list_webhooks(fmt: FormatOption = Format.table) -> None:
    """Every subscription: URL, patterns, enabled or why not, consecutive failures (never the secret)."""
    from projections.automation.webhooks import subscriptions

    with keel_system(reading=True) as keel:
        keel.engine.catch_up()
        found = subscriptions(keel.views)
    rows = [
        [short(s.id, fmt), s.url, ",".join(s.events), "yes" if s.enabled else f"no: {s.disabled_reason}", s.failures]
        for s in found
    ]
    emit(fmt, "Webhooks", ["id", "url", "events", "enabled", "failures"], rows, {})


@webhooks_app.command("disable")
def disable(
    subscription: Annotated[str, typer.Argument(help="The webhook's id or its first 8 digits.")],
    reason: Annotated[str, typer.Option("--reason")] = "disabled by hand",
) -> None:
    """Stop delivering to an endpoint."""
    from commands.messages import DisableWebhook
    from ledger.events import Meta

    with keel_system() as keel:
        sub_id = _id(keel, subscription, "webhook")
        result = keel.app.handle(DisableWebhook(meta=Meta(cli_actor()), subscription_id=sub_id, reason=reason))
    out.print(f"webhook {sub_id} disabled (log position {result.position})", highlight=False)


@webhooks_app.command("enable")
def enable(subscription: Annotated[str, typer.Argument(help="The webhook's id or its first 8 digits.")]) -> None:
    """Deliver again (also after an automatic disable); its failed deliveries are retried."""
    from commands.messages import EnableWebhook
    from ledger.events import Meta

    with keel_system() as keel:
        sub_id = _id(keel, subscription, "webhook")
        result = keel.app.handle(EnableWebhook(meta=Meta(cli_actor()), subscription_id=sub_id))
    out.print(f"webhook {sub_id} enabled (log position {result.position})", highlight=False)


@webhooks_app.command("deliveries")
def deliveries(
    failed: Annotated[bool, typer.Option("--failed", help="Only those whose last attempt failed.")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 100,
    fmt: FormatOption = Format.table,
) -> None:
    """The delivery log, newest event first (--format json: the bytes GET /v1/webhooks/deliveries sends)."""
    from api.schemas.webhooks import delivery_page

    with keel_system(reading=True) as keel:
        keel.engine.catch_up()
        page = delivery_page(keel.views, failed, None, None, limit)
    if fmt is Format.json:
        sys.stdout.write(page.model_dump_json() + "\n")
        return
    found = page.items
    header = ["id", "subscription", "position", "type", "status", "attempts", "last_status", "last_error", "next"]
    rows = [
        [short(d.id, fmt), short(d.subscription_id, fmt), d.event_position, d.event_type, d.status, d.attempts,
         d.last_status_code, d.last_error, d.next_attempt_at.isoformat() if d.next_attempt_at else ""]
        for d in found
    ]  # fmt: skip
    emit(fmt, "Webhook deliveries", header, rows, {})


@webhooks_app.command("replay")
def replay(
    delivery: Annotated[
        str, typer.Argument(help="The delivery's id or its first 8 digits (keel webhooks deliveries).")
    ],
) -> None:
    """Send a delivery once more: the next worker run makes one new attempt."""
    from commands.messages import ReplayWebhookDelivery
    from ledger.events import Meta

    with keel_system() as keel:
        delivery_id = _id(keel, delivery, "delivery")
        result = keel.app.handle(
            ReplayWebhookDelivery(meta=Meta(cli_actor()), delivery_id=delivery_id, at=keel.app.log_clock.now())
        )
    out.print(f"delivery {delivery_id}: replay asked for (log position {result.position})", highlight=False)
