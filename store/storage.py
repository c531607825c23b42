"""TinyDB storages that keep data in memory and replace their file atomically once per batch."""

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


class BatchStorage(Storage):
    """What the file and the memory storages share: transactions, detached tables, the log.

    Detached tables: a workspace's tasks are most of its memory; holding them twice (raw
    documents for TinyDB, dataclasses for the bot) doubled it. A detached table is taken out
    of the raw data once, kept by its owner, and put back into the file by `provider` on every
    write, as ready JSON text (the owner keeps each document's text, so a write serialises
    only what changed).

    The log table: an audit trail only grows and is read rarely; kept in memory it would soon
    outweigh everything else. It is written last in the file, so its body is copied from the
    old file to the new one, and only the entries added since the last write are in memory.

    Every write happens inside :meth:`batch`: its writes reach the medium in one replace when
    the outermost batch ends, and any failure (in the batch or in the replace) reloads the
    last written state, so memory never claims what the medium does not hold.
    """

    path: Path

    def __init__(self, log: str | None) -> None:
        """`log` names the table kept as an append-only log, if any."""
        self._log_table = log
        self._providers: dict[str, TableProvider] = {}
        self._depth = 0
        self._dirty = False
        self._inner_failed = False
        self._unreadable: CorruptDataFile | None = None
        self._data: dict[str, Any] | None = None
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
            self._reload_or_refuse()  # before the body: a refused write changes no memory
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
                self._reload_or_refuse()
            else:
                self._inner_failed = True
            raise
        finally:
            self._depth -= 1
            if not self._depth:
                self._dirty = self._inner_failed = False

    def _reload_or_refuse(self) -> None:
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
        span: tuple[int, int] | None = None
        crc, pending, next_id = 0, [], 1
        if raw is None:
            data = None
        else:
            split = _split_log(raw, self._log_table) if self._log_table else None
            if split is None:
                data = _parse(self.path, raw)
                data.pop(LOG_META, None)
                if self._log_table is not None:
                    # Not yet in the layout written here: kept in memory until the next write.
                    docs = data.pop(self._log_table, None) or {}
                    next_id = max((int(k) for k in docs), default=0) + 1
                    pending = [b'"%d":%b' % (int(k), orjson.dumps(docs[k]))
                               for k in sorted(docs, key=int)]
            else:
                data, span, next_id, crc = split
        # Read whole before anything changes: a file that fails to parse leaves memory as it was.
        self._data = data
        self._log_span, self._log_crc = span, crc
        self._log_pending, self._log_next = pending, next_id
        self._unreadable = None

    def _flush(self) -> None:
        payload, span = self._payload_and_log_span()
        try:
            self._replace(payload)
        except OSError as exc:
            raise WriteFailed(self.path, os.strerror(exc.errno) if exc.errno else str(exc)
                              ) from exc
        if span is not None:
            start, length, self._log_crc = span
            self._log_span = (start, length)
            self._log_pending = []

    # -- detached tables -----------------------------------------------------------------------

    def take(self, name: str) -> dict[str, Any]:
        """Remove table `name` from the raw data and return its documents."""
        if self._data is None:
            return {}
        return self._data.pop(name, None) or {}

    def detach(self, name: str, provider: TableProvider) -> None:
        """From now on, table `name` is written from `provider()`."""
        self._providers[name] = provider

    def touch(self) -> None:
        """A detached table or the log changed: the running batch has something to write."""
        self.write(self._data or {})

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

    def _payload_and_log_span(self) -> tuple[bytes, tuple[int, int, int] | None]:
        """The medium's new content, and the log's body in it: (offset, length, CRC-32)."""
        if self._log_table is None:
            return self._tables_payload(None), None
        try:
            old = self._log_written()
        except CorruptDataFile as exc:
            raise WriteFailed(self.path, exc.reason) from exc
        new = b",".join(self._log_pending)
        added = (b"," if old and new else b"") + new
        # The body's checksum, carried on from the part already written, lets the next start
        # trust the body without parsing it again (see _split_log).
        crc = zlib.crc32(added, self._log_crc)
        length = len(old) + len(added)
        meta = {"table": self._log_table, "length": length, "crc32": crc,
                "next": self._log_next}
        head = self._tables_payload(meta)
        prefix = b"".join((head[:-1], b",", orjson.dumps(self._log_table), b":{"))
        return b"".join((prefix, old, added, b"}}")), (len(prefix), length, crc)

    def _tables_payload(self, log_meta: dict[str, Any] | None) -> bytes:
        skip = set(self._providers)
        if self._log_table is not None:
            skip.add(self._log_table)
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
