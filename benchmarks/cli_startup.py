"""How long a `keel` command takes to start and answer (ADR 0049): `import api.cli`, `keel --help`
and `keel report trial-balance` on a demo store, each in a fresh interpreter.

    python benchmarks/cli_startup.py                       # this checkout
    python benchmarks/cli_startup.py --baseline /tmp/main  # beside another tree, runs alternated

A baseline is a tree of another commit (``git archive main | tar -x -C /tmp/main``); both run with
this checkout's virtual environment, each tree first on the path. Prints the median and fastest
wall time and the median CPU time (user + system) of each; a warm-up run first (bytecode, caches).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
# The editable install's finder would find this checkout first: drop it, so the tree on the path counts.
ONLY_PATH = "import sys; sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f)]; "
MAIN = "from api.cli import main; sys.argv = ['keel', *{args!r}]; main()"
COMMANDS = {
    "import api.cli": "import api.cli",
    "keel --help": MAIN.format(args=["--help"]),
    "keel report trial-balance": MAIN.format(args=["report", "trial-balance", "--as-of", "2026-09-30"]),
}


def timed(tree: Path, code: str, data_dir: str) -> tuple[float, float]:
    env = {**os.environ, "PYTHONPATH": f"{tree / 'src'}:{tree}", "KEEL_DATA_DIR": data_dir}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    # cwd elsewhere: `python -c` puts the working directory first on the path
    subprocess.run([sys.executable, "-c", ONLY_PATH + code], env=env, cwd="/", stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, help="a tree of another commit to time alongside")
    parser.add_argument("-n", type=int, default=7, help="runs of each (default 7)")
    options = parser.parse_args()
    trees = {"this": HERE, **({"baseline": options.baseline.resolve()} if options.baseline else {})}
    with tempfile.TemporaryDirectory() as data_dir:
        demo = {**os.environ, "PYTHONPATH": f"{HERE / 'src'}:{HERE}", "KEEL_DATA_DIR": data_dir}
        subprocess.run(
            [sys.executable, "-c", ONLY_PATH + MAIN.format(args=["demo"])],
            env=demo,
            cwd="/",
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"{'command':28} {'tree':9} {'wall median':>12} {'fastest':>8} {'CPU median':>11}")
        for name, code in COMMANDS.items():
            runs: dict[str, list[tuple[float, float]]] = {tree: [] for tree in trees}
            for path in trees.values():
                timed(path, code, data_dir)  # warm-up
            for _ in range(options.n):
                for tree, path in trees.items():
                    runs[tree].append(timed(path, code, data_dir))
            for tree, got in runs.items():
                walls, cpus = [w for w, _ in got], [c for _, c in got]
                wall, fastest, cpu = statistics.median(walls), min(walls), statistics.median(cpus)
                print(f"{name:28} {tree:9} {wall:12.2f} {fastest:8.2f} {cpu:11.2f}", flush=True)


if __name__ == "__main__":
    main()
