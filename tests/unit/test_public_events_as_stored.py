"""An event's public form made from its stored JSON (the log export's way, ADR 0064) is the one
made from the decoded event (webhooks' and the stream's): for events in their current form, for
old forms the upcasters change, for lines stored under old field names, and for numbers orjson
would read otherwise than the library."""

from __future__ import annotations

import json
from uuid import UUID, uuid5

import pytest
from eventsourcing.persistence import StoredEvent
from hypothesis import given
from hypothesis import strategies as st
from stored_forms import AGG, BASE

from commands.adapters.recorders import StoredRow
from commands.adapters.stored_states import stored_states
from commands.application import KeelApplication
from projections.exports.log import _json
from projections.public_events import _NAMESPACE, event_id, public_event
from projections.public_stored import public_stored

MOMENT = None
OTHER = "00000000000000000000000000000002"
LINES = (
    '"journal":[{"_type_":"keel_journal_line","_data_":{"account":"6800","amount":"5.00","currency":"EUR",'
    '"functional":"5.00","cost_center":"OPS"}},'
    '{"_type_":"keel_journal_line","_data_":{"account":"1100","amount":"-5.00","currency":"EUR",'
    '"functional":"-5.00","customer_id":"c","invoice_id":"i"}}]'
)


@pytest.fixture(scope="module")
def app() -> KeelApplication:
    return KeelApplication("memory://")


def both_ways(app: KeelApplication, topic: str, version: int, body: str) -> tuple[object, object, bool]:
    """The public form made from the stored fields, from the decoded event, and whether the
    stored fields were given (the event is in its class's current form)."""
    raw = ("{" + BASE + "," + body + "}").encode()
    [stored] = stored_states(app.mapper, [StoredRow(7, AGG, version, topic, raw, None)])
    decoded = app.mapper.to_domain_event(StoredEvent(AGG, version, topic, raw))
    return public_stored(7, MOMENT, stored, app), public_event(7, MOMENT, decoded), stored.state is not None


def test_an_event_in_its_current_form_reads_the_same_without_being_decoded(app: KeelApplication) -> None:
    body = (
        '"originator_topic":"keel.Customer","name":"Acme \\u00e9\\n\\u2028\\"","payment_terms_days":30,'
        f'"currency":"EUR","owner_id":{{"_type_":"uuid_hex","_data_":"{OTHER}"}},"billing_email":null,'
        '"tags":[{"a":{"_type_":"decimal_str","_data_":"1E+3"}}],"api_key_sha256":"abc"'
    )
    from_stored, from_event, as_stored = both_ways(app, "keel.customer.Registered.v1", 1, body)
    assert as_stored and from_stored == from_event
    assert json.dumps(from_stored) == json.dumps(from_event)  # the same keys in the same order
    assert "api_key_sha256" not in from_stored["data"]  # type: ignore[index]


def test_an_old_form_is_decoded_and_upcast(app: KeelApplication) -> None:
    body = (
        f'"originator_topic":"keel.Invoice","customer_id":{{"_type_":"uuid_hex","_data_":"{OTHER}"}},'
        '"currency":"EUR","lines":[{"_type_":"keel_invoice_line","_data_":{"description":"Design","quantity":"2",'
        '"unit_price":"50.00"}}],"tax_percent":{"_type_":"decimal_str","_data_":"24"}'
    )
    from_stored, from_event, as_stored = both_ways(app, "keel.invoice.Drafted.v1", 1, body)
    assert not as_stored and from_stored == from_event
    assert from_stored["data"]["lines"][0]["tax_rate"] == "24"  # type: ignore[index]


def test_lines_under_old_names_and_with_defaults_read_as_decoded(app: KeelApplication) -> None:
    body = '"amount":{"_type_":"decimal_str","_data_":"5.00"},"reason":"gone",' + LINES
    from_stored, from_event, as_stored = both_ways(app, "keel.invoice.WrittenOff.v1", 3, body)
    assert as_stored and json.dumps(from_stored) == json.dumps(from_event)
    first, second = from_stored["data"]["journal"]  # type: ignore[index]
    assert first["memo"] == "" and first["role"] is None and first["cost_center"] == "OPS"
    assert second["party_id"] == "c" and second["document_id"] == "i"


