"""The analysts' datasets as Parquet files (pyarrow), with their provenance.

``export_snapshot`` writes the chosen datasets of one ``Snapshot`` into a directory: each file a
batch at a time (memory stays flat whatever the history's size), each into a folder beside the
target that becomes the target by one rename once everything is written, so a reader never sees
half an export. ``_provenance.json`` says what the files are: the snapshot (as of, known at, log
position), each file's rows and SHA-256, and a digest over all of it; each file carries the same
snapshot in its metadata (``keel.snapshot``).
"""

from __future__ import annotations

import hashlib
import io
import json
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from api.exports.arrays import record_batch
from api.exports.parts import Processes, batches_in_processes
from ledger.errors import InvalidValue
from projections.engine.reading import fewer_collections
from projections.exports.catalog import DATASETS
from projections.exports.datasets import DECIMAL_SCALE, MONEY_SCALE, Dataset, Snapshot, Sources
from projections.plugins import plugin_dataset

PROVENANCE = "_provenance.json"
_TYPES: dict[str, Callable[[], pa.DataType]] = {
    "int64": pa.int64,
    "text": pa.string,
    "json": pa.string,
    "bool": pa.bool_,
    "date": pa.date32,
    "timestamp": lambda: pa.timestamp("us", tz="UTC"),
    "money": lambda: pa.decimal128(38, MONEY_SCALE),
    "decimal": lambda: pa.decimal128(38, DECIMAL_SCALE),
}

if TYPE_CHECKING:
    from api.system import Keel


@dataclass(frozen=True)
class Written:
    dataset: str
    file: str
    rows: int
    sha256: str


def arrow_schema(dataset: Dataset, snapshot: Snapshot) -> pa.Schema:
    fields = [
        pa.field(c.name, _TYPES[c.kind](), metadata={"description": c.description, "kind": c.kind})
        for c in dataset.columns
    ]
    return pa.schema(
        fields, metadata={"keel.snapshot": json.dumps(snapshot_json(snapshot)), "keel.dataset": dataset.name}
    )


def snapshot_json(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "as_of": snapshot.as_of.isoformat() if snapshot.as_of else None,
        "known_at": snapshot.known_at.isoformat() if snapshot.known_at else None,
        "position": snapshot.position,
        "functional_currency": snapshot.functional_currency,
    }


def take_snapshot(
    keel: Keel,
    as_of: date | None,
    known_at: datetime | None,
    known_position: int | None,
    datasets: Sequence[Dataset],
    scopes: frozenset[str] | None = None,
) -> Snapshot:
    """The snapshot an export reads: the log position known at ``known_at`` (or the head), no
    further than the slowest read model the ``datasets`` read has folded, so every file of an
    export stands at one position. A ``known_at`` before the first event is refused."""
    position = keel.app.head_position() if known_position is None else known_position
    if known_at is not None and position == 0:
        raise InvalidValue(f"known_at {known_at.isoformat()} is before the first event: nothing was known then")
    folded, plugins = keel.engine.positions(), keel.plugins
    for name in {name for d in datasets for name in d.reads if name not in plugins}:
        position = min(position, folded.get(name, 0))
    for name in {name for d in datasets for name in d.reads if name in plugins}:  # a plug-in never pins the rest
        if folded.get(name, 0) < position:
            stopped = next((s.failure for s in keel.engine.status() if s.name == name and s.failure), None)
            why = f"stopped: {stopped.error}" if stopped else "still folding"
            raise InvalidValue(f"plug-in {name} is at position {folded.get(name, 0)}, behind {position} ({why})")
    return Snapshot(as_of, known_at, position, keel.functional_currency, scopes)


def write_dataset(
    dataset: Dataset, sources: Sources, snapshot: Snapshot, path: Path, processes: Processes | None = None
) -> Written:
    """One dataset into ``path``, a record batch at a time: parsed by Arrow from the database's
    own CSV where the dataset has it (PostgreSQL), read by ``processes`` where it can be split
    among them (a long log), else converted from Python columns here."""
    schema = arrow_schema(dataset, snapshot)
    rows = 0
    copied = dataset.as_csv(sources, snapshot) if dataset.as_csv is not None else None
    if copied is not None:
        batches = _from_csv(copied, schema)
    elif processes is not None and processes.split(dataset, snapshot):
        batches = batches_in_processes(dataset, snapshot, schema, processes)
    else:
        batches = _converted(dataset, sources, snapshot, schema)
    with closing(batches), pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for batch in batches:
            writer.write_batch(batch)
            rows += batch.num_rows
    return Written(dataset.name, path.name, rows, _sha256(path))


def _converted(dataset: Dataset, sources: Sources, snapshot: Snapshot, schema: pa.Schema) -> Generator[pa.RecordBatch]:
    for batch in dataset.batches(sources, snapshot):
        yield record_batch(batch, schema)


def _from_csv(chunks: Iterator[bytes], schema: pa.Schema) -> Generator[pa.RecordBatch]:
    """CSV as PostgreSQL's COPY writes it: NULL is an empty unquoted field, "" an empty text."""
    stream = _Chunks(chunks)
    try:
        yield from _parsed(io.BufferedReader(stream, buffer_size=1 << 20), schema)
    finally:
        stream.close()


