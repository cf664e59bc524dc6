"""Passwords, at the edge only (ADR 0048): checked against the input policy, hashed with Argon2id,
verified in constant time. The domain sees the encoded hash, never the password.

Argon2id with argon2-cffi's default parameters — RFC 9106's second recommendation (64 MiB of
memory, 3 passes, 4 lanes) — about a tenth of a second on a quiet core. A hash made with other
parameters still verifies; ``needs_rehash`` tells the caller to store a new one after a
successful login.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ledger.errors import InvalidValue
from ledger.policy import TextRule, check_text

MIN_LENGTH = 10  # NIST SP 800-63B asks for at least 8; a passphrase is encouraged
PASSWORD = TextRule("password", 256)  # one line, no control characters, at most 256 characters
_HASHER = PasswordHasher()


def check_password(password: str) -> str:
    """The password if the policy accepts it; else ``InvalidValue`` saying why (never echoing it)."""
    if len(password) < MIN_LENGTH:
        raise InvalidValue(f"password: at least {MIN_LENGTH} characters, got {len(password)}")
    if not password.strip():
        raise InvalidValue("password: not only spaces")
    try:
        check_text(password, PASSWORD, "password")
    except InvalidValue as exc:  # its words name the character, not the password
        raise InvalidValue(str(exc)) from None
    return password


def hash_password(password: str) -> str:
    """The Argon2id hash of a password the policy accepts (``$argon2id$v=19$…``)."""
    return _HASHER.hash(check_password(password))


def verify_password(secret_argon2: str, password: str) -> bool:
    """Whether the password is the one hashed; False for a wrong password or a damaged hash."""
    try:
        return _HASHER.verify(secret_argon2, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(secret_argon2: str) -> bool:
    """Whether the hash was made with parameters other than today's."""
    return _HASHER.check_needs_rehash(secret_argon2)
