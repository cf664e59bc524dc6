"""Bank statement readers (issue 18): the demo files read as an accountant would check them, and every
bad or hostile file refused with one error naming the file, the place and the field."""

from __future__ import annotations

import io
import resource
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from api.statements import (
    ColumnMapping,
    StatementError,
    StatementTooLarge,
    detect_format,
    iter_statement,
    read_statement,
    read_statements,
)
from ledger.bank_statements import Statement, StatementLine, check_iban
from ledger.errors import InvalidValue
from ledger.money import Money

FIXTURES = Path(__file__).parent.parent / "fixtures" / "statements"
MAIN, SECOND, THIRD = "GR1601101250000000012300695", "DE89370400440532013000", "DE44500105175407324931"
GERMAN = ColumnMapping(
    date="Buchungstag",
    date_format="%d.%m.%Y",
    value_date="Valuta",
    debit="Soll",
    credit="Haben",
    description=("Verwendungszweck",),
    reference="Kundenreferenz",
    counterparty="Auftraggeber/Empfänger",
    counterparty_iban="IBAN",
    decimal=",",
    thousands=".",
    delimiter=";",
    encoding="cp1252",
    skip_rows=3,
)


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def read(name: str, **options: object) -> Statement:
    return read_statement((FIXTURES / name).read_bytes(), filename=name, **options)  # type: ignore[arg-type]


def refusal(data: bytes, **options: object) -> StatementError:
    with pytest.raises(StatementError) as caught:
        read_statement(data, filename="upload", **options)  # type: ignore[arg-type]
    return caught.value


# -- CAMT.053 ---------------------------------------------------------------------------------------


def test_the_demo_camt_statement_adds_up_from_its_opening_to_its_closing_balance() -> None:
    statement = read("camt053_v02_demo.xml")
    assert (statement.account, statement.currency, statement.source_format) == (MAIN, "EUR", "camt.053.001.02")
    assert (statement.from_date, statement.to_date) == (date(2026, 10, 1), date(2026, 10, 15))
    assert (statement.opening_balance, statement.closing_balance) == (eur("24310.55"), eur("33645.45"))
    assert len(statement.lines) == 7  # 5 booked entries, one of them a batch of 3; the pending one left out
    assert statement.balance_difference() == eur("0.00")


def test_a_camt_line_paying_an_invoice_carries_its_number_payer_and_iban() -> None:
    atlas = read("camt053_v02_demo.xml").lines[0]
    assert atlas.amount == eur("5555.20") and atlas.booking_date == date(2026, 10, 2)
    assert "INV-2026-0007" in atlas.description
    assert (atlas.counterparty_name, atlas.counterparty_iban) == ("Atlas Logistics", "DE62370400440532013001")
    assert (atlas.reference, atlas.bank_reference) == ("ATLAS-PAY-1002", "2026100200014471")


def test_a_batch_booked_camt_entry_becomes_one_line_per_transaction_with_the_creditor() -> None:
    batch = [line for line in read("camt053_v02_demo.xml").lines if line.booking_date == date(2026, 10, 5)]
    assert [line.amount for line in batch] == [eur("-2000.00"), eur("-297.60"), eur("-793.60")]
    assert [line.counterparty_name for line in batch] == ["Harbour Properties", "CloudDesk Ltd", "Copperline Print"]
    assert [line.bank_reference for line in batch] == [f"2026100500007310/{i}" for i in (1, 2, 3)]
    assert batch[2].reference == "CL-2026-044"  # the structured creditor reference
    assert len({line.line_key for line in batch}) == 3


def test_a_camt_payment_with_a_bank_fee_deducted_records_the_charges() -> None:
    northwind = read("camt053_v02_demo.xml").lines[4]
    assert northwind.amount == eur("5639.40") and northwind.charges == eur("15.00")
    assert northwind.amount + northwind.charges == eur("5654.40")  # INV-2026-0008's total
    assert northwind.reference is None  # NOTPROVIDED is no reference


def test_camt_053_001_08_reads_the_same_lines_as_001_02() -> None:
    v02, v08 = read("camt053_v02_demo.xml"), read("camt053_v08_demo.xml")
    assert v08.source_format == "camt.053.001.08"
    assert v08.lines == v02.lines
    assert (v08.opening_balance, v08.closing_balance) == (v02.opening_balance, v02.closing_balance)


