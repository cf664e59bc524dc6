"""The exported journal is re-checked by ledger-cli: every balance must match Keel's."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from api.demo import load_demo
from api.system import Keel
from projections.finance.chart import ChartAccount
from projections.finance.export import account_name, journal_lines
from projections.finance.reports import trial_balance

LEDGER = shutil.which("ledger")


@pytest.mark.skipif(LEDGER is None, reason="ledger-cli is not installed (CI installs it)")
def test_ledger_cli_reproduces_the_functional_trial_balance(keel: Keel, tmp_path: Path) -> None:
    load_demo(keel.app)
    keel.engine.catch_up()
    journal = tmp_path / "books.journal"
    journal.write_text("\n".join(journal_lines(keel.views, "EUR")) + "\n")
    done = subprocess.run(
        [
            LEDGER or "ledger",
            "-f",
            str(journal),
            "bal",
            "--flat",
            "--basis",
            "--no-total",
            "--balance-format",
            "%(account)|%(quantity(scrub(display_total)))\n",
            "--end",
            "2026-10-01",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    theirs = {line.split("|")[0]: Decimal(line.split("|")[1]) for line in done.stdout.splitlines() if "|" in line}
    tb = trial_balance(keel.views, date(2026, 9, 30), None, "EUR")
    named = (ChartAccount(r.account, r.name, r.type, r.subtype, r.parent, None, True) for r in tb.rows)
    ours = {account_name(a): r.debit - r.credit for a, r in zip(named, tb.rows, strict=True)}
    assert theirs == ours
    assert sum(theirs.values()) == 0


def test_the_journal_marks_each_entry_with_its_log_position(keel: Keel) -> None:
    load_demo(keel.app)
    keel.engine.catch_up()
    text = "\n".join(journal_lines(keel.views, "EUR"))
    assert "@@" in text  # the USD invoice carries its functional value
    assert text.count("keel-position:") == len(
        {ln for ln in text.splitlines() if ln.strip().startswith("; keel-position")}
    )
