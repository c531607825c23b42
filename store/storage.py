"""A TinyDB storage that keeps data in memory and replaces its file atomically on each write."""

from __future__ import annotations

import contextlib
import os
import tempfile
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage


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
"""Top-level key of a file with a log table: its name, body length, CRC-32 and next id."""


def _split_log(raw: bytes, name: str
               ) -> tuple[dict[str, Any], tuple[int, int], int, int] | None:
    """A file written with log table `name` last: its other tables, the log body's span, the
    log's next id and the body's CRC-32; None when the file is not laid out so (then it is
    parsed whole, which also reports a damaged file).

    The log's marker cannot stand inside a JSON string (quotes there are escaped) nor as a
    key of another table, so the last one is the log's. Its body is parsed only when its
    checksum does not match the one written with it: that saves reading the whole audit
    trail at every start, and a damaged or hand-edited body is still caught.
    """
    marker = b"," + orjson.dumps(name) + b":{"
    at = raw.rfind(marker)
    end = len(raw.rstrip()) - 2
    if at < 0 or not raw.rstrip().endswith(b"}}") or end < at + len(marker):
        return None
    body = raw[at + len(marker):end]
    try:
        head = orjson.loads(raw[:at] + b"}")
    except orjson.JSONDecodeError:
        return None
    if not isinstance(head, dict) or name in head:
        return None
    meta = head.pop(LOG_META, None)
    crc = zlib.crc32(body)
    if (
        isinstance(meta, dict) and meta.get("table") == name
        and meta.get("length") == len(body) and meta.get("crc32") == crc
        and isinstance(meta.get("next"), int)
    ):
        return head, (at + len(marker), len(body)), meta["next"], crc
    try:
        entries = orjson.loads(b"{" + body + b"}")
    except orjson.JSONDecodeError:
        return None
    if not isinstance(entries, dict):
        return None
    next_id = max((int(k) for k in entries), default=0) + 1
    return head, (at + len(marker), len(body)), next_id, crc


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
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


TableProvider = Callable[[], bytes]
"""Returns a detached table as JSON text: an object of documents by id."""


class TableText:
    """A detached table's JSON text, kept document by document in blocks of consecutive ids.

    One bytes object per document cost about 80 bytes beyond its text (object header,
    allocator rounding, dict entry): 8 MB for 100,000 tasks. A block keeps the members
    (`"id":{...},`) of up to :attr:`BLOCK` ids in one bytes object, with an array of their
    sizes; replacing a document rebuilds only its block (some 25 KB). The table is written in
    id order.
    """

    BLOCK = 64

    def __init__(self) -> None:
        self._blocks: dict[int, bytes] = {}  # block number -> its members, in id order
        self._sizes: dict[int, array[int]] = {}  # block number -> each slot's size (0: none)

    @classmethod
    def of(cls, docs: Iterable[tuple[int, bytes]]) -> TableText:
        """The text of documents given as (id, the document as JSON), in any order."""
        grouped: dict[int, dict[int, bytes]] = {}
        for doc_id, text in docs:
            block, slot = divmod(doc_id, cls.BLOCK)
            grouped.setdefault(block, {})[slot] = _member(doc_id, text)
        table = cls()
        # Each block is joined once: putting documents one by one would copy it each time.
        for block, members in grouped.items():
            sizes = array("I", [0]) * cls.BLOCK
            for slot, member in members.items():
                sizes[slot] = len(member)
            table._blocks[block] = b"".join(members[slot] for slot in sorted(members))
            table._sizes[block] = sizes
        return table

    def put(self, doc_id: int, text: bytes) -> None:
        """Add document `doc_id`, given as JSON, or replace it."""
        block, slot = divmod(doc_id, self.BLOCK)
        sizes = self._sizes.get(block)
        if sizes is None:
            sizes = self._sizes[block] = array("I", [0]) * self.BLOCK
            self._blocks[block] = b""
        start = sum(sizes[:slot])
        old = self._blocks[block]
        member = _member(doc_id, text)
        self._blocks[block] = b"".join((old[:start], member, old[start + sizes[slot] :]))
        sizes[slot] = len(member)

    def json(self) -> bytes:
        """The table as a JSON object of its documents by id."""
        blocks = [self._blocks[block] for block in sorted(self._blocks)]
        if not blocks:
            return b"{}"
        # Every member ends with a comma: the last one's gives way to the closing brace.
        blocks[-1] = blocks[-1][:-1]
        return b"".join((b"{", *blocks, b"}"))