def camt(entries: str, balances: str = "", version: str = "02", account: str = MAIN) -> bytes:
    return f"""<?xml version="1.0"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}"><BkToCstmrStmt><Stmt><Id>S</Id>
<Acct><Id><IBAN>{account}</IBAN></Id><Ccy>EUR</Ccy></Acct>{balances}{entries}</Stmt></BkToCstmrStmt></Document>""".encode()


def entry(amount: str = "10.00", ccy: str = "EUR", booked: str = "<Dt>2026-10-01</Dt>", sign: str = "CRDT") -> str:
    return (
        f'<Ntry><Amt Ccy="{ccy}">{amount}</Amt><CdtDbtInd>{sign}</CdtDbtInd><Sts>BOOK</Sts>'
        f"<BookgDt>{booked}</BookgDt></Ntry>"
    )


@pytest.mark.parametrize(
    ("entries", "where", "message"),
    [
        (entry() + entry("12,50"), "Stmt[1]/Ntry[2]/Amt", "'12,50' is not an amount"),
        (entry(booked="<Dt>2026-02-30</Dt>"), "Stmt[1]/Ntry[1]/BookgDt/Dt", "'2026-02-30' is not a date"),
        (entry(ccy="XYZ"), "Stmt[1]/Ntry[1]/Amt", "Ccy: XYZ, but the account's currency is EUR"),
        (entry(sign="UP"), "Stmt[1]/Ntry[1]/CdtDbtInd", "'UP': expected CRDT or DBIT"),
        (entry(amount=""), "Stmt[1]/Ntry[1]/Amt", "Amt: missing amount"),
        (entry(amount="10.005"), "Stmt[1]/Ntry[1]/Amt", "more precision than EUR allows"),
        ("<Ntry><CdtDbtInd>CRDT</CdtDbtInd></Ntry>", "Stmt[1]/Ntry[1]/Amt", "Amt: missing"),
    ],
)
def test_a_bad_camt_value_is_refused_naming_its_xml_path_and_field(entries: str, where: str, message: str) -> None:
    error = refusal(camt(entries))
    assert f"upload /Document/BkToCstmrStmt/{where}" in str(error)
    assert message in str(error)
    assert isinstance(error, InvalidValue)  # the HTTP layer's 422


def test_an_unknown_currency_in_camt_is_refused_by_name() -> None:
    error = refusal(camt(entry(ccy="XYZ")).replace(b"<Ccy>EUR</Ccy>", b""))
    assert "unknown currency 'XYZ'" in str(error) and "Ntry[1]/Amt" in str(error)


def test_a_camt_statement_for_another_account_is_refused() -> None:
    error = refusal(camt(entry()), account=SECOND)
    assert f"the statement is for account {MAIN}, not {SECOND}" in str(error)


def test_a_camt_account_with_a_wrong_check_digit_is_refused() -> None:
    error = refusal(camt(entry(), account="GR1701101250000000012300695"))
    assert "Acct/Id/IBAN" in str(error) and "check digits do not match" in str(error)


def test_a_batch_whose_transactions_do_not_add_up_to_the_entry_is_refused() -> None:
    tx = '<TxDtls><Amt Ccy="EUR">{}</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>'
    batch = entry("30.00").replace("</Ntry>", f"<NtryDtls>{tx.format('10.00')}{tx.format('15.00')}</NtryDtls></Ntry>")
    assert "add up to 25.00, the entry books 30.00" in str(refusal(camt(batch, version="08")))


def test_a_document_with_several_statements_is_read_whole_by_read_statements() -> None:
    one = camt(entry()).decode()
    stmt = one[one.index("<Stmt>") : one.index("</Stmt>") + len("</Stmt>")]
    two = one.replace(stmt, stmt + stmt.replace("<Id>S</Id>", "<Id>T</Id>")).encode()
    statements = read_statements(two)
    assert [s.statement_id for s in statements] == ["S", "T"]
    assert "holds 2 statements" in str(refusal(two))


