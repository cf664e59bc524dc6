"""The ``sequence`` job kind: each enrollment's next step once its day has come (``<enrollment>#<step>``),
queued in the outbox under an id derived from both, or the enrollment stopped for the reason the log
gives; and the ``mailbox`` kind: replies read from an IMAP mailbox (``KEEL_IMAP_URL``), each recorded
once per ``Message-ID`` (ADR 0068)."""

from __future__ import annotations

import contextlib
import email
import email.utils
import hashlib
import imaplib
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import Message as EmailMessage
from urllib.parse import unquote, urlsplit
from uuid import UUID

from api.worker.jobs import Context, JobKind, Outcome
from commands.messages import RecordInboundMessage, SendSequenceStep
from ledger.enrollments import KIND, Enrollment
from ledger.errors import AlreadyExists, DomainError, InvalidTransition
from projections.automation.sequence_queries import due_steps

MAILBOX = "mailbox"
TIMEOUT_SECONDS = 15
PER_RUN = 200  # messages a run records: a first run on a full mailbox does not hold the worker up
RECORDED = "$KeelRecorded"  # the keyword Keel marks a recorded message with (not \\Seen: people read it)


def steps_enabled(ctx: Context) -> str | None:
    if ctx.keel.settings.public_url:
        return None
    return "KEEL_PUBLIC_URL is not set: steps wait (their unsubscribe link must reach this Keel)"


def steps_due(ctx: Context) -> Iterator[str]:
    yield from (f"{enrollment}#{step}" for enrollment, step in due_steps(ctx.keel.views, ctx.as_of))


def step_run(ctx: Context, cause: str) -> Outcome:
    enrollment, _, step = cause.partition("#")
    command = SendSequenceStep(
        meta=ctx.meta(KIND, cause),
        enrollment_id=UUID(enrollment),
        step=int(step),
        as_of=ctx.as_of,
        at=ctx.now,
    )
    try:
        ctx.keel.app.handle(command)
    except AlreadyExists:
        return Outcome("skipped", "queued before")
    except InvalidTransition as exc:  # stopped or sent meanwhile, or not yet due: asked again if still owed
        return Outcome("deferred", str(exc))
    except DomainError as exc:
        return Outcome("skipped", str(exc))
    state = ctx.keel.app.get(Enrollment, UUID(enrollment))
    if state.stopped:  # recorded: the enrollment stopped instead (a reply, an unsubscribe, the deal moved on)
        return Outcome("skipped", f"{state.email}: stopped ({state.stopped}) before step {int(step) + 1}")
    return Outcome("done", f"step {int(step) + 1} to {state.email}")


# -- the mailbox: replies by IMAP ----------------------------------------------------------------


def mailbox_enabled(ctx: Context) -> str | None:
    return None if ctx.keel.settings.imap_url else "KEEL_IMAP_URL is not set: replies come by POST /v1/inbound-messages"


def mailbox_due(ctx: Context) -> Iterator[str]:
    yield f"poll@{ctx.now.isoformat(timespec='minutes')}"  # one poll a run: each message is recorded once anyway


def _connect(url: str) -> tuple[imaplib.IMAP4, str]:
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise ValueError("KEEL_IMAP_URL: expected imaps://user:password@host:993/INBOX or imap://…")
    port = parts.port or (993 if parts.scheme == "imaps" else 143)
    box: imaplib.IMAP4
    if parts.scheme == "imaps":
        box = imaplib.IMAP4_SSL(parts.hostname, port, timeout=TIMEOUT_SECONDS)
    else:
        box = imaplib.IMAP4(parts.hostname, port, timeout=TIMEOUT_SECONDS)
    box.login(unquote(parts.username or ""), unquote(parts.password or ""))
    return box, unquote(parts.path.strip("/")) or "INBOX"


def _message_id(message: EmailMessage, sender: str, raw: bytes) -> str:
    """Its ``Message-ID``; without one, a digest of its headers (never a number the server reuses)."""
    found = str(message.get("Message-ID", "")).strip()
    if found:
        return found[:200]
    return f"<keel-{hashlib.sha256(sender.encode() + b'|' + raw).hexdigest()[:40]}@mailbox>"


def mailbox_run(ctx: Context, cause: str) -> Outcome:
    """Up to ``PER_RUN`` messages not yet recorded (by UID; a person reading them in the shared
    inbox meanwhile does not hide them): each recorded (its sender's sequences stop), then marked with
    Keel's own keyword. One without a usable sender is marked too, and counted."""
    try:
        box, folder = _connect(str(ctx.keel.settings.imap_url))
    except (OSError, imaplib.IMAP4.error, ValueError) as exc:
        return Outcome("failed", f"IMAP: {type(exc).__name__}: {exc}")
    recorded = refused = 0
    try:
        box.select(folder)
        _, found = box.uid("SEARCH", None, "UNKEYWORD", RECORDED)  # type: ignore[arg-type]
        for uid in (found[0] or b"").split()[:PER_RUN]:
            _, data = box.uid("FETCH", uid.decode(), "(INTERNALDATE BODY.PEEK[HEADER])")
            part = next((p for p in data if isinstance(p, tuple)), None)
            if part is None:
                continue
            raw = part[1]
            message = email.message_from_bytes(raw)
            sender = email.utils.parseaddr(str(message.get("From", "")))[1]
            arrived = imaplib.Internaldate2tuple(part[0])
            at = datetime.fromtimestamp(time.mktime(arrived), UTC) if arrived else ctx.now
            command = RecordInboundMessage(
                meta=ctx.meta(MAILBOX, f"{folder}/{uid.decode()}"),
                from_address=sender,
                subject=" ".join(str(message.get("Subject", "")).split())[:500],
                message_id=_message_id(message, sender, raw),
                in_reply_to=str(message.get("In-Reply-To", "")).strip()[:200],
                received_at=min(at, ctx.now),
                source="mailbox",
            )
            try:
                ctx.keel.app.handle(command)
                recorded += 1
            except AlreadyExists:
                pass
            except DomainError:
                refused += 1
            box.uid("STORE", uid.decode(), "+FLAGS", f"({RECORDED})")
    except (OSError, imaplib.IMAP4.error) as exc:
        return Outcome("failed", f"IMAP: {type(exc).__name__}: {exc} ({recorded} recorded before)")
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            box.logout()
    return Outcome("done", f"{recorded} message(s) recorded, {refused} without a usable sender")


SEQUENCE_KINDS = (
    JobKind(
        MAILBOX,
        "Read replies from the IMAP mailbox (KEEL_IMAP_URL): each stops its sender's e-mail sequences",
        "*/5 * * * *",
        mailbox_due,
        mailbox_run,
        mailbox_enabled,
    ),
    JobKind(
        KIND,
        "Queue each e-mail sequence's next step once its day has come (or stop it: a reply, an unsubscribe,"
        " the deal's new stage)",
        "*/15 * * * *",
        steps_due,
        step_run,
        steps_enabled,
    ),
)