def _member(doc_id: int, text: bytes) -> bytes:
    return b'"%d":%b,' % (doc_id, text)


class _DetachableMixin:
    """Lets a store keep one table as its own objects instead of TinyDB's raw documents.

    A workspace's tasks are most of its memory; holding them twice (raw documents for
    TinyDB, dataclasses for the bot) doubled it. A detached table is taken out of the raw
    data once, kept by its owner, and put back into the file by `provider` on every write,
    as ready JSON text (the owner keeps each document's text, so a write serialises only
    what changed).
    """

    _data: dict[str, Any] | None
    _providers: dict[str, TableProvider]
    # The log table (see open_log): its name, the entries added since the last write (as
    # `"id":{...}` members), and the id the next entry gets.
    _log_name: str | None = None
    _log_pending: list[bytes]
    _log_next: int = 1
    _log_crc: int = 0  # CRC-32 of the log's body as written (0: empty)

    def write(self, data: dict[str, Any]) -> None:
        raise NotImplementedError

    # -- the log table --------------------------------------------------------------------

    def open_log(self, name: str, docs: dict[str, Any]) -> None:
        """Make table `name` an append-only log whose written entries stay in the file.

        An audit trail only grows and is read rarely; kept in memory it would soon outweigh
        everything else. `docs` are its documents as loaded (from :meth:`take`). The log is
        written last in the file, so its body can be copied from the old file to the new.
        """
        self._log_name = name
        self._log_next = max((int(k) for k in docs), default=0) + 1
        self._log_pending = []
        if not self._find_log_on_disk(name, docs) and docs:
            # Not yet in the layout this class writes: kept in memory until the next write.
            self._log_pending = [
                b'"%d":%b' % (int(k), orjson.dumps(docs[k])) for k in sorted(docs, key=int)
            ]

    def append_log(self, text: bytes) -> int:
        """Add an entry (a JSON object) to the log; its id. Written with the next write."""
        entry_id = self._log_next
        self._log_pending.append(b'"%d":%b' % (entry_id, text))
        self._log_next += 1
        self.touch()
        return entry_id

    def log_entries(self) -> dict[str, Any]:
        """Every entry of the log by id, read from the file and memory."""
        parts = [p for p in (self._log_written(), *self._log_pending) if p]
        entries: dict[str, Any] = orjson.loads(b"{" + b",".join(parts) + b"}")
        return entries

    def _find_log_on_disk(self, name: str, docs: dict[str, Any]) -> bool:
        """Whether the log's written body was found in the file (then `docs` is empty)."""
        return False

    def _log_written(self) -> bytes:
        """The body of the log as last written (`"1":{...},"2":{...}`)."""
        return b""

    def _log_flushed(self, span: tuple[int, int]) -> None:
        """The payload holding the pending entries is on disk; its log body is at `span`."""

    def take(self, name: str) -> dict[str, Any]:
        """Remove table `name` from the raw data and return its documents."""
        if self._data is None:
            return {}
        return self._data.pop(name, None) or {}

    def detach(self, name: str, provider: TableProvider) -> None:
        """From now on, table `name` is written from `provider()`."""
        self._providers[name] = provider

    def touch(self) -> None:
        """A detached table changed: write, or mark the running batch dirty."""
        self.write(self._data or {})

    def reload(self) -> None:
        """Forget what memory holds and take the last written state again."""
        raise NotImplementedError

    def _payload(self) -> bytes:
        payload, _ = self._payload_and_log_span()
        return payload

    def _payload_and_log_span(self) -> tuple[bytes, tuple[int, int, int] | None]:
        """The file's contents, and the log's body in them: (offset, length, CRC-32)."""
        if self._log_name is None:
            return self._tables_payload(None), None
        old = self._log_written()
        new = b",".join(self._log_pending)
        added = (b"," if old and new else b"") + new
        # The body's checksum, carried on from the part already written, lets the next start
        # trust the body without parsing it again (see _split_log).
        crc = zlib.crc32(added, self._log_crc)
        length = len(old) + len(added)
        meta = {"table": self._log_name, "length": length, "crc32": crc, "next": self._log_next}
        head = self._tables_payload(meta)
        prefix = b"".join((head[:-1], b",", orjson.dumps(self._log_name), b":{"))
        return b"".join((prefix, old, added, b"}}")), (len(prefix), length, crc)

    def _tables_payload(self, log_meta: dict[str, Any] | None) -> bytes:
        skip = set(self._providers)
        if self._log_name is not None:
            skip.add(self._log_name)
        tables = {k: v for k, v in (self._data or {}).items() if k not in skip}
        if log_meta is not None:
            tables[LOG_META] = log_meta
        payload = orjson.dumps(tables)
        if not self._providers:
            return payload
        # Splice each detached table's JSON into the object before its closing brace (as parts
        # of one join: the tables are most of the file, so they are copied once).
        parts = [payload[:-1]]
        separator = b"," if len(payload) > 2 else b""
        for name, provider in self._providers.items():
            parts += (separator, orjson.dumps(name), b":", provider())
            separator = b","
        parts.append(b"}")
        return b"".join(parts)