def test_an_xml_file_that_is_not_a_statement_is_refused_with_what_it_is() -> None:
    notification = camt(entry()).replace(b"camt.053.001.02", b"camt.054.001.02")
    assert "neither CAMT.053 nor OFX" in str(refusal(notification))
    assert "camt.052 and camt.054" in str(refusal(notification))


# -- hostile XML ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["hostile_billion_laughs.xml", "hostile_external_entity.xml", "hostile_doctype.xml"])
def test_a_doctype_is_refused_before_any_parsing_quickly_and_without_memory(name: str) -> None:
    before, started = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, time.perf_counter()
    with pytest.raises(StatementError, match="DOCTYPE"):
        read(name)
    assert time.perf_counter() - started < 1
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # kB: nothing expanded


def test_a_doctype_hidden_behind_a_long_prolog_is_refused_by_the_parser() -> None:
    prolog = b'<?xml version="1.0"?>\n<!--' + b"x" * 100_000 + b"-->\n"
    plain = prolog + (FIXTURES / "hostile_doctype.xml").read_bytes().split(b"\n", 1)[1]
    with pytest.raises(StatementError, match="DOCTYPE"):
        read_statement(plain, format="camt053")
    bomb = prolog + (FIXTURES / "hostile_billion_laughs.xml").read_bytes().split(b"\n", 1)[1]
    started = time.perf_counter()
    with pytest.raises(StatementError, match=r"DOCTYPE|entity amplification"):  # libxml2 stops it, unexpanded
        read_statement(bomb, format="camt053")
    assert time.perf_counter() - started < 1


def test_malformed_xml_is_refused_with_its_line() -> None:
    with pytest.raises(StatementError, match=r"hostile_malformed.xml line 75: malformed XML: .*AcctSvcrRef"):
        read("hostile_malformed.xml")


def test_a_file_over_the_size_bound_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.xml"
    with big.open("wb") as out:  # 60 MB of a plausible statement
        out.write(camt("").split(b"</Stmt>")[0])
        chunk = entry().encode() * 1000
        while out.tell() < 60 * 1024 * 1024:
            out.write(chunk)
    started = time.perf_counter()
    with big.open("rb") as upload, pytest.raises(StatementTooLarge, match="at most 52,428,800 bytes"):
        read_statement(upload)
    assert time.perf_counter() - started < 0.5
    unseekable = io.BufferedReader(io.BytesIO(b"x" * 2048))  # type: ignore[arg-type]
    unseekable.seekable = lambda: False  # type: ignore[method-assign]
    with pytest.raises(StatementTooLarge, match="more than 1,024 bytes"):
        read_statement(unseekable, max_bytes=1024)


# -- OFX --------------------------------------------------------------------------------------------


def test_the_demo_ofx_1_sgml_statement_reads_its_transactions_and_ledger_balance() -> None:
    statement = read("ofx1_demo.ofx")
    assert (statement.account, statement.currency, statement.source_format) == (SECOND, "EUR", "ofx-1")
    assert [line.amount for line in statement.lines] == [
        eur(a) for a in ("860.00", "-45.90", "3234.10", "-4.00", "420.00")
    ]
    helios = statement.lines[0]
    assert (helios.counterparty_name, helios.bank_reference, helios.booking_date) == (
        "Helios Foods",
        "202610030001",
        date(2026, 10, 3),
    )
    assert "INV-2026-0009" in helios.description
    assert statement.lines[2].reference == "NW-TRANSFER-1008"
    assert statement.closing_balance == eur("14464.20") and statement.opening_balance is None
    assert statement.balance_difference() is None


def test_ofx_2_xml_reads_the_same_lines_as_ofx_1() -> None:
    assert read("ofx2_demo.ofx").lines == read("ofx1_demo.ofx").lines


def test_a_truncated_ofx_file_is_refused_naming_the_unclosed_transaction() -> None:
    with pytest.raises(
        StatementError, match=r"hostile_truncated.ofx line \d+: .*ends inside <STMTTRN> opened on line 57"
    ):
        read("hostile_truncated.ofx")


def ofx_with(transaction: str) -> bytes:
    text = (FIXTURES / "ofx1_demo.ofx").read_text()
    start = text.index("<STMTTRN>")
    return (text[:start] + "<STMTTRN>\r\n" + transaction + "\r\n</STMTTRN>\r\n" + text[start:]).encode()


