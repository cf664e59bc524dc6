"""Bank statement readers (issue 18): CAMT.053, OFX and CSV bytes into ``ledger.bank_statements`` values.

An edge adapter beside HTTP and the CLI: it parses and validates, and decides nothing about the
books. ``read_statement`` / ``read_statements`` / ``iter_statement`` are the way in
(``detect.py``); each format has its reader module.
"""

from api.statements.csv_statement import ColumnMapping, mapping_from
from api.statements.detect import FORMATS, Format, detect_format, iter_statement, read_statement, read_statements
from api.statements.errors import StatementError, StatementTooLarge
from api.statements.source import DEFAULT_MAX_BYTES, StatementEnd, StatementPart

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMATS",
    "ColumnMapping",
    "Format",
    "StatementEnd",
    "StatementError",
    "StatementPart",
    "StatementTooLarge",
    "detect_format",
    "iter_statement",
    "mapping_from",
    "read_statement",
    "read_statements",
]