def _parsed(stream: io.BufferedReader, schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    reader = pa_csv.open_csv(
        stream,
        read_options=pa_csv.ReadOptions(column_names=schema.names, block_size=4 << 20),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types={f.name: f.type for f in schema},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )
    for batch in reader:
        yield pa.RecordBatch.from_arrays(batch.columns, schema=schema)  # with the file's metadata


class _Chunks(io.RawIOBase):
    """A stream over an iterator of byte chunks (what Arrow's CSV reader reads from), read ahead
    in a thread: the database's COPY goes on while Arrow parses and writes the block before (at
    most a few blocks of ~1 MB are held). Closed early, it stops the reading and the COPY."""

    BLOCK = 1 << 20

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._blocks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=8)
        self._stop = threading.Event()
        self._left = memoryview(b"")
        self._done = False
        self._reader = threading.Thread(target=self._read_ahead, args=(chunks,), name="keel-copy", daemon=True)
        self._reader.start()

    def _read_ahead(self, chunks: Iterator[bytes]) -> None:
        parts: list[bytes] = []
        size = 0
        try:
            for chunk in chunks:  # COPY gives a row at a time: blocks of ~1 MB for Arrow
                parts.append(chunk)
                size += len(chunk)
                if size >= self.BLOCK:
                    if not self._put(b"".join(parts)):
                        return
                    parts, size = [], 0
            self._put(b"".join(parts))
            self._put(None)
        except BaseException as exc:  # the reading's failure is the export's, raised where it reads
            self._put(exc)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()  # a generator over a COPY: its connection goes back to the pool

    def _put(self, item: bytes | BaseException | None) -> bool:
        while not self._stop.is_set():
            try:
                self._blocks.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._left and not self._done:
            block = self._blocks.get()
            if isinstance(block, BaseException):
                raise block
            if block is None:
                self._done = True
            else:
                self._left = memoryview(block)
        n = min(len(buffer), len(self._left))
        buffer[:n] = self._left[:n]
        self._left = self._left[n:]
        return n

    def close(self) -> None:
        self._stop.set()
        self._reader.join(timeout=30)
        super().close()


def export_snapshot(
    keel: Keel, directory: Path, snapshot: Snapshot, names: Sequence[str] = (), force: bool = False
) -> list[Written]:
    """Write ``names`` (all datasets if none) of ``snapshot`` into ``directory`` as Parquet, with
    ``_provenance.json``. An existing directory that is not empty is refused unless ``force``:
    then it is moved aside, the new export renamed into its place, and only then deleted."""
    chosen = datasets_named(names, keel)
    target = directory.absolute()
    if directory.is_symlink() or (target.exists() and not target.is_dir()):
        raise InvalidValue(f"{directory} is not a directory Keel may write: choose a new one")
    if Path.cwd().resolve().is_relative_to(target.resolve()):
        raise InvalidValue(f"{directory} holds the current directory: choose a new one")
    if target.exists() and any(target.iterdir()) and not force:
        raise InvalidValue(f"{directory} exists and is not empty: choose another directory, or --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    partial.chmod(0o755)  # mkdtemp's 0700 would outlive the rename: an export is for others to read
    try:
        written = write_files(keel, partial, snapshot, chosen)
        replaced = target.with_name(f"{partial.name}.replaced") if target.exists() else None
        if replaced is not None:
            target.rename(replaced)
        try:
            partial.rename(target)
        except BaseException:
            if replaced is not None:  # the old export back where it was
                replaced.rename(target)
            raise
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    if replaced is not None:
        shutil.rmtree(replaced, ignore_errors=True)
    return written


def write_files(keel: Keel, directory: Path, snapshot: Snapshot, chosen: Sequence[Dataset]) -> list[Written]:
    """The ``chosen`` datasets as Parquet files in ``directory``, with ``_provenance.json``."""
    sources = Sources(keel.views, keel.app)
    processes = Processes(keel.settings.event_store_url, keel.app.functional_currency())
    with fewer_collections():  # a command's process (not the server's): millions of short-lived rows
        written = [write_dataset(d, sources, snapshot, directory / f"{d.name}.parquet", processes) for d in chosen]
    (directory / PROVENANCE).write_text(json.dumps(provenance(snapshot, written), indent=2) + "\n")
    return written


def datasets_named(names: Sequence[str], keel: Keel | None = None) -> list[Dataset]:
    """The datasets ``names``, Keel's and (given ``keel``) its plug-ins' answers; none: Keel's own."""
    found = catalog(keel)
    unknown = [n for n in names if n not in found]
    if unknown:
        raise LookupError(f"no dataset {', '.join(unknown)}; there are {', '.join(found)}")
    return [found[n] for n in names] if names else list(DATASETS.values())


def catalog(keel: Keel | None) -> dict[str, Dataset]:
    """Every dataset by name: Keel's, then each plug-in projection's answer."""
    plugins = {name: plugin_dataset(p) for name, p in keel.plugins.items()} if keel is not None else {}
    return {**DATASETS, **plugins}


def provenance(snapshot: Snapshot, written: Sequence[Written]) -> dict[str, Any]:
    body = {
        "schema": "keel.export",
        "version": 1,
        "snapshot": snapshot_json(snapshot),
        "written_at": datetime.now(UTC).isoformat(),
        "datasets": {w.dataset: {"file": w.file, "rows": w.rows, "sha256": w.sha256} for w in written},
    }
    canonical = json.dumps({k: v for k, v in body.items() if k != "written_at"}, sort_keys=True).encode()
    return {**body, "digest": hashlib.sha256(canonical).hexdigest()}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
