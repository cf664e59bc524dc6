"""The domain's error hierarchy: each says, in one line, what was refused and why."""


class DomainError(Exception):
    """A command was refused by a business rule; nothing was written."""


class InvalidValue(DomainError):
    """A value is malformed or out of range (amounts, currencies, dates, rates)."""


class InvalidTransition(DomainError):
    """The command makes no sense in the aggregate's current state."""


class NotFound(DomainError):
    """The referenced aggregate does not exist."""


class Unbalanced(DomainError):
    """A journal entry does not balance in every currency."""


class AlreadyExists(DomainError):
    """An aggregate with the given id already exists."""


class VersionConflict(DomainError):
    """The aggregate changed since the version the client saw."""

    def __init__(self, message: str, current_version: int) -> None:
        super().__init__(message)
        self.current_version = current_version


class NotPermitted(DomainError):
    """The actor may not do this (approving one's own claim, approving for someone else)."""
