"""The one error a statement reader raises: what is wrong, and where in the file."""

from __future__ import annotations

from ledger.errors import InvalidValue


class StatementError(InvalidValue):
    """A statement file refused: names the file (when known), the part (``line 12``, an XML path) and the field.

    A subclass of the domain's ``InvalidValue``, so the HTTP layer answers it with a 422 problem
    and the CLI with one line. ``where`` and ``field`` are kept apart for callers that list errors.
    """

    def __init__(
        self, message: str, *, where: str | None = None, field: str | None = None, filename: str | None = None
    ):
        self.message, self.where, self.field, self.filename = message, where, field, filename
        super().__init__(self._render())

    def _render(self) -> str:
        place = " ".join(part for part in (self.filename, self.where) if part)
        subject = f"{self.field}: " if self.field and not self.message.startswith(f"{self.field}:") else ""
        return f"{place}: {subject}{self.message}" if place else f"{subject}{self.message}"

    def in_file(self, filename: str | None) -> StatementError:
        """The same error naming the file it came from."""
        if filename is None or self.filename is not None:
            return self
        return StatementError(self.message, where=self.where, field=self.field, filename=filename)


class StatementTooLarge(StatementError):
    """The file is larger than the reader accepts (``max_bytes``); nothing of it was parsed."""
