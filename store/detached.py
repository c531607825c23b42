"""A detached table's JSON text, left in the file: only documents changed since a write are in
memory."""

from __future__ import annotations

import zlib
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate

Region = tuple[int, int, int]
"""Where a table's JSON object lies in the medium: offset, length, CRC-32."""

Piece = bytes | memoryview


@dataclass(frozen=True, slots=True)
class Rewrite:
    """A table's next text, as pieces to join, and what the table knows once it is written."""

    pieces: list[Piece]
    length: int
    crc: int
    ids: array[int] | None
    sizes: array[int] | None


class DetachedTable:
    """A table written as ready JSON text, not through TinyDB's raw data (see BatchStorage).

    A workspace's tasks are most of its memory. Held as objects for the bot *and* as text for
    the next write, they were held twice. Their text is already in the file: the table keeps
    where it lies (:attr:`region`) and the size of each document's member in it (`"7":{...}`),
    and a write copies the unchanged members from the old file (after checking its CRC-32),
    so that only the documents changed since the last write are in memory, until it.

    Until its owner has read it (:meth:`index`), the table is copied whole by every write.
    """

    def __init__(self, region: Region | None) -> None:
        self.region = region
        self._ids: array[int] | None = None  # the documents in the region, in id order
        self._sizes = array("I")  # each one's member, with the comma or brace after it
        self._pending: dict[int, bytes] = {}  # members changed since the last write, by id

    @property
    def indexed(self) -> bool:
        """Whether its owner has read it and may change it."""
        return self._ids is not None

    @property
    def in_memory(self) -> int:
        """Bytes of text held in memory (the changed documents)."""
        return sum(len(member) for member in self._pending.values())

    def index(self, text: bytes | None, docs: Iterable[tuple[int, bytes]]) -> None:
        """Take the owner's JSON of every document (`docs`: id, JSON) as the table's content.

        When they are exactly the region's `text` (as written by this code, in id order), only
        their sizes are kept; otherwise (a file written by hand or by an older version) they
        are kept as changed documents and the next write puts them in order.
        """
        members = sorted((doc_id, _member(doc_id, doc)) for doc_id, doc in docs)
        self._pending = {}
        if text is not None and b"".join(
                (b"{", b",".join(member for _, member in members), b"}")) == text:
            self._ids = array("q", (doc_id for doc_id, _ in members))
            self._sizes = array("I", (len(member) + 1 for _, member in members))
        else:
            self._ids, self._sizes = array("q"), array("I")
            self._pending = dict(members)

    def put(self, doc_id: int, doc: bytes) -> None:
        """Add document `doc_id`, given as JSON, or replace it; written by the next write."""
        assert self._ids is not None, "a table is read before it is changed"
        self._pending[doc_id] = _member(doc_id, doc)

    def rewrite(self, old: Piece | None) -> Rewrite:
        """The table's next text, from `old` (the region's text, checked) and the changes."""
        ids, sizes = self._ids, self._sizes
        if not self._pending:  # nothing changed: the old text as it is
            if self.region is None:
                return Rewrite([b"{}"], 2, zlib.crc32(b"{}"), ids, sizes)
            assert old is not None
            return Rewrite([old], self.region[1], self.region[2], ids, sizes)
        assert ids is not None
        starts = list(accumulate(sizes, initial=1))  # member i is old[starts[i]:starts[i+1]-1]
        runs: list[Piece] = []  # runs of members, each without the separator after it
        new_ids, new_sizes = array("q"), array("I")
        done = 0  # members of the region copied or replaced so far
        for doc_id in sorted(self._pending):
            at = bisect_left(ids, doc_id, done)
            if at > done:
                assert old is not None
                runs.append(old[starts[done]:starts[at] - 1])
                new_ids += ids[done:at]
                new_sizes += sizes[done:at]
            member = self._pending[doc_id]
            runs.append(member)
            new_ids.append(doc_id)
            new_sizes.append(len(member) + 1)
            done = at + 1 if at < len(ids) and ids[at] == doc_id else at
        if done < len(ids):
            assert old is not None
            runs.append(old[starts[done]:starts[-1] - 1])
            new_ids += ids[done:]
            new_sizes += sizes[done:]
        pieces: list[Piece] = [b"{"]
        for run in runs:
            pieces += (run, b",")
        pieces[-1] = b"}"
        crc = 0
        for piece in pieces:
            crc = zlib.crc32(piece, crc)
        return Rewrite(pieces, sum(len(p) for p in pieces), crc, new_ids, new_sizes)

    def written(self, rewrite: Rewrite, offset: int) -> None:
        """The rewrite reached the medium at `offset`: it is the table's text from now on."""
        self.region = (offset, rewrite.length, rewrite.crc)
        if rewrite.ids is not None and rewrite.sizes is not None:
            self._ids, self._sizes = rewrite.ids, rewrite.sizes
        self._pending = {}


def _member(doc_id: int, doc: bytes) -> bytes:
    return b'"%d":%b' % (doc_id, doc)