class DurableStorage(_DetachableMixin, Storage):
    """TinyDB storage: reads once, then serves memory; every write is an fsync'd atomic replace.

    TinyDB's JSONStorage re-reads and rewrites the whole file on every call; this one reads it
    once and, inside :meth:`batch`, folds several table writes into one file replace, so that
    a task change and its audit entry reach the disk together or not at all.
    """

    def __init__(self, path: str | Path, log: str | None = None, **_: Any) -> None:
        """`log` names the table that :meth:`open_log` will make a log, if any: reading the
        file can then leave that table's body where it is."""
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._providers = {}
        self._depth = 0
        self._dirty = False
        self._log_table = log
        self._data: dict[str, Any] | None = None
        self._log_found: tuple[tuple[int, int], int] | None = None  # (body span, next id)
        self._log_span: tuple[int, int] | None = None  # the log's body in the file
        self.reload()

    def read(self) -> dict[str, Any] | None:
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = data
        if self._depth:
            self._dirty = True
        else:
            self._flush()

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Defer writes until the outermost batch ends; on error, roll back to what is on disk."""
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0 and self._dirty:
                self._dirty = False
                self.reload()
            raise
        self._depth -= 1
        if self._depth == 0 and self._dirty:
            self._dirty = False
            self._flush()

    def reload(self) -> None:
        self._log_span = None
        self._log_name = None  # the owner opens it again from the reloaded data
        self._log_found = None
        self._log_crc = 0
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            self._data = None
            return
        split = _split_log(raw, self._log_table) if self._log_table else None
        if split is None:
            self._data = _parse(self.path, raw)
            self._data.pop(LOG_META, None)
        else:
            self._data, span, next_id, self._log_crc = split
            self._log_found = (span, next_id)

    def _find_log_on_disk(self, name: str, docs: dict[str, Any]) -> bool:
        if self._log_found is None or name != self._log_table or docs:
            return False
        self._log_span, self._log_next = self._log_found
        return True

    def _log_written(self) -> bytes:
        if self._log_span is None:
            return b""
        start, length = self._log_span
        with self.path.open("rb") as handle:
            handle.seek(start)
            return handle.read(length)

    def _flush(self) -> None:
        assert self._data is not None
        try:
            payload, span = self._payload_and_log_span()
            atomic_write(self.path, payload)
        except BaseException:
            # Memory must not claim what the disk does not hold.
            self.reload()
            raise
        if span is not None:
            start, length, self._log_crc = span
            self._log_span = (start, length)
            self._log_pending = []

    def close(self) -> None:
        pass


class MemoryStorage(_DetachableMixin, Storage):
    """In-memory storage with the same batch interface; for unit tests."""

    def __init__(self) -> None:
        self._data: dict[str, Any] | None = None
        self._providers = {}
        self._snapshot = b"null"
        self._log_pending = []

    def read(self) -> dict[str, Any] | None:
        return self._data

    def write(self, data: dict[str, Any]) -> None:
        self._data = data
        # What a file would hold, so that reload() can roll back like DurableStorage does.
        self._snapshot = self._payload()

    def reload(self) -> None:
        self._data = orjson.loads(self._snapshot)
        if self._data is not None:
            self._data.pop(LOG_META, None)
        self._log_name = None

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        yield
