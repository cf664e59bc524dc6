"""``keel report cash-forecast --scenario NAME --compare base|OTHER``: the forecast with a what-if
beside the books (or another scenario), period by period (ADR 0066). ``--format json`` prints the
bytes ``GET /v1/reports/cash-forecast/compare`` sends."""

from __future__ import annotations

import sys
from decimal import Decimal

from api.cli.base import catch_up, keel_system
from api.cli.output import Format, show_table
from projections.queries import Params
from projections.queries.core import Table, columns


def show_compared(params: Params, compare: str, fmt: Format) -> None:
    from api.answers import json_bytes
    from api.scenario_answers import compared

    with keel_system() as keel:
        catch_up(keel)
        found = compared(keel, "cash-forecast", params, compare)
    if fmt is Format.json:
        sys.stdout.buffer.write(json_bytes(found) + b"\n")
        sys.stdout.flush()
        return
    scenario = found["scenario"]
    rows = []
    for base, mine, diff in zip(
        found["base"]["periods"], found["with_scenario"]["periods"], found["difference"], strict=True
    ):
        net_base = Decimal(base["inflow"]) - Decimal(base["outflow"])
        net_mine = Decimal(mine["inflow"]) - Decimal(mine["outflow"])
        rows.append(
            (
                base["start"],
                net_base,
                net_mine,
                Decimal(diff["net"]),
                Decimal(base["closing"]),
                Decimal(mine["closing"]),
            )
        )
    spec = ("period:date", f"net {compare}:amount", f"net {scenario}:amount", "difference:amount")
    spec_closing = (f"closing {compare}:amount", f"closing {scenario}:amount")
    scope = found["with_scenario"]["scope"]
    notes = [("as of", scope["as_of"]), ("scenario's base", f"log position {scope['position']}")]
    show_table(Table(f"Cash forecast: {scenario} against {compare}", columns(*spec, *spec_closing), rows, notes=notes))
