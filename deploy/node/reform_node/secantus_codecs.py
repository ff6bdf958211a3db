"""Two pure functions of the embedded database done in less CPU, with the stock's answers: WiredTiger's packing of
keys and values (`faster_packing`) and the check of an update's paths (`paths_without_conflict`), as the node
launches it (`reform_node.secantus`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import secantus.update
from secantus.update import _KNOWN_UPDATE_OPS as KNOWN_UPDATE_OPS

_STRING, _LAST_BYTES, _BYTES, _INTEGER = range(4)
_INTEGERS = frozenset("hHiIlLqQr")


def _plan(fmt: str) -> tuple[int, ...] | None:
    """A WiredTiger format of NUL-terminated strings, raw bytes and integers, without sizes, as the kind of each
    value; None for any other (left to the stock packer)."""
    body = fmt[1:] if fmt[:1] == "." else fmt
    if not body:
        return None
    kinds: list[int] = []
    for offset, char in enumerate(body):
        if char == "S":
            kinds.append(_STRING)
        elif char == "u":
            kinds.append(_LAST_BYTES if offset == len(body) - 1 else _BYTES)
        elif char in _INTEGERS:
            kinds.append(_INTEGER)
        else:
            return None
    return tuple(kinds)


def faster_packing(stock_pack: Callable[..., Any], stock_unpack: Callable[[str, Any], Any],
                   pack_int: Callable[[int], bytes], unpack_int: Callable[[bytes], tuple[int, bytes]]
                   ) -> tuple[Callable[..., Any], Callable[[str, Any], Any]]:
    """WiredTiger's Python packing of keys and values (`wiredtiger.packing`), byte for byte, for the formats the
    embedded database uses (`SSS`, `SSq`, `SSSu`, `u`…), with the plan of each format kept instead of parsed again
    at every call; any other format, or a value of another type than the stock expects, goes to the stock code.

    SWIG's cursor calls the stock pure-Python `pack` at each `set_key`/`set_value` and `unpack` at each
    `get_key`/`get_value`: 13–17% of an upsert's profile in the database's process (cProfile, 2026-12-04)."""
    plans: dict[str, tuple[int, ...] | None] = {}

    def pack(fmt: str, *values: Any) -> Any:
        plan = plans.get(fmt)
        if plan is None and fmt not in plans:
            plan = plans[fmt] = _plan(fmt)
        if plan is None or len(values) != len(plan):
            return stock_pack(fmt, *values)
        out: list[bytes] = []
        for kind, value in zip(plan, values, strict=True):
            if kind == _STRING:
                if type(value) is not str:
                    return stock_pack(fmt, *values)
                nul = value.find("\0")
                out.append((value if nul < 0 else value[:nul]).encode())
                out.append(b"\0")
            elif kind == _INTEGER:
                out.append(pack_int(value))
            elif type(value) is not bytes:
                return stock_pack(fmt, *values)
            elif kind == _BYTES:
                out.append(pack_int(len(value)))
                out.append(value)
            else:
                out.append(value)
        return b"".join(out)

    def unpack(fmt: str, data: Any) -> Any:
        plan = plans.get(fmt)
        if plan is None and fmt not in plans:
            plan = plans[fmt] = _plan(fmt)
        if plan is None or type(data) is not bytes:
            return stock_unpack(fmt, data)
        result: list[Any] = []
        pos = 0
        for kind in plan:
            if kind == _STRING:
                end = data.find(b"\0", pos)
                if end < 0:
                    return stock_unpack(fmt, data)
                result.append(data[pos:end].decode())
                pos = end + 1
            elif kind == _LAST_BYTES:
                result.append(data[pos:])
                pos = len(data)
            else:
                if pos >= len(data):
                    return stock_unpack(fmt, data)
                value, rest = unpack_int(data[pos:])
                if kind == _BYTES:
                    start = len(data) - len(rest)
                    result.append(data[start:start + value])
                    pos = start + value
                else:
                    result.append(value)
                    pos = len(data) - len(rest)
        return result

    return pack, unpack


def pack_faster() -> None:
    import wiredtiger.intpacking
    import wiredtiger.packing
    import wiredtiger.swig_wiredtiger

    pack, unpack = faster_packing(wiredtiger.packing.pack, wiredtiger.packing.unpack,
                                  wiredtiger.intpacking.pack_int, wiredtiger.intpacking.unpack_int)
    wiredtiger.swig_wiredtiger.pack, wiredtiger.swig_wiredtiger.unpack = pack, unpack


def paths_without_conflict(stock: Callable[[Mapping[str, Any]], tuple[str, str] | None]
                           ) -> Callable[[Mapping[str, Any]], tuple[str, str] | None]:
    """The stock walk of an update's paths, in time linear in their number instead of quadratic.

    SecantusDB 0.7.0b3 checks each path against every path claimed before it (`secantus.update._validate_update_paths`,
    twice an update: parsing it and applying it): a projection's upsert setting 30 fields compares ~450 pairs, 9.8% of
    the database's samples under a node's command load (py-spy --gil, 2026-12-04). Here the claimed paths and their
    prefixes are kept in sets. At the first operator it does not know, empty path or path that meets a claimed one,
    the stock walk runs instead: it meets nothing before that point either, so it raises or names the same thing, in
    its words and in its document order."""

    def walk(update: Mapping[str, Any]) -> tuple[str, str] | None:
        claimed: set[tuple[str, ...]] = set()
        prefixes: set[tuple[str, ...]] = set()
        for op, payload in update.items():
            if not op.startswith("$") or op not in KNOWN_UPDATE_OPS:
                return stock(update)  # the stock walk raises it
            if not isinstance(payload, Mapping):
                continue
            for field in payload:
                paths = [field]
                if op == "$rename":
                    dest = payload.get(field)
                    if isinstance(dest, str) and dest != field:
                        paths.append(dest)
                now: list[tuple[str, ...]] = []
                for path in paths:
                    parts = tuple(path.split("."))
                    if "" in parts or parts in claimed or parts in prefixes or any(
                            parts[:n] in claimed for n in range(1, len(parts))):
                        return stock(update)  # an empty path or a conflict: the stock walk names it
                    now.append(parts)
                for parts in now:  # a $rename's two ends are claimed together, never compared
                    claimed.add(parts)
                    prefixes.update(parts[:n] for n in range(1, len(parts)))
        return None

    return walk


def faster_update_paths() -> None:
    secantus.update._validate_update_paths = paths_without_conflict(secantus.update._validate_update_paths)
