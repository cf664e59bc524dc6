"""The ``keel`` command line: serve, demo, reports and projection operations.

Errors end with exit code 1 (2 for usage errors) and one readable line on stderr.
"""

from api.cli import audit, operations, reports  # noqa: F401  (each registers its commands)
from api.cli.base import app


def main() -> None:
    app()


__all__ = ["app", "main"]
