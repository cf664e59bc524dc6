"""The access commands: API keys issued and revoked.

Amounts travel as strings (parsed into Decimal by the domain), ids as UUIDs, dates as
``date``. ``on`` is the business (effective) date; it defaults to today. ``expected_version``
makes a command conditional on the version the client last saw.
"""

from __future__ import annotations

from dataclasses import dataclass

from commands.unit_of_work import Command


@dataclass(frozen=True, kw_only=True)
class IssueApiKey(Command):
    key_id: str
    name: str
    roles: tuple[str, ...]
    secret_sha256: str


@dataclass(frozen=True, kw_only=True)
class RevokeApiKey(Command):
    key_id: str
    reason: str = ""
