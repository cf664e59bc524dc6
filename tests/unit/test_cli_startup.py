"""`keel` starts without importing what its command does not run (ADR 0049): the CLI's modules
import the system, the query layer, PDF rendering and the schemas inside the commands, and
``api.schemas`` gives each name from its context's module when first asked for. What is checked is
which modules a start imports (a fact), not how long it takes (a machine's mood)."""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

from pydantic import BaseModel

import api.schemas
from api.answers import SCHEMAS, schema_of
from projections.queries import QUERIES

ROOT = Path(__file__).parents[2]
# Modules a start must not import: the system and write side, the query layer, PDF rendering,
# the web framework, the PostgreSQL driver, any context's schemas.
HEAVY = (
    "api.system",
    "commands.application",
    "projections.queries",
    "projections.catalog",
    "fpdf",
    "fastapi",
    "psycopg",
    "api.schemas.",
)


def imported_by(code: str) -> list[str]:
    """The modules a fresh interpreter has imported after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    return list(json.loads(done.stdout.splitlines()[-1]))


def heavy_among(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(h if h.endswith(".") else h + ".") for h in HEAVY)]


def test_importing_the_cli_imports_no_command_s_machinery() -> None:
    assert heavy_among(imported_by("import api.cli")) == []


def test_keel_help_imports_no_command_s_machinery() -> None:
    code = (
        "import sys\nfrom api.cli import main\nsys.argv = ['keel', '--help']\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert exc.code in (0, None), exc.code"
    )
    assert heavy_among(imported_by(code)) == []


def test_the_schemas_package_gives_exactly_what_it_imports_for_type_checkers() -> None:
    tree = ast.parse((ROOT / "api" / "schemas" / "__init__.py").read_text(encoding="utf-8"))
    checked = next(n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING")
    typed = {a.name: n.module for n in checked.body if isinstance(n, ast.ImportFrom) for a in n.names}
    given = {name: module for module, names in api.schemas._GIVES.items() for name in names.split()}
    assert given == typed
    for name, module in given.items():
        assert getattr(api.schemas, name) is getattr(importlib.import_module(str(module)), name)


def test_every_query_answers_in_a_schema() -> None:
    assert set(QUERIES) <= set(SCHEMAS)
    for name in SCHEMAS:
        assert issubclass(schema_of(name), BaseModel), name
