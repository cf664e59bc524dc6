"""Finding the plug-in projections to serve (``KEEL_PLUGINS``): installed packages' entry points
of the group ``keel.projections``, or ``module:attribute`` paths (docs/plugins.md)."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from api.exports.views import REPORT_VIEWS
from projections.engine.projection import Projection
from projections.exports.catalog import DATASETS
from projections.plugins import CustomProjection, PluginError, PluginProjection, check_plugins

GROUP = "keel.projections"


def load_plugins(setting: str, keel: Sequence[Projection]) -> list[PluginProjection]:
    """The plug-ins ``setting`` names, checked against Keel's own projections, datasets and views:
    one that cannot be loaded or served is a ``PluginError`` naming it (Keel does not start half)."""
    wanted = [part.strip() for part in setting.split(",") if part.strip()]
    if wanted in ([], ["none"]):
        return []
    installed = {ep.name: ep for ep in entry_points(group=GROUP)}
    found: list[Any] = []
    for spec in installed if wanted == ["installed"] else wanted:
        try:
            if spec in installed:
                target = installed[spec].load()
            elif ":" in spec:
                module, _, attribute = spec.partition(":")
                target = getattr(importlib.import_module(module), attribute)
            else:
                raise LookupError(
                    f"no entry point {spec!r} in the group {GROUP} (installed: {sorted(installed) or 'none'})"
                )
            found.append(target() if isinstance(target, type) else target)
        except PluginError:
            raise
        except Exception as exc:  # an import error, a constructor that raises: the plug-in's, named
            raise PluginError(f"plug-in {spec} could not be loaded: {type(exc).__name__}: {exc}") from exc
    plugins: list[CustomProjection] = found
    check_plugins(plugins, keel, [*DATASETS, *REPORT_VIEWS])
    for plugin in plugins:  # its answer is a table of that name in keel sql (DuckDB)
        if plugin.name.upper() in sql_keywords():
            raise PluginError(f"plug-in {plugin.name}: the name is an SQL keyword; choose another")
    return [PluginProjection(p) for p in plugins]


@cache
def sql_keywords() -> frozenset[str]:
    """DuckDB's reserved words (a table named ``order`` is no table to query in keel sql)."""
    import duckdb

    sql = "SELECT keyword_name FROM duckdb_keywords() WHERE keyword_category = 'reserved'"
    found = duckdb.connect(":memory:").execute(sql).fetchall()
    return frozenset(str(k[0]).upper() for k in found)
