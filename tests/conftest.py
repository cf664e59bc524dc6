"""Shared fixtures: a fresh Keel on SQLite (temporary files) or PostgreSQL (a database
created for the test and dropped after it).

PostgreSQL tests skip when no server answers, unless KEEL_REQUIRE_POSTGRES=1 (CI sets
it), where an unreachable server fails them instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, settings

from api.settings import Settings
from api.system import Keel

settings.register_profile("dev", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

PG_ADMIN_URL = os.environ.get("KEEL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _postgres_available() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    problem = _postgres_available()
    if problem:
        if os.environ.get("KEEL_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL required but unreachable at {PG_ADMIN_URL}: {problem}")
        pytest.skip(f"PostgreSQL unreachable at {PG_ADMIN_URL}: {problem}")
    return PG_ADMIN_URL


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A new, empty database for one test; dropped afterwards."""
    name = f"keel_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = postgres_admin_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sqlite_settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(data_dir=tmp_path / "keel", database_url=None, _env_file=None, **overrides)  # type: ignore[call-arg]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def keel_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for a fresh store on each backend: the same test runs on both."""
    if request.param == "sqlite":
        return sqlite_settings(tmp_path, auth="off")
    url = request.getfixturevalue("postgres_url")
    return Settings(database_url=url, data_dir=tmp_path / "keel", auth="off", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def keel(keel_settings: Settings) -> Iterator[Keel]:
    """A Keel whose projections are caught up explicitly by the test (deterministic)."""
    system = Keel.start(keel_settings, follow=False)
    try:
        yield system
    finally:
        system.close()
