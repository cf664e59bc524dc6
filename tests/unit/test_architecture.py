"""The domain stays pure: only the standard library and ``eventsourcing.domain``.

import-linter checks the layers and forbids web/database/pydantic packages; it cannot
forbid parts of one external package, so this test keeps the rest of ``eventsourcing``
(persistence, application, database drivers) out of ``ledger``.
"""

import ast
from pathlib import Path

import ledger


def test_the_domain_uses_only_the_domain_part_of_eventsourcing() -> None:
    offenders = []
    for path in Path(ledger.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}" for n in names if n.startswith("eventsourcing") and n != "eventsourcing.domain"
            ]
    assert offenders == []
