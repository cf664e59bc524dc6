"""The demo's person for the web app: ``demo``, with every role, and a password made for this store.

Not part of the story (the quarter is the same bytes everywhere): a login is made when
``keel demo`` loads a store, with a random password printed once, so the first command of the
README ends in a web app someone can log in to — and no two demo stores share a password.
"""

from __future__ import annotations

import secrets

from api.passwords import hash_password
from commands import messages as m
from commands.access.users import find_user
from commands.application import KeelApplication
from ledger.errors import NotFound
from ledger.events import Meta

LOGIN = "demo"
ROLES = ("accountant", "sales", "auditor", "analyst", "admin")


def add_demo_user(app: KeelApplication) -> str | None:
    """Add ``demo`` with a new random password and return the password; None if there is one."""
    try:
        find_user(app.unit_of_work(), LOGIN)
        return None
    except NotFound:
        pass
    password = secrets.token_urlsafe(12)  # 16 characters, 96 bits
    secret = hash_password(password)
    app.handle(m.AddUser(meta=Meta("keel demo"), login=LOGIN, name="Demo", roles=ROLES, secret_argon2=secret))
    return password
