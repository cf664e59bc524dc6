"""The analysts' Parquet export (issue 22: ≥ 200,000 rows/s, memory flat via record batches):
each dataset written by `keel export parquet DIR --dataset NAME` in a process of its own, at the
head of the demo history of N events and as known halfway through it (half the rows: the peak
memory should not follow the rows).

    python benchmarks/exports.py --events 100000
    python benchmarks/exports.py --database-url postgresql://postgres@127.0.0.1/keel_1m [--dataset journal]

Prints one table: per dataset and snapshot, the rows, the seconds (the whole command: start-up,
catching up, writing), rows/s and the process's peak resident memory. PostgreSQL in its default
configuration; ``--database-url`` uses (and keeps) that store.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table
from run import store

from api.demo import load_demo
from api.demo.history import load_history
from api.settings import Settings
from api.system import Keel
from projections.exports.catalog import DATASETS

KEEL = shutil.which("keel") or str(Path(sys.executable).parent / "keel")


def export(settings: Settings, dataset: str, target: Path, known_at: str | None) -> tuple[int, float, int]:
    """Rows written, seconds and peak RSS (bytes) of one `keel export parquet` process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEEL_")}
    env["KEEL_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        env["KEEL_DATABASE_URL"] = settings.database_url
    command = [KEEL, "export", "parquet", str(target), "--dataset", dataset, "--force"]
    command += ["--known-at", known_at] if known_at else []
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{' '.join(command)} failed ({status})")
    rows = pq.read_metadata(target / f"{dataset}.parquet").num_rows
    return rows, seconds, usage.ru_maxrss * 1024


def run(events: int, url: str | None, table: Table, only: list[str]) -> None:
    with store("postgres", url) as settings:
        with Keel.start(settings, follow=False) as keel:
            if load_history(keel.app, events):
                load_demo(keel.app)
            keel.engine.catch_up()
            head = keel.app.head_position()
        with tempfile.TemporaryDirectory() as tmp:
            for dataset in only or DATASETS:
                for label, known_at in (("head", None), ("known halfway", str(head // 2))):
                    rows, seconds, peak = export(settings, dataset, Path(tmp) / dataset, known_at)
                    table.add_row(
                        f"{dataset} ({label})",
                        f"{rows:,}",
                        f"{seconds:.1f} s",
                        f"{rows / seconds:,.0f} rows/s",
                        f"{peak / 2**20:,.0f} MiB",
                    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000, help="size of the demo history")
    parser.add_argument("--database-url", help="use (and keep) this PostgreSQL store")
    parser.add_argument("--dataset", action="append", default=[], help="only this dataset (repeatable)")
    args = parser.parse_args()
    table = Table(title="keel export parquet, a process per dataset (PostgreSQL)")
    for column in ("dataset (snapshot)", "rows", "seconds", "rate", "peak memory"):
        table.add_column(column)
    run(args.events, args.database_url, table, args.dataset)
    Console(width=150).print(table)


if __name__ == "__main__":
    main()