@pytest.mark.parametrize(
    ("transaction", "message"),
    [
        ("<DTPOSTED>20261003<TRNAMT>1,234.56<FITID>X1", "TRNAMT: '1,234.56' is not an amount"),
        ("<DTPOSTED>2026-10-03<TRNAMT>1.00<FITID>X1", "DTPOSTED: '2026-10-03' is not a date"),
        ("<DTPOSTED>20261003<FITID>X1", "TRNAMT: missing amount"),
        ("<DTPOSTED>20261003<TRNAMT>1.00<NAME>A\x00B", "control character U+0000"),
    ],
)
def test_a_bad_ofx_value_is_refused_naming_its_line_and_element(transaction: str, message: str) -> None:
    error = refusal(ofx_with(transaction))
    assert str(error).startswith(("upload line 39:", "upload line 40:")) and message in str(error)


def test_an_ofx_amount_with_a_decimal_comma_is_read() -> None:
    statement = read_statement(ofx_with("<DTPOSTED>20261003<TRNAMT>-12,50<FITID>X1"))
    assert statement.lines[0].amount == eur("-12.50")


# -- CSV --------------------------------------------------------------------------------------------


def test_a_german_csv_export_reads_decimal_commas_thousands_and_debit_credit_columns() -> None:
    statement = read("csv_demo_de.csv", mapping=GERMAN, account="DE44 5001 0517 5407 3249 31", currency="EUR")
    assert statement.account == THIRD and statement.source_format == "csv"
    assert [line.amount.amount for line in statement.lines] == [
        Decimal(a) for a in ("4060.00", "5535.20", "-182.40", "1250.00", "-4.50", "-4.50", "-9.90")
    ]
    assert statement.lines[2].counterparty_name == "Stadtwerke Köln"  # cp1252
    assert statement.lines[0].counterparty_iban == "GB82WEST12345698765432"
    assert (statement.from_date, statement.to_date) == (date(2026, 10, 2), date(2026, 10, 14))


def test_identical_csv_lines_on_one_day_get_distinct_keys_that_a_reimport_repeats() -> None:
    first = read("csv_demo_de.csv", mapping=GERMAN, account=THIRD, currency="EUR")
    coffee = [line for line in first.lines if line.counterparty_name == "Café Müller"]
    assert [line.occurrence for line in coffee] == [0, 1] and coffee[0].line_key != coffee[1].line_key
    again = read("csv_demo_de.csv", mapping=GERMAN, account=THIRD, currency="EUR")
    assert [line.line_key for line in again.lines] == [line.line_key for line in first.lines]


def test_a_csv_amount_with_two_decimal_separators_is_refused_with_its_line() -> None:
    mapping = ColumnMapping(
        date="Buchungstag", date_format="%d.%m.%Y", amount="Betrag", decimal=",", thousands=".", delimiter=";"
    )
    with pytest.raises(StatementError, match=r"line 3: Betrag: '12.345,6.7' is not an amount written 1.234,56"):
        read("hostile_bad_amount.csv", mapping=mapping, account=THIRD, currency="EUR")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("31.02.2026;x;1,00", "line 2: Datum: '31.02.2026' is not a date in the format %d.%m.%Y"),
        ("01.02.2026;x;1.00", "line 2: Betrag: '1.00' is not an amount written 1234,56"),
        ("01.02.2026;x;", "line 2: Betrag: missing amount"),
        ("01.02.2026;x", "line 2: Betrag: the row has 2 columns"),
    ],
)
def test_a_bad_csv_row_is_refused_naming_line_and_column(row: str, message: str) -> None:
    mapping = ColumnMapping(
        date="Datum", date_format="%d.%m.%Y", amount="Betrag", description=("Text",), decimal=",", delimiter=";"
    )
    error = refusal(f"Datum;Text;Betrag\n{row}\n".encode(), mapping=mapping, account=THIRD, currency="EUR")
    assert message in str(error)


def test_a_csv_mapping_naming_a_missing_column_is_refused_with_the_header() -> None:
    mapping = ColumnMapping(date="Date", amount="Amount")
    error = refusal(b"Datum,Betrag\n2026-10-01,1.00\n", format="csv", mapping=mapping, account=THIRD, currency="EUR")
    assert "line 1: Date: no column 'Date' in the header (it has 'Datum', 'Betrag')" in str(error)


