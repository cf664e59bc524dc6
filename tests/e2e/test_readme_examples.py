"""The README's command-line examples, run on a fresh demo: each `$ keel …` of the marked block prints
the lines the README shows under it (a line `…` stands for any lines, `…` inside a line for any
text), and every line of the README that reads (`keel report …`, `keel sql …`, `keel … list`, `keel --version`)
runs."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

KEEL = shutil.which("keel") or str(Path(sys.executable).parent / "keel")
README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- readme-cli:start -->", "<!-- readme-cli:end -->"
ANY = "…"


def shown_examples() -> list[tuple[str, list[str]]]:
    """(command, the lines shown under it) of the marked block."""
    block = README.read_text(encoding="utf-8").split(START, 1)[1].split(END, 1)[0]
    examples: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("```") or not line.strip():
            continue
        if line.startswith("$ "):
            examples.append((line[2:], []))
        else:
            examples[-1][1].append(line)
    return examples


READS = (
    "keel report ",
    "keel sql ",
    "keel --version",
    *(f"keel {r} list" for r in ("customers", "invoices", "deals", "projects", "accounts")),
)


def report_lines() -> list[str]:
    """Every line of the README's shell blocks that reads (a report, a list, the version), without
    its comment."""
    return [
        shlex.join(shlex.split(line, comments=True))
        for line in README.read_text(encoding="utf-8").splitlines()
        if line.startswith(READS)
    ]


def run(env: dict[str, str], command: str) -> subprocess.CompletedProcess[str]:
    program, *args = shlex.split(command)
    assert program == "keel", command
    environ = {k: v for k, v in os.environ.items() if not k.startswith("KEEL_")}
    return subprocess.run(
        [KEEL, *args], capture_output=True, text=True, env={**environ, **env}, timeout=120, check=False
    )


def matches(shown: list[str], printed: list[str]) -> bool:
    """Whether the printed lines are the shown ones, `…` standing for any lines or any text."""
    if not shown:
        return not printed
    first, rest = shown[0], shown[1:]
    if first == ANY:
        return any(matches(rest, printed[n:]) for n in range(len(printed) + 1))
    pattern = ".*".join(re.escape(part) for part in first.split(ANY))
    return bool(printed) and re.fullmatch(pattern, printed[0]) is not None and matches(rest, printed[1:])


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = {"KEEL_DATA_DIR": str(tmp_path_factory.mktemp("readme") / "data")}
    done = run(env, "keel demo")
    assert done.returncode == 0, done.stderr
    return env


def test_the_marked_block_has_examples_that_show_known_at() -> None:
    examples = shown_examples()
    assert len(examples) >= 4 and all(shown for _, shown in examples)
    assert any("--known-at" in command for command, _ in examples)
    assert matches(["a", ANY, "c…"], ["a", "b", "b", "cd"]) and not matches(["a", "c"], ["a", "b", "c"])


@pytest.mark.parametrize(("command", "shown"), shown_examples(), ids=[c for c, _ in shown_examples()])
def test_a_readme_example_prints_what_the_readme_shows(demo: dict[str, str], command: str, shown: list[str]) -> None:
    done = run(demo, command)
    assert done.returncode == 0, done.stderr
    printed = done.stdout.splitlines()
    assert matches(shown, printed), "\n".join(["README shows:", *shown, "", "keel printed:", *printed])


@pytest.mark.parametrize("command", report_lines())
def test_every_reading_line_of_the_readme_runs_on_the_demo(demo: dict[str, str], command: str) -> None:
    done = run(demo, command)
    assert done.returncode == 0 and done.stdout.strip(), done.stderr
