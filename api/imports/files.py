"""What every import file shares at the edge: its bytes bounded and digested, its text decoded, CSV
rows read with their line numbers, and the field checks that name line and field (ADR 0035)."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from commands import progress
from commands.messages import ImportSource
from ledger.imports import ImportProblem, ImportRefused, Problems

DEFAULT_MAX_BYTES = 100 * 1024 * 1024  # a 100,000-line file is under 10 MB
NAME_MAX = 150  # the file's name as events keep it ("name:line" stays a policy name)
FIELD_MAX = 1000  # no field of an import is longer; a longer one is refused, not truncated
_AMOUNT = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_DECIMAL_COMMA = re.compile(r"-?[0-9]{1,3}(\.[0-9]{3})*,[0-9]+|-?[0-9]+,[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


@dataclass(frozen=True)
class ImportFile:
    """An import's bytes with the name they came under."""

    name: str
    data: bytes

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def source(self, force: bool, lines: int, problems: Problems) -> ImportSource:
        """What the handler is told of the file, with the problems of form found in it."""
        found = tuple(problems.found)
        return ImportSource(file_name=self.name, digest=self.digest, lines=lines, force=force, problems=found)

    def text(self) -> str:
        """The bytes as UTF-8 text (a byte-order mark dropped); refused, naming the line, when they are not."""
        try:
            return self.data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = self.data[: exc.start].count(b"\n") + 1
            raise ImportRefused(self.name, [ImportProblem(line, "", "not UTF-8 text")]) from None


def file_name(raw: str | None) -> str:
    """The name a file is known by in events and errors: its last path part, bounded."""
    name = Path(raw or "upload").name or "upload"
    name = "".join(ch for ch in name if ch.isprintable())
    return name[:NAME_MAX] or "upload"


def read_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> ImportFile:
    """A file from disk, refused before it is read when larger than ``max_bytes``."""
    size = path.stat().st_size
    if size > max_bytes:
        too_large = ImportProblem(0, "", f"{size:,} bytes; at most {max_bytes:,} accepted")
        raise ImportRefused(file_name(path.name), [too_large])
    return ImportFile(file_name(path.name), path.read_bytes())


def csv_rows(
    file: ImportFile, needed: tuple[str, ...], problems: Problems, report: bool = True
) -> Iterator[tuple[int, dict[str, str]]]:
    """Each data row as {column: text}, with the line it ends on; a header names the columns (case
    and surrounding spaces ignored). The delimiter is a comma, or a semicolon when the header has
    semicolons and no commas. ``report``: the reading's progress is told (not when read again)."""
    text = file.text()
    first = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first and "," not in first else ","
    # The bytes decoded again as they are read (``text`` proved them UTF-8): a StringIO of the whole
    # text would hold it as four bytes a character, 12 MB for a 3 MB file (ADR 0046).
    lines = io.TextIOWrapper(io.BytesIO(file.data), encoding="utf-8-sig", newline="")
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        said = "the file is empty" if isinstance(exc, StopIteration) else f"not CSV: {exc}"
        raise ImportRefused(file.name, [ImportProblem(1, "", said)]) from None
    require_columns(file.name, set(header), needed)
    total = text.count("\n") + (0 if text.endswith("\n") else 1)
    del text  # not kept for the walk: a file's text is read again on each of an import's passes
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.add(reader.line_num, "", f"not CSV: {exc}")
            return
        line = reader.line_num
        if report:
            progress.every("reading", line, total)
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            problems.add(line, "", f"{len(cells)} fields, the header names {len(header)}")
            continue
        row = dict(zip(header, (cell.strip() for cell in cells), strict=False))
        long = next((k for k, v in row.items() if len(v) > FIELD_MAX), None)
        if long is not None:
            problems.add(line, long, f"at most {FIELD_MAX} characters")
            continue
        yield line, row


def require_columns(name: str, header: set[str], needed: tuple[str, ...]) -> None:
    """Refuse a file whose header lacks a column (nothing else can be read of it)."""
    missing = [c for c in needed if c not in header]
    if missing:
        said = f"the header lacks the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
        raise ImportRefused(name, [ImportProblem(1, "", said)])


def amount_text(problems: Problems, line: int, field: str, text: str, *, signed: bool = False) -> str | None:
    """An amount as the file wrote it, checked: ASCII digits and one '.' (no grouping, no decimal comma)."""
    if _AMOUNT.fullmatch(text) and (signed or not text.startswith("-")):
        return text
    if _DECIMAL_COMMA.fullmatch(text):
        problems.add(line, field, f"{text[:40]!r} has a decimal comma: write amounts with a '.' and no grouping")
    else:
        kind = "an amount" if signed else "a positive amount"
        problems.add(line, field, f"{text[:40]!r} is not {kind} (digits and one '.' for decimals)")
    return None


def date_of(problems: Problems, line: int, field: str, text: str) -> date | None:
    """A date as YYYY-MM-DD."""
    if _DATE.fullmatch(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    problems.add(line, field, f"{text[:40]!r} is not a date (YYYY-MM-DD)")
    return None