def test_a_csv_needs_a_mapping_an_account_and_a_currency() -> None:
    assert "needs a column mapping" in str(refusal(b"a,b\n1,2\n"))
    assert "give both" in str(refusal(b"a,b\n1,2\n", mapping=ColumnMapping(date="a", amount="b")))


def test_a_column_mapping_that_contradicts_itself_is_refused() -> None:
    with pytest.raises(InvalidValue, match="either an amount column or debit and credit"):
        ColumnMapping(date="d", amount="a", debit="s", credit="h")
    with pytest.raises(InvalidValue, match="thousands separator"):
        ColumnMapping(date="d", amount="a", decimal=",", thousands=",")


# -- detection and the values ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("camt053_v02_demo.xml", "camt053"),
        ("camt053_v08_demo.xml", "camt053"),
        ("ofx1_demo.ofx", "ofx"),
        ("ofx2_demo.ofx", "ofx"),
        ("csv_demo_de.csv", "csv"),
    ],
)
def test_the_format_is_detected_from_the_bytes(name: str, kind: str) -> None:
    assert detect_format((FIXTURES / name).read_bytes()[:4096]) == kind


def test_iter_statement_streams_lines_then_the_statement_end_with_their_sum() -> None:
    parts = list(iter_statement((FIXTURES / "camt053_v02_demo.xml").open("rb")))
    *lines, end = parts
    assert all(isinstance(line, StatementLine) for line in lines)
    assert (end.line_count, end.lines_total, end.balance_difference()) == (7, eur("9334.90"), eur("0.00"))  # type: ignore[union-attr]


def test_a_statement_whose_balances_disagree_reports_the_difference() -> None:
    good = read("camt053_v02_demo.xml")
    off = Statement(
        good.account, "EUR", good.lines[1:], opening_balance=good.opening_balance, closing_balance=good.closing_balance
    )
    assert off.balance_difference() == eur("-5555.20")


def test_an_iban_is_checked_by_length_and_mod_97() -> None:
    assert check_iban("gr16 0110 1250 0000 0001 2300 695") == MAIN
    with pytest.raises(InvalidValue, match="check digits do not match"):
        check_iban("DE89370400440532013001")
    with pytest.raises(InvalidValue, match="an IBAN of DE has 22 characters"):
        check_iban("DE8937040044053201300")


def test_a_line_key_comes_from_the_bank_reference_else_from_what_the_line_says() -> None:
    base = StatementLine(account=MAIN, booking_date=date(2026, 10, 1), amount=eur("10.00"), description="x")
    assert (
        base.line_key
        == StatementLine(account=MAIN, booking_date=date(2026, 10, 1), amount=eur("10.0"), description="x").line_key
    )
    assert (
        base.line_key
        != StatementLine(
            account=MAIN, booking_date=date(2026, 10, 1), amount=eur("10.00"), description="x", occurrence=1
        ).line_key
    )
    with_ref = StatementLine(account=MAIN, booking_date=date(2026, 10, 1), amount=eur("10.00"), bank_reference="R1")
    assert (
        with_ref.line_key
        == StatementLine(
            account=MAIN, booking_date=date(2026, 10, 2), amount=eur("99.00"), bank_reference="R1"
        ).line_key
    )
    assert (
        with_ref.line_key
        != StatementLine(
            account=SECOND, booking_date=date(2026, 10, 1), amount=eur("10.00"), bank_reference="R1"
        ).line_key
    )


def test_a_line_is_bounded_by_the_input_policy() -> None:
    with pytest.raises(InvalidValue, match="description: at most 500 characters"):
        StatementLine(account=MAIN, booking_date=date(2026, 10, 1), amount=eur("1.00"), description="x" * 501)
    with pytest.raises(InvalidValue, match="larger than Keel accepts"):
        StatementLine(account=MAIN, booking_date=date(2026, 10, 1), amount=eur("1000000000000000"))
    with pytest.raises(InvalidValue, match="booking_date"):
        StatementLine(account=MAIN, booking_date=date(1800, 1, 1), amount=eur("1.00"))
