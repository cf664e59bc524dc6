"""Users, the people who log in (ADR 0048), on SQLite and PostgreSQL: added once per login, with a
person's roles and an Argon2 hash (never a password), disabled and enabled, locked out until a
moment or a new password; their secret never leaves the write side."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from api.passwords import verify_password
from api.settings import Settings
from api.system import Keel
from commands import messages as m
from commands.access.users import find_user
from ledger.errors import AlreadyExists, InvalidTransition, InvalidValue, NotFound
from ledger.events import Meta
from projections.access.users import get_user, list_users
from projections.public_events import public_event

META = Meta("test:users")
DAY = date(2026, 10, 1)
HASH = "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHRzb21lc2FsdA$" + "A" * 43
OTHER = "$argon2id$v=19$m=65536,t=3,p=4$b3RoZXJzYWx0b3RoZXJzYQ$" + "B" * 43


def _user(keel: Keel, login: str = "Maria@Example.com") -> None:
    keel.app.handle(m.AddUser(meta=META, login=login, roles=("sales", "analyst"), secret_argon2=HASH, on=DAY))


def test_a_user_is_added_once_per_login_with_a_persons_roles(keel: Keel) -> None:
    _user(keel)
    user = find_user(keel.app.unit_of_work(), " maria@example.com ")
    assert (user.login, user.name, user.roles, user.disabled_on) == (
        "maria@example.com",
        "maria@example.com",
        ["analyst", "sales"],
        None,
    )
    with pytest.raises(AlreadyExists, match=r"maria@example\.com"):
        _user(keel, "MARIA@example.com")
    refused = {
        "login": dict(login="-maria", roles=("sales",), secret_argon2=HASH),
        "integration is a machine's role": dict(login="erp", roles=("integration",), secret_argon2=HASH),
        "roles must be some of": dict(login="erp", roles=(), secret_argon2=HASH),
        "not an Argon2id hash": dict(login="erp", roles=("sales",), secret_argon2="hunter2"),
    }
    before = keel.app.head_position()
    for said, fields in refused.items():
        with pytest.raises(InvalidValue, match=said):
            keel.app.handle(m.AddUser(meta=META, on=DAY, **fields))  # type: ignore[arg-type]
    assert keel.app.head_position() == before
    with pytest.raises(NotFound, match="there is no user nobody"):
        keel.app.handle(m.DisableUser(meta=META, login="nobody"))


def test_disabled_and_locked_out_users_cannot_log_in_until_enabled_or_given_a_new_password(keel: Keel) -> None:
    _user(keel, "ana")
    now = datetime(2026, 10, 2, 9, 0, tzinfo=UTC)
    keel.app.handle(m.DisableUser(meta=META, login="ana", reason="left the company", on=DAY))
    assert find_user(keel.app.unit_of_work(), "ana").can_log_in(now) == "user ana is disabled"
    with pytest.raises(InvalidTransition, match="already disabled on 2026-10-01"):
        keel.app.handle(m.DisableUser(meta=META, login="ana", on=DAY))
    keel.app.handle(m.EnableUser(meta=META, login="ana", on=DAY))
    keel.app.handle(m.LockOutUser(meta=META, login="ana", until=now + timedelta(minutes=15), failures=5, on=DAY))
    user = find_user(keel.app.unit_of_work(), "ana")
    assert user.can_log_in(now) == "user ana is locked out until 2026-10-02T09:15+00:00"
    assert user.can_log_in(now + timedelta(minutes=16)) is None
    keel.app.handle(m.SetUserPassword(meta=META, login="ana", secret_argon2=OTHER, on=DAY))
    user = find_user(keel.app.unit_of_work(), "ana")
    assert (user.can_log_in(now), user.secret_argon2) == (None, OTHER)
    keel.app.handle(m.SetUserRoles(meta=META, login="ana", roles=("accountant",), on=DAY))
    assert find_user(keel.app.unit_of_work(), "ana").roles == ["accountant"]
    with pytest.raises(InvalidTransition, match="has these roles already"):
        keel.app.handle(m.SetUserRoles(meta=META, login="ana", roles=("accountant",), on=DAY))


def test_a_users_secret_is_never_public(keel: Keel) -> None:
    _user(keel, "ana")
    keel.app.handle(m.SetUserPassword(meta=META, login="ana", secret_argon2=OTHER, on=DAY))
    for position, event in keel.app.read_log(0, 100):
        found = public_event(position, datetime.now(UTC), event)
        assert found is not None and "$argon2id$" not in str(found) and "secret_argon2" not in found["data"]


def test_the_users_list_shows_roles_and_state_never_the_secret(keel: Keel) -> None:
    _user(keel, "ana")
    _user(keel, "ben")
    now = datetime(2026, 10, 2, 9, 0, tzinfo=UTC)
    keel.app.handle(m.DisableUser(meta=META, login="ben", reason="left", on=DAY))
    keel.app.handle(m.LockOutUser(meta=META, login="ana", until=now, failures=5, on=DAY))
    keel.engine.catch_up()
    page = list_users(keel.views, None, None, 1)
    assert [u.login for u in page.items] == ["ana"] and page.next_cursor
    assert [u.login for u in list_users(keel.views, None, page.next_cursor, 10).items] == ["ben"]
    assert [u.login for u in list_users(keel.views, True, None, 10).items] == ["ana"]
    ana, ben = get_user(keel.views, "ANA"), get_user(keel.views, "ben")
    assert ana is not None and ben is not None
    assert (ana.roles, ana.locked_until, ana.added_by, ana.version) == (["analyst", "sales"], now, "test:users", 2)
    assert (ben.disabled_on, ben.disable_reason) == (DAY, "left")
    keel.app.handle(m.SetUserPassword(meta=META, login="ana", secret_argon2=OTHER, on=DAY))
    keel.engine.catch_up()
    after = get_user(keel.views, "ana")
    assert after is not None and after.locked_until is None and after.password_set_at > ana.password_set_at
    assert "argon2" not in repr(after)


def test_keel_users_adds_lists_and_disables_people_with_hashed_passwords(
    keel: Keel, keel_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEEL_DATA_DIR", str(keel_settings.data_dir))
    if keel_settings.database_url:
        monkeypatch.setenv("KEEL_DATABASE_URL", keel_settings.database_url)
    else:
        monkeypatch.delenv("KEEL_DATABASE_URL", raising=False)
    run = CliRunner().invoke
    added = run(
        cli,
        ["users", "add", "Ana", "--role", "accountant", "--name", "Ana Lima", "--password-stdin"],
        "a long passphrase\n",
    )
    assert (added.exit_code, added.stdout) == (0, "user ana added (accountant)\n")
    before = keel.app.head_position()
    for args, said in (
        (
            ["users", "add", "ben", "--role", "sales", "--password-stdin"],
            "error: password: at least 10 characters, got 5",
        ),
        (
            ["users", "add", "ben", "--role", "integration", "--password-stdin"],
            "error: roles: integration is a machine's role",
        ),
        (["users", "add", "ana", "--role", "sales", "--password-stdin"], "error: there is a user ana already"),
        (["users", "disable", "nobody"], "error: there is no user nobody"),
    ):
        done = run(cli, args, "short\n")
        assert done.exit_code == 1 and done.stderr.startswith(said) and len(done.stderr.splitlines()) == 1, done.output
    assert keel.app.head_position() == before
    user = find_user(keel.app.unit_of_work(), "ana")
    assert verify_password(user.secret_argon2, "a long passphrase") and not verify_password(user.secret_argon2, "wrong")
    assert run(cli, ["users", "disable", "ana", "--reason", "on leave"]).exit_code == 0
    listed = json.loads(run(cli, ["users", "list", "--format", "json"]).stdout)["rows"]
    assert [(r["login"], r["name"], r["roles"], r["disabled_on"]) for r in listed] == [
        ("ana", "Ana Lima", "accountant", str(date.today()))
    ]
    assert "argon2" not in str(listed)
