"""What `pip install .` ships (CI installs Keel that way, not editable): every package and the
API docs' assets. An editable checkout imports any folder, so a package the wheel leaves out
(api.cli once was) or an asset it does not carry shows only after a real install."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatchcase
from pathlib import Path

ROOT = Path(__file__).parents[2]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
CODE = {
    "ledger": ROOT / "src" / "ledger",
    "commands": ROOT / "src" / "commands",
    "projections": ROOT / "src" / "projections",
    "api": ROOT / "api",
}


def test_every_folder_of_python_code_is_a_package_the_wheel_finds() -> None:
    find = SETUPTOOLS["packages"]["find"]
    missing = []
    for name, top in CODE.items():
        assert str(top.parent.relative_to(ROOT)) in find["where"]
        for folder in {p.parent for p in top.rglob("*.py")}:
            dotted = ".".join((name, *folder.relative_to(top).parts))
            if not (folder / "__init__.py").is_file() or not any(fnmatchcase(dotted, i) for i in find["include"]):
                missing.append(dotted)
    assert missing == []


def test_every_static_asset_is_package_data() -> None:
    api = ROOT / "api"
    shipped = {path for pattern in SETUPTOOLS["package-data"]["api"] for path in api.glob(pattern) if path.is_file()}
    assets = {path for path in (api / "static").rglob("*") if path.is_file()}
    assert assets and assets - shipped == set()
    assert {"swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"} <= {p.name for p in shipped}
    fonts = {path for path in (api / "documents" / "fonts").rglob("*") if path.is_file()}
    assert fonts and fonts - shipped == set()
