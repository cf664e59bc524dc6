"""Anchors through the installed ``keel`` command: taken, kept in a file, verified against; a
malformed anchor is one readable line and a non-zero exit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import register

from api.system import Keel

KEEL = shutil.which("keel") or str(Path(sys.executable).parent / "keel")


def keel(store: Keel, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k != "KEEL_DATABASE_URL"}
    environ["KEEL_DATA_DIR"] = str(store.settings.data_dir)
    if store.settings.database_url:
        environ["KEEL_DATABASE_URL"] = store.settings.database_url
    return subprocess.run([KEEL, *args], capture_output=True, text=True, env=environ, timeout=120, check=False)


def test_an_anchor_kept_in_a_file_verifies_until_the_newest_events_are_gone(keel_for_cli: Keel, tmp_path: Path) -> None:
    kept = tmp_path / "anchor-2026-01.txt"
    taken = keel(keel_for_cli, "audit", "anchor", "--output", str(kept))
    assert taken.returncode == 0, taken.stderr
    anchor = taken.stdout.strip()
    assert kept.read_text().strip() == anchor and anchor.endswith("@2")

    register(keel_for_cli, "Initech")  # the log goes on after the close
    for given in (str(kept), anchor):
        verified = keel(keel_for_cli, "audit", "verify", "--anchor", given)
        assert verified.returncode == 0 and "anchored at 2" in verified.stdout, verified.stderr


@pytest.mark.parametrize(
    ("anchor", "says"),
    [("deadbeef@2", "64 hex digits"), ("f" * 64 + "@two", "whole number"), ("close.txt", "close.txt is not a file")],
)
def test_a_malformed_anchor_is_one_line_and_exit_1(keel_for_cli: Keel, anchor: str, says: str) -> None:
    done = keel(keel_for_cli, "audit", "verify", "--anchor", anchor)
    assert done.returncode == 1 and says in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


@pytest.fixture
def keel_for_cli(keel: Keel) -> Keel:
    register(keel, "Acme")
    register(keel, "Globex")
    return keel
