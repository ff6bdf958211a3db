"""Fewer, cheaper writes for a batch of projection writes, with the same end state.

A projection says what an event changes in one document as an `Upsert`: fields to set, items to
append to arrays and numbers to add to, the document created if it is missing. The runner applies a whole batch of
events in one transaction, so only the state at the end of the batch is ever seen; the writes of a
batch can therefore be planned together:

- Merged: the upserts of one document within a batch become one update (later values win, appended
  items keep their order, increments of one path add up), unless two of them touch overlapping paths
  (`a` and `a.b`, or one path under two operators), which MongoDB would refuse in one update: then the
  later one stays a separate write, after it.
- Inserted: while a projection is rebuilt from the start of the stream, its collections were
  dropped, so a document no write has touched since cannot exist. Its upserts are folded in memory
  into the document itself, written with one insert (far cheaper than an upsert: no lookup, no
  update operators). The keys written since the rebuild began are remembered; any other write to
  the collection (an operation the planner cannot read) ends this for that collection.

Anything else (plain PyMongo operations) is passed through in order. Documents are independent, so
only the order of writes to the same document is kept; writes to different documents may move
relative to each other.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pymongo import DeleteMany, DeleteOne, InsertOne, ReplaceOne, UpdateMany, UpdateOne

MongoOp = InsertOne[Any] | UpdateOne | UpdateMany | ReplaceOne[Any] | DeleteOne | DeleteMany


@dataclass(frozen=True)
class Upsert:
    """Set fields of the document `_id == key` and append to its arrays; create it if missing.

    `set` maps a field path (dots into embedded documents) to its new value; `push` maps an array
    field path to the items appended, in order; `inc` maps a numeric field path to what is added to it
    (from 0 when it is missing).
    """

    key: str | int
    set: Mapping[str, Any] = field(default_factory=dict)
    push: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    inc: Mapping[str, int] = field(default_factory=dict)

    def to_op(self) -> UpdateOne:
        update: dict[str, Any] = {}
        if self.set:
            update["$set"] = dict(self.set)
        if self.push:
            update["$push"] = {path: {"$each": list(items)} for path, items in self.push.items()}
        if self.inc:
            update["$inc"] = dict(self.inc)
        if not update:  # an upsert that changes nothing still creates the document
            update["$setOnInsert"] = {}
        return UpdateOne({"_id": self.key}, update, upsert=True)


class Unsupported(Exception):
    """A change the in-memory document cannot take as MongoDB would (left to MongoDB instead)."""


def _prefixes(path: str) -> list[str]:
    """The proper prefixes of a path: `a.b.c` → `a`, `a.b`."""
    if "." not in path:
        return []
    parts = path.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _parent(doc: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    """The embedded document holding the path's last part, created as MongoDB's $set would."""
    if "." not in path:
        if not path or path[0] == "$" or path == "_id":
            raise Unsupported(path)
        return doc, path
    parts = path.split(".")
    if any(not part or part[0] == "$" for part in parts) or parts[0] == "_id":
        raise Unsupported(path)
    node = doc
    for part in parts[:-1]:
        child = node.get(part)
        if child is None and part not in node:
            child = {}
        elif not isinstance(child, dict):
            raise Unsupported(path)  # into an array or a scalar: MongoDB's rules, not ours
        else:
            child = dict(child)  # never change a value an event still holds
        node[part] = child
        node = child
    return node, parts[-1]


def apply_upsert(doc: dict[str, Any], upsert: Upsert) -> dict[str, Any]:
    """The document after the upsert, as MongoDB would leave it; `doc` itself is left as it was.

    Raises `Unsupported` for what only MongoDB decides (paths into arrays or scalars, `_id`, paths of
    one upsert that overlap, which MongoDB refuses)."""
    paths = [*upsert.set, *upsert.push, *upsert.inc]
    if len(paths) > 1:
        seen = set(paths)
        if len(seen) < len(paths) or any(prefix in seen for path in paths for prefix in _prefixes(path)):
            raise Unsupported(", ".join(paths))
    new = dict(doc)
    for path, value in upsert.set.items():
        node, name = _parent(new, path)
        node[name] = value
    for path, items in upsert.push.items():
        node, name = _parent(new, path)
        current = node.get(name, [])
        if not isinstance(current, list):
            raise Unsupported(path)
        node[name] = [*current, *items]
    for path, amount in upsert.inc.items():
        node, name = _parent(new, path)
        number = node.get(name, 0)
        if isinstance(number, bool) or not isinstance(number, int) or isinstance(amount, bool) \
                or not isinstance(amount, int):
            raise Unsupported(path)  # MongoDB's numeric types and overflow rules, not ours
        node[name] = number + amount
    return new


@dataclass
class _Merged:
    """The upserts of one document merged into one update."""

    key: str | int
    fields: dict[str, Any]
    appends: dict[str, list[Any]]
    increments: dict[str, int] = field(default_factory=dict)
    inner: set[str] = field(default_factory=set)
    """Every proper prefix of the paths above (a path there would overlap one of them)."""

    @classmethod
    def of(cls, upsert: Upsert) -> _Merged:
        merged = cls(upsert.key, dict(upsert.set), {p: list(items) for p, items in upsert.push.items()},
                     dict(upsert.inc))
        for path in (*merged.fields, *merged.appends, *merged.increments):
            merged.inner.update(_prefixes(path))
        return merged

    def _clashes(self, path: str, same: Mapping[str, Any]) -> bool:
        """Whether `path` cannot join this update: it overlaps a path other than itself under the same
        operator (`same`), or any path under another operator."""
        others = [paths for paths in (self.fields, self.appends, self.increments) if paths is not same]
        if path in self.inner or any(path in paths for paths in others):
            return True
        return any(prefix in paths for prefix in _prefixes(path) for paths in (same, *others))

    def absorb(self, upsert: Upsert) -> bool:
        """Merge a later upsert in, unless one update could not hold both (then nothing changes)."""
        if any(self._clashes(path, self.fields) for path in upsert.set) or any(
            self._clashes(path, self.appends) for path in upsert.push
        ) or any(self._clashes(path, self.increments) for path in upsert.inc):
            return False
        self.fields.update(upsert.set)
        for path, items in upsert.push.items():
            self.appends.setdefault(path, []).extend(items)
        for path, amount in upsert.inc.items():
            self.increments[path] = self.increments.get(path, 0) + amount
        for path in (*upsert.set, *upsert.push, *upsert.inc):
            self.inner.update(_prefixes(path))
        return True

    def op(self) -> UpdateOne:
        return Upsert(self.key, self.fields, self.appends, self.increments).to_op()


@dataclass
class _New:
    """A document that does not exist yet, built in memory and inserted."""

    doc: dict[str, Any]

    def op(self) -> InsertOne[Any]:
        return InsertOne(self.doc)


_Entry = _Merged | _New | MongoOp


class WritePlanner:
    """Plans the writes of a batch, per collection (see the module's docstring)."""

    def __init__(self) -> None:
        self._written: dict[str, set[Hashable]] | None = None
        """While rebuilding: per collection known empty at the start, the keys written since."""

    def start_from_empty(self, collections: Iterable[str]) -> None:
        """The collections were just dropped: documents no write touched since can be inserted."""
        self._written = {collection: set() for collection in collections}

    def stop_inserting(self) -> None:
        """Someone else may write the collections from now on (or the rebuild has caught up)."""
        self._written = None

    def inserting(self, collection: str) -> bool:
        """Rebuilding from empty: the planner itself knows which documents of `collection` are new."""
        return self._written is not None and collection in self._written

    def plan(self, writes: Iterable[tuple[str, MongoOp | Upsert]],
             absent: Mapping[str, set[Hashable]] | None = None) -> dict[str, list[MongoOp]]:
        """The batch's operations per collection; `absent`: keys known not to exist at the batch's start."""
        absent = {collection: set(keys) for collection, keys in (absent or {}).items()}
        entries: dict[str, list[_Entry]] = {}
        open_: dict[str, dict[Hashable, _Merged | _New]] = {}
        for collection, op in writes:
            out = entries.setdefault(collection, [])
            pending = open_.setdefault(collection, {})
            if not isinstance(op, Upsert):
                out.append(op)
                pending.clear()  # an operation we cannot read: nothing before it moves after it
                absent.pop(collection, None)
                if self._written is not None:
                    self._written.pop(collection, None)
                continue
            entry = pending.get(op.key)
            if isinstance(entry, _New):
                try:
                    entry.doc = apply_upsert(entry.doc, op)
                    continue
                except Unsupported:
                    pass
            elif isinstance(entry, _Merged) and entry.absorb(op):
                continue
            written = self._written.get(collection) if self._written is not None else None
            known_new = absent.get(collection, set())
            is_new = entry is None and (op.key in known_new or (written is not None and op.key not in written))
            known_new.discard(op.key)
            if written is not None:
                written.add(op.key)
            if is_new:
                try:
                    new = _New(apply_upsert({"_id": op.key}, op))
                except Unsupported:
                    new = None
                if new is not None:
                    out.append(new)
                    pending[op.key] = new
                    continue
            merged = _Merged.of(op)
            out.append(merged)
            pending[op.key] = merged
        return {
            collection: [entry.op() if isinstance(entry, _Merged | _New) else entry for entry in out]
            for collection, out in entries.items()
            if out
        }


def plain(writes: Iterable[tuple[str, MongoOp | Upsert]]) -> dict[str, list[MongoOp]]:
    """The writes as they are, one operation each, grouped per collection in order."""
    grouped: dict[str, list[MongoOp]] = {}
    for collection, op in writes:
        grouped.setdefault(collection, []).append(op.to_op() if isinstance(op, Upsert) else op)
    return grouped
