"""``python -m api.cli``: the same as the ``keel`` command (a server spawns its projector this way)."""

from api.cli import main

main()