@pytest.mark.parametrize("number", ["1.5", "1e3", "123456789012345678901234567890", "-18446744073709551617"])
def test_a_number_orjson_would_read_otherwise_is_read_by_decoding(app: KeelApplication, number: str) -> None:
    body = f'"originator_topic":"keel.Customer","name":"Acme","payment_terms_days":{number},"currency":"EUR"'
    from_stored, from_event, _ = both_ways(app, "keel.customer.Registered.v1", 1, body)
    assert from_stored == from_event


def test_an_event_that_is_not_public_stays_out(app: KeelApplication) -> None:
    body = '"originator_topic":"keel.Webhook","url":"https://example.com","secret":"s"'
    from_stored, from_event, _ = both_ways(app, "keel.webhook.Subscribed.v1", 1, body)
    assert from_stored is None and from_event is None


@given(st.uuids(), st.integers(min_value=1, max_value=2**53))
def test_event_ids_are_uuid5_of_the_aggregate_and_version(aggregate: UUID, version: int) -> None:
    assert event_id(aggregate, version) == str(uuid5(_NAMESPACE, f"{aggregate}/{version}"))


ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()))  # lone surrogates too
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**53), max_value=2**53) | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@given(st.dictionaries(ANY_TEXT, JSON_VALUES, max_size=6))
def test_the_log_file_writes_data_as_the_standard_library_would(data: dict[str, object]) -> None:
    assert _json(data) == json.dumps(data, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize(
    ("field", "stored", "public"),
    [
        ("amount", '{"_type_":"decimal_str","_data_":"+5.00"}', "5.00"),
        ("amount", '{"_type_":"decimal_str","_data_":"1e3"}', "1E+3"),
        ("amount", '{"_type_":"decimal_str","_data_":5}', "5"),
        ("effective_date", '"20260228"', "2026-02-28"),
        ("timestamp_of", '{"_type_":"datetime_iso","_data_":"2026-02-28T10:00:00Z"}', "2026-02-28T10:00:00+00:00"),
        ("invoice_id", '{"_type_":"uuid_hex","_data_":"0000000000000000000000000000000A"}', f"{UUID(int=10)}"),
    ],
)
def test_text_an_import_kept_as_it_came_reads_as_decoding_rewrites_it(
    app: KeelApplication, field: str, stored: str, public: str
) -> None:
    """``keel import events`` stores each event's JSON as the file had it: text decoding reads
    ("+5.00", "1e3", a basic ISO date, "Z") is written the way ``plain`` writes the value."""
    lines = LINES.replace('"amount":"5.00"', '"amount":"+5"')
    if field == "effective_date":  # the base fields' own date, as the file had it
        raw = ("{" + BASE.replace('"2026-02-28"', stored) + ',"reason":"gone",' + lines + "}").encode()
    else:
        raw = ("{" + BASE + f',"reason":"gone","{field}":{stored},' + lines + "}").encode()
    [row] = stored_states(app.mapper, [StoredRow(7, AGG, 3, "keel.invoice.WrittenOff.v1", raw, None)])
    decoded = app.mapper.to_domain_event(StoredEvent(AGG, 3, "keel.invoice.WrittenOff.v1", raw))
    from_stored, from_event = public_stored(7, MOMENT, row, app), public_event(7, MOMENT, decoded)
    assert row.state is not None and json.dumps(from_stored) == json.dumps(from_event)
    found = from_stored["effective_date"] if field == "effective_date" else from_stored["data"][field]  # type: ignore[index]
    assert found == public
    assert from_stored["data"]["journal"][0]["amount"] == "5"  # type: ignore[index]


def test_an_event_holding_nan_is_decoded_not_refused(app: KeelApplication) -> None:
    body = '"originator_topic":"keel.Customer","name":"Acme","payment_terms_days":NaN,"currency":"EUR"'
    from_stored, from_event, as_stored = both_ways(app, "keel.customer.Registered.v1", 1, body)
    assert not as_stored and json.dumps(from_stored) == json.dumps(from_event)
