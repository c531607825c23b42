"""TinyDB storages that keep data in memory and replace their file atomically once per batch."""

from __future__ import annotations

import contextlib
import os
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from store.detached import DetachedTable, Piece, Region


class WriteFailed(Exception):
    """A write did not reach the disk (disk full, I/O error, no permission, or a file changed
    behind this process's back); memory was reloaded from what the file holds (if it can no
    longer be read, memory is left as it was and no write is tried)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"could not write {path} ({reason})")
        self.path = path
        self.reason = reason


class CorruptDataFile(Exception):
    """A data file exists but cannot be read; it is reported and never overwritten."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"data file {path} is unreadable ({reason}); it was left as it is")
        self.path = path
        self.reason = reason


def load_json_file(path: Path) -> dict[str, Any] | None:
    """The parsed contents of `path`, None when it does not exist, or CorruptDataFile."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    return _parse(path, raw)


def _parse(path: Path, raw: bytes) -> dict[str, Any]:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise CorruptDataFile(path, f"not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise CorruptDataFile(path, "top level is not an object")
    return data


LOG_META = "_log"
"""Top-level key of a file with a log table: its name, body length, CRC-32 and next id, and
the detached tables written between it and the log (name, length, CRC-32 of each)."""


@dataclass(slots=True)
class Layout:
    """A medium's content as read: the raw tables, the log's body and the detached tables
    left unread in the medium."""

    data: dict[str, Any] | None = None
    log_span: tuple[int, int] | None = None  # the log's body: offset, length
    log_crc: int = 0
    log_next: int = 1
    log_pending: list[bytes] = field(default_factory=list)  # entries not in that layout yet
    regions: dict[str, Region] = field(default_factory=dict)


def _log_checked(body: Piece, meta: Any, name: str) -> tuple[int, int] | None:
    """The next id and the CRC-32 of a log's body; None when the body is not valid JSON.

    The body is parsed only when its checksum does not match the one written with it: that
    saves reading the whole audit trail at every start, and a damaged or hand-edited body is
    still caught.
    """
    crc = zlib.crc32(body)
    if (
        isinstance(meta, dict) and meta.get("table") == name
        and meta.get("length") == len(body) and meta.get("crc32") == crc
        and isinstance(meta.get("next"), int)
    ):
        return meta["next"], crc
    try:
        entries = orjson.loads(b"{" + bytes(body) + b"}")
    except orjson.JSONDecodeError:
        return None
    if not isinstance(entries, dict):
        return None
    return max((int(k) for k in entries), default=0) + 1, crc


def _split_detached(raw: bytes, name: str) -> Layout | None:
    """A file written by this version: the small tables, then the log's meta, the detached
    tables it lists, and the log `name` last. None when the file is not laid out so, or when
    a detached table's checksum does not match (then it is read whole, which also reports a
    damaged file).

    Only the small tables are parsed: the detached tables (a workspace's tasks) are checked
    against their CRC-32 and read when first needed, so a start opens a hundred files without
    reading a hundred thousand tasks. The meta's marker cannot stand inside a JSON string
    (quotes there are escaped); found inside another table, it leaves a head that is not
    valid JSON, and the file is read whole.
    """
    marker = b"," + orjson.dumps(LOG_META) + b":{"
    at = raw.find(marker)
    close = raw.find(b"}", at + len(marker))  # the meta holds no object
    if at < 0 or close < 0:
        return None
    try:
        meta = orjson.loads(raw[at + len(marker) - 1:close + 1])
    except orjson.JSONDecodeError:
        return None
    if not isinstance(meta, dict) or not isinstance(meta.get("detached"), list):
        return None
    view = memoryview(raw)
    position, regions = close + 1, {}
    for entry in meta["detached"]:
        if not (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[0], str)
                and isinstance(entry[1], int) and isinstance(entry[2], int)):
            return None
        table, length, crc = entry
        key = b"," + orjson.dumps(table) + b":"
        start = position + len(key)
        if not raw.startswith(key, position) or zlib.crc32(view[start:start + length]) != crc:
            return None
        regions[table] = (start, length, crc)
        position = start + length
    log_key = b"," + orjson.dumps(name) + b":{"
    end = len(raw.rstrip()) - 2
    if not raw.startswith(log_key, position) or raw[end:end + 2] != b"}}":
        return None
    body_start = position + len(log_key)
    checked = _log_checked(view[body_start:end], meta, name)
    try:
        head = orjson.loads(raw[:at] + b"}")
    except orjson.JSONDecodeError:
        return None
    if checked is None or not isinstance(head, dict) or name in head or regions.keys() & head:
        return None
    log_next, log_crc = checked
    return Layout(head, (body_start, end - body_start), log_crc, log_next, regions=regions)


def _split_log(raw: bytes, name: str) -> Layout | None:
    """A file written with log table `name` last, by an older version (its detached tables
    in the head): its other tables and the log body's span; None when the file is not laid
    out so (then it is parsed whole, which also reports a damaged file).

    The log's marker cannot stand inside a JSON string (quotes there are escaped) nor as a
    key of another table, so the last one is the log's.
    """
    marker = b"," + orjson.dumps(name) + b":{"
    at = raw.rfind(marker)
    end = len(raw.rstrip()) - 2
    if at < 0 or not raw.rstrip().endswith(b"}}") or end < at + len(marker):
        return None
    body = memoryview(raw)[at + len(marker):end]
    try:
        head = orjson.loads(raw[:at] + b"}")
    except orjson.JSONDecodeError:
        return None
    if not isinstance(head, dict) or name in head:
        return None
    checked = _log_checked(body, head.pop(LOG_META, None), name)
    if checked is None:
        return None
    log_next, log_crc = checked
    return Layout(head, (at + len(marker), len(body)), log_crc, log_next)


def _layout(path: Path, raw: bytes, log: str | None) -> Layout:
    """The layout of a medium's content; CorruptDataFile when it cannot be read."""
    found = (_split_detached(raw, log) or _split_log(raw, log)) if log else None
    if found is not None:
        return found
    data = _parse(path, raw)
    data.pop(LOG_META, None)
    if log is None:
        return Layout(data)
    # Not yet in the layout written here: kept in memory until the next write.
    docs = data.pop(log, None) or {}
    return Layout(data, log_next=max((int(k) for k in docs), default=0) + 1,
                  log_pending=[b'"%d":%b' % (int(k), orjson.dumps(docs[k]))
                               for k in sorted(docs, key=int)])


def atomic_write(path: Path, payload: bytes) -> None:
    """Write `payload` to `path` so that a crash leaves either the old file or the new one."""
    directory = path.parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    # The rename itself must reach the disk before we tell anyone the write is done.
    _fsync_directory(directory)


class BatchStorage(Storage):
    """What the file and the memory storages share: transactions, detached tables, the log.

    Detached tables: a workspace's tasks are most of its memory; holding them twice (raw
    documents for TinyDB, dataclasses for the bot) doubled it. A detached table is taken out
    of the raw data by its owner, who keeps the objects, and written as ready JSON text: the
    documents unchanged since the last write are copied from the old file, the changed ones
    come from the owner (:meth:`put`), so a write serialises only what changed. In a file
    written by this version a detached table is not even parsed until its owner takes it
    (:mod:`store.detached`).

    The log table: an audit trail only grows and is read rarely; kept in memory it would soon
    outweigh everything else. It is written last in the file, so its body is copied from the
    old file to the new one, and only the entries added since the last write are in memory.

    Every write happens inside :meth:`batch`: its writes reach the medium in one replace when
    the outermost batch ends, and any failure (in the batch or in the replace) reloads the
    last written state, so memory never claims what the medium does not hold. A reload drops
    what owners took (they read it again).

    Whatever is copied from the old medium (the log's body, unchanged documents) is checked
    against the CRC-32 it was written with first: a file changed behind this process's back is
    never spliced into a new one.
    """

    path: Path

    def __init__(self, log: str | None) -> None:
        """`log` names the table kept as an append-only log, if any."""
        self._log_table = log
        self._depth = 0
        self._dirty = False
        self._inner_failed = False
        self._unreadable: CorruptDataFile | None = None
        self._data: dict[str, Any] | None = None
        self._detached: dict[str, DetachedTable] = {}
        self._taken: dict[str, bytes] = {}  # a region just read by take(), until detach()
        # The log: its body's span in the medium and its CRC-32 as last written, the entries
        # added since (as `"id":{...}` members), and the id the next entry gets.
        self._log_span: tuple[int, int] | None = None
        self._log_crc = 0
        self._log_pending: list[bytes] = []
        self._log_next = 1
        self._load_medium()

    # -- the medium: a file, or bytes in memory ------------------------------------------------

    def _read_all(self) -> bytes | None:
        """The medium's whole content; None when there is none yet."""
        raise NotImplementedError

    def _read_span(self, start: int, length: int) -> bytes:
        raise NotImplementedError

    def _replace(self, payload: bytes) -> None:
        """Make `payload` the medium's content, all at once (OSError when it fails)."""
        raise NotImplementedError

    # -- TinyDB's storage interface ----------------------------------------------------------

    def read(self) -> dict[str, Any] | None:
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        if not self._depth:
            # A write on its own could not be rolled back with its owner's objects: that is
            # how a failed write once emptied a workspace's audit trail. Owners use batch().
            raise RuntimeError(f"a write to {self.path} outside a transaction")
        self._data = data
        self._dirty = True

    def close(self) -> None:
        pass

    # -- transactions --------------------------------------------------------------------------

    @property
    def in_batch(self) -> bool:
        return self._depth > 0

    @property
    def unreadable(self) -> CorruptDataFile | None:
        """Why the medium could not be read again after a failure (then nothing is written)."""
        return self._unreadable

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Writes inside reach the medium in one replace when the outermost batch ends.

        On any failure, inside or in the replace, memory is reloaded from the medium and the
        error goes on (WriteFailed when the replace failed, or when the medium can no longer
        be read: then no write is tried until it can be read again).
        """
        if not self._depth and self._unreadable is not None:
            self.recover()  # before the body: a refused write changes no memory
        self._depth += 1
        try:
            yield
            if self._depth == 1:
                if self._inner_failed:
                    raise RuntimeError("an inner transaction failed and its error was caught")
                if self._dirty:
                    self._flush()
        except BaseException:
            if self._depth == 1:
                self.recover()
            else:
                self._inner_failed = True
            raise
        finally:
            self._depth -= 1
            if not self._depth:
                self._dirty = self._inner_failed = False

    def recover(self) -> None:
        """Reload the medium; WriteFailed when it can no longer be read."""
        try:
            self.reload()
        except CorruptDataFile as exc:
            raise WriteFailed(self.path, f"the file can no longer be read: {exc.reason}"
                              ) from exc

    def reload(self) -> None:
        """Forget what memory holds and take the last written state again.

        If the medium cannot be read any more, memory is left as it is and every later write
        is refused: a file that cannot be read is reported, never overwritten.
        """
        try:
            self._load_medium()
        except CorruptDataFile as exc:
            self._unreadable = exc
            raise
        except OSError as exc:
            self._unreadable = CorruptDataFile(self.path, f"could not be read again: {exc}")
            raise self._unreadable from exc

    def _load_medium(self) -> None:
        raw = self._read_all()
        layout = Layout() if raw is None else _layout(self.path, raw, self._log_table)
        # Read whole before anything changes: a file that fails to parse leaves memory as it was.
        self._data = layout.data
        self._detached = {name: DetachedTable(region) for name, region in layout.regions.items()}
        self._taken = {}
        self._log_span, self._log_crc = layout.log_span, layout.log_crc
        self._log_pending, self._log_next = layout.log_pending, layout.log_next
        self._unreadable = None

    def _flush(self) -> None:
        payload, written = self._payload()
        try:
            self._replace(payload)
        except OSError as exc:
            raise WriteFailed(self.path, os.strerror(exc.errno) if exc.errno else str(exc)
                              ) from exc
        written()

    # -- detached tables -----------------------------------------------------------------------

    def take(self, name: str) -> dict[str, Any]:
        """Table `name`'s documents, taken out of the raw data: from now on it is written from
        what its owner gives :meth:`detach` and :meth:`put`.

        CorruptDataFile when the table, left unread in the medium at load, no longer matches
        its checksum (another program changed the file since) or cannot be parsed.
        """
        table = self._detached.get(name)
        assert table is None or not table.indexed, f"table {name!r} taken twice"
        if table is None or table.region is None:
            self._detached[name] = DetachedTable(None)
            return (self._data or {}).pop(name, None) or {}
        text = self._region_text(table.region, f"its table {name!r}", CorruptDataFile)
        try:
            docs = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise CorruptDataFile(self.path, f"its table {name!r} is not valid JSON: {exc}"
                                  ) from exc
        if not isinstance(docs, dict):
            raise CorruptDataFile(self.path, f"its table {name!r} is not an object")
        self._taken[name] = text
        return docs

    def deferred(self, name: str) -> bool:
        """Whether table `name` is still unread in the medium (a file written by this version:
        its owner takes it when first needed)."""
        table = self._detached.get(name)
        return table is not None and table.region is not None and not table.indexed

    def detach(self, name: str, docs: Iterable[tuple[int, bytes]]) -> None:
        """The JSON of each document of taken table `name`, by id, as the owner will write it."""
        self._detached[name].index(self._taken.pop(name, None), docs)

    def put(self, name: str, doc_id: int, doc: bytes) -> None:
        """Add or replace a document of detached table `name` (its JSON); written with the
        batch."""
        self._detached[name].put(doc_id, doc)
        self.touch()

    def touch(self) -> None:
        """A detached table or the log changed: the running batch has something to write."""
        self.write(self._data or {})

    def _region_text(self, region: Region, what: str,
                     error: type[CorruptDataFile] | type[WriteFailed]) -> bytes:
        """A region of the medium, checked against the CRC-32 it was written with."""
        start, length, crc = region
        text = self._read_span(start, length)
        if len(text) != length or zlib.crc32(text) != crc:
            raise error(self.path, f"{what} is not the one this process read or wrote "
                                   "(another program changed the file?)")
        return text

    # -- the log table -------------------------------------------------------------------------

    def append_log(self, text: bytes) -> int:
        """Add an entry (a JSON object) to the log; its id. Written with the batch."""
        entry_id = self._log_next
        self._log_pending.append(b'"%d":%b' % (entry_id, text))
        self._log_next += 1
        self.touch()
        return entry_id

    def log_entries(self) -> dict[str, Any]:
        """Every entry of the log by id, read from the medium and memory."""
        parts = [p for p in (self._log_written(), *self._log_pending) if p]
        entries: dict[str, Any] = orjson.loads(b"{" + b",".join(parts) + b"}")
        return entries

    def _log_written(self) -> bytes:
        """The body of the log as last written (`"1":{...},"2":{...}`), checked against its
        CRC-32: a body changed behind this process's back is never spliced into a new file."""
        if self._log_span is None:
            return b""
        start, length = self._log_span
        body = self._read_span(start, length)
        if len(body) != length or zlib.crc32(body) != self._log_crc:
            raise CorruptDataFile(
                self.path, "its audit trail is not the one this process wrote (another "
                "program changed the file?)",
            )
        return body

    # -- the payload -------------------------------------------------------------------------

    def _payload(self) -> tuple[bytes, Callable[[], None]]:
        """The medium's new content, and what to remember once it is written."""
        if self._log_table is None:
            assert not self._detached, "detached tables are written with a log"
            return orjson.dumps(self._data or {}), lambda: None
        try:
            old_log = self._log_written()
            rewrites = {
                name: table.rewrite(
                    None if table.region is None
                    else self._region_text(table.region, f"its table {name!r}", WriteFailed))
                for name, table in self._detached.items()
            }
        except CorruptDataFile as exc:
            raise WriteFailed(self.path, exc.reason) from exc
        new_log = b",".join(self._log_pending)
        added = (b"," if old_log and new_log else b"") + new_log
        # The checksums, carried on from the part already written for the log, let the next
        # start trust these parts without parsing them (see _split_detached).
        log_crc = zlib.crc32(added, self._log_crc)
        log_length = len(old_log) + len(added)
        meta = {"table": self._log_table, "length": log_length, "crc32": log_crc,
                "next": self._log_next,
                "detached": [[name, r.length, r.crc] for name, r in rewrites.items()]}
        skip = {*self._detached, self._log_table}
        tables = {k: v for k, v in (self._data or {}).items() if k not in skip}
        tables[LOG_META] = meta
        parts: list[Piece] = [orjson.dumps(tables)[:-1]]
        offset = len(parts[0])
        offsets = {}
        for name, rewrite in rewrites.items():
            key = b"," + orjson.dumps(name) + b":"
            parts.append(key)
            offsets[name] = offset + len(key)
            parts += rewrite.pieces
            offset += len(key) + rewrite.length
        log_key = b"," + orjson.dumps(self._log_table) + b":{"
        parts += (log_key, old_log, added, b"}}")
        log_start = offset + len(log_key)

        def written() -> None:
            for name, rewrite in rewrites.items():
                self._detached[name].written(rewrite, offsets[name])
            self._log_span, self._log_crc = (log_start, log_length), log_crc
            self._log_pending = []

        return b"".join(parts), written


class DurableStorage(BatchStorage):
    """TinyDB storage: reads its file once, then serves memory; each batch of writes is one
    fsync'd atomic replace, so that a task change and its audit entry reach the disk together
    or not at all."""

    def __init__(self, path: str | Path, log: str | None = None, **_: Any) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        super().__init__(log)

    def _read_all(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None

    def _read_span(self, start: int, length: int) -> bytes:
        with self.path.open("rb") as handle:
            handle.seek(start)
            return handle.read(length)

    def _replace(self, payload: bytes) -> None:
        atomic_write(self.path, payload)

    def move(self, path: Path) -> None:
        """Rename the file, atomically, and write there from now on."""
        os.replace(self.path, path)
        _fsync_directory(path.parent)
        self.path = path


def _fsync_directory(directory: Path) -> None:
    """A rename reaches the disk only with its folder."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class MemoryStorage(BatchStorage):
    """The same storage on bytes in memory, for unit tests and the file-less registry."""

    def __init__(self, log: str | None = None, **_: Any) -> None:
        self.path = Path(":memory:")
        self._content: bytes | None = None
        super().__init__(log)

    def _read_all(self) -> bytes | None:
        return self._content

    def _read_span(self, start: int, length: int) -> bytes:
        assert self._content is not None
        return self._content[start:start + length]

    def _replace(self, payload: bytes) -> None:
        self._content = payload
