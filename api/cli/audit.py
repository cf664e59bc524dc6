"""Tamper evidence (``keel audit``) and API keys (``keel keys``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from api.cli.base import (
    FormatOption,
    audit_app,
    catch_up,
    cli_actor,
    emit,
    every_item,
    fail,
    keel_system,
    keys_app,
)
from api.cli.output import Format, err, out


@audit_app.command("verify")
def audit_verify(
    anchor: Annotated[
        str | None,
        typer.Option(
            "--anchor",
            help="DIGEST@POSITION from `keel audit anchor`, or a file holding it: also fail if the log was"
            " truncated, rewritten or reordered since.",
        ),
    ] = None,
) -> None:
    """Recompute the hash chain over every stored event; name the first position that does not fit."""
    from commands.audit import BadAnchor, parse_anchor, verify, verify_against

    try:
        anchored = parse_anchor(anchor) if anchor is not None else None
    except BadAnchor as exc:
        raise fail(str(exc)) from None
    with keel_system(reading=True) as keel:
        result = verify(keel.app) if anchored is None else verify_against(keel.app, anchored)
    if not result.ok:
        raise fail(f"{result.problem} (checked {result.checked} events)")
    against = f", anchored at {anchored.position}" if anchored else ""
    out.print(
        f"chain verified: {result.checked} events, head at position {result.head_position}, hash {result.head_hash}"
        + against
    )


@audit_app.command("anchor")
def audit_anchor(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Also write it to this file (keep it outside the database).")
    ] = None,
) -> None:
    """Print the verified head of the chain as DIGEST@POSITION, for an auditor to keep outside the database."""
    from commands.audit import BadAnchor, take_anchor

    with keel_system(reading=True) as keel:
        try:
            anchor = str(take_anchor(keel.app))
        except BadAnchor as exc:
            raise fail(str(exc)) from None
    if output is not None:
        try:
            output.write_text(anchor + "\n", encoding="utf-8")
        except OSError as exc:
            raise fail(f"cannot write the anchor to {output}: {exc.strerror or exc} (it was {anchor})") from None
    sys.stdout.write(anchor + "\n")


@audit_app.command("digest")
def audit_digest() -> None:
    """Print the verified chain head signed with KEEL_AUDIT_KEY (HMAC-SHA256), for an auditor to keep."""
    from commands.audit import signed_digest

    with keel_system(reading=True) as keel:
        if not keel.settings.audit_key:
            raise fail("set KEEL_AUDIT_KEY to sign the digest")
        sys.stdout.write(signed_digest(keel.app, keel.settings.audit_key) + "\n")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option("--name", help="Who holds the key: the actor its events record.")],
    roles: Annotated[
        list[str],
        typer.Option("--role", help="auditor, analyst, sales, accountant, admin or integration; repeat for several."),
    ],
) -> None:
    """Issue an API key in this store (KEEL_DATA_DIR or KEEL_DATABASE_URL). Prints the key alone on stdout,
    once: Keel keeps only its digest."""
    from commands import messages as m
    from commands.access.keys import mint_key
    from ledger.events import Meta

    minted = mint_key()
    with keel_system() as keel:
        keel.app.handle(
            m.IssueApiKey(
                meta=Meta(cli_actor()),
                key_id=minted.key_id,
                name=name,
                roles=tuple(roles),
                secret_sha256=minted.secret_sha256,
            )
        )
        store = keel.settings.describe_store()
    err.print(
        f"key {minted.key_id} for {name} ({', '.join(sorted(set(roles)))}) written to {store}: a server of this"
        " store accepts it, no other; save it now, it is not shown again",
        soft_wrap=True,
        markup=False,
        highlight=False,
    )
    sys.stdout.write(minted.token + "\n")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[str, typer.Argument(help="The 12 hex digits after keel_.")],
    reason: Annotated[str, typer.Option("--reason", help="Why, for the audit trail.")] = "",
) -> None:
    """Revoke a key: it and every bearer token exchanged for it stop working at once."""
    from commands import messages as m
    from ledger.events import Meta

    with keel_system() as keel:
        keel.app.handle(m.RevokeApiKey(meta=Meta(cli_actor()), key_id=key_id, reason=reason))
    out.print(f"key {key_id} revoked")


@keys_app.command("list")
def keys_list(fmt: FormatOption = Format.table) -> None:
    """Every key issued in this store, with its roles and whether it is revoked (never a secret)."""
    from projections.access.api_keys import list_keys

    with keel_system(reading=True) as keel:
        store = keel.settings.describe_store()
        catch_up(keel)
        rows: list[list[Any]] = [
            [k.key_id, k.name, ",".join(k.roles), k.issued_by, k.issued_at, k.revoked_at or ""]
            for k in every_item(lambda cursor: list_keys(keel.views, None, cursor, 1000))
        ]
    emit(fmt, "API keys", ["key_id", "name", "roles", "issued_by", "issued_at", "revoked_at"], rows, {})
    if fmt is Format.table:  # JSON and CSV stay data
        count = f"{len(rows)} key{'' if len(rows) == 1 else 's'}"
        out.print(f"{count} in {store}", soft_wrap=True, markup=False, highlight=False)
