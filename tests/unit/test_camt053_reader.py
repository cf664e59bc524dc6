"""CAMT.053 statements (issue 18): the demo file read as an accountant would check it, every bad value refused
naming its XML path and field, and hostile XML refused safely."""

from __future__ import annotations

import io
import resource
import time
from datetime import date
from pathlib import Path

import pytest
from statement_files import FIXTURES, MAIN, SECOND, eur, read, refusal

from api.statements import (
    StatementError,
    StatementTooLarge,
    read_statement,
    read_statements,
)
from ledger.errors import InvalidValue

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
