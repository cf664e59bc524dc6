"""A store URL that leads nowhere fails within seconds, in one line that says where it looked and
what to do — not after half a minute, not with a file made somewhere else."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.settings import Settings
from api.system import Keel
from commands.adapters.store import StoreUnavailable

KEEL = str(Path(sys.executable).parent / "keel")


def start(url: str, tmp_path: Path) -> float:
    began = time.monotonic()
    with pytest.raises(StoreUnavailable) as raised:
        Keel.start(Settings(database_url=url, data_dir=tmp_path, _env_file=None), follow=False)  # type: ignore[call-arg]
    elapsed = time.monotonic() - began
    start.message = str(raised.value)  # type: ignore[attr-defined]
    return elapsed


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never says a word (a firewall, a hung server)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield int(listener.getsockname()[1])


@pytest.mark.postgres
def test_a_wrong_port_fails_at_once_naming_host_and_port(postgres_admin_url: str, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # free, and nobody listens once closed
    assert start(f"postgresql://postgres@127.0.0.1:{port}/keel", tmp_path) < 5
    assert f"127.0.0.1:{port}" in start.message and "connection refused" in start.message  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_a_server_that_never_answers_fails_within_five_seconds(
    postgres_admin_url: str, tmp_path: Path, silent_port: int
) -> None:
    assert start(f"postgresql://postgres@127.0.0.1:{silent_port}/keel", tmp_path) < 5
    assert "no answer within" in start.message  # type: ignore[attr-defined]


@pytest.mark.postgres
def test_a_missing_database_is_named_with_how_to_create_it(postgres_admin_url: str, tmp_path: Path) -> None:
    base = postgres_admin_url.rsplit("/", 1)[0]
    assert start(f"{base}/keel_no_such_database", tmp_path) < 5
    assert "'keel_no_such_database'" in start.message and "createdb" in start.message  # type: ignore[attr-defined]


def test_a_sqlite_url_in_a_folder_that_does_not_exist_is_an_error_not_a_new_file(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "folder"
    start(f"sqlite:///{missing}/keel.sqlite", tmp_path)
    assert str(missing) in start.message  # type: ignore[attr-defined]
    assert not missing.exists()


def test_the_cli_says_it_in_one_line_and_exits_non_zero(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEEL_")}
    env["KEEL_DATABASE_URL"] = f"sqlite:///{tmp_path}/missing/keel.sqlite"
    done = subprocess.run(
        [KEEL, "projections", "status"], check=False, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "does not exist" in done.stderr, done.stderr


def keel_cli(*args: str, database_url: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEEL_")}
    env |= {"KEEL_DATABASE_URL": database_url, "KEEL_DATA_DIR": str(tmp_path / "data")}
    began = time.monotonic()
    done = subprocess.run([KEEL, *args], check=False, env=env, capture_output=True, text=True, timeout=60)
    return done, time.monotonic() - began


@pytest.mark.postgres
@pytest.mark.parametrize("command", [("report", "trial-balance"), ("serve", "--port", "0")])
def test_a_command_or_the_server_on_a_wrong_port_exits_non_zero_within_seconds_in_one_line(
    postgres_admin_url: str, tmp_path: Path, command: tuple[str, ...]
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done, took = keel_cli(*command, database_url=f"postgresql://postgres@127.0.0.1:{port}/keel", tmp_path=tmp_path)
    # A refused connection is answered at once and never retried; what the bound leaves room for
    # is the interpreter starting the server's imports (~3 s alone, ~8 s on a loaded 2-core CI box).
    assert done.returncode == 1 and took < 20, (done.returncode, took)
    line = done.stderr.strip()
    assert "\n" not in line and f"127.0.0.1:{port}" in line and "KEEL_DATABASE_URL" in line, done.stderr
    assert not (tmp_path / "data").exists()  # nothing made on the way


def test_an_explicit_sqlite_url_is_the_sqlite_backend_with_its_read_models_in_a_file_beside_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/books.db"
    settings = Settings(database_url=url, data_dir=tmp_path / "unused", _env_file=None)  # type: ignore[call-arg]
    assert (settings.backend, settings.read_model_url) == ("sqlite", f"sqlite:///{tmp_path}/books-views.db")
    with Keel.start(settings, follow=False) as keel:
        assert keel.app.head_position() == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".db") == ["books-views.db", "books.db"]
    assert not (tmp_path / "unused").exists()  # the data folder is only made when no URL is set
