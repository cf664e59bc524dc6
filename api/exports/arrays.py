"""A dataset's batch of Python columns as an Arrow record batch."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from projections.exports.datasets import MONEY_SCALE, Batch, MinorUnits


def record_batch(batch: Batch, schema: pa.Schema) -> pa.RecordBatch:
    arrays = [arrow_array(values, field.type) for values, field in zip(batch, schema, strict=True)]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def arrow_array(values: Sequence[Any] | MinorUnits, kind: pa.DataType) -> pa.Array:
    if not isinstance(values, MinorUnits):
        return pa.array(values, type=kind)
    # Minor units scaled to the column's 4 places, then read as decimals of 4 places:
    # decimal128(38, 0) and (38, 4) share their layout, so a view divides by 10^4 exactly, with no
    # Decimal made per row. A value past 64 bits once scaled (checked) takes the exact slow way.
    scale = pa.array([10 ** (MONEY_SCALE - e) for e in values.exponents], type=pa.int64())
    try:
        scaled = pc.multiply_checked(pa.array(values.values, type=pa.int64()), scale)
    except pa.ArrowInvalid:
        exact = [Decimal(v).scaleb(-e) for v, e in zip(values.values, values.exponents, strict=True)]
        return pa.array(exact, type=kind)
    return scaled.cast(pa.decimal128(38, 0)).view(kind)
