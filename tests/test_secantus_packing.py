"""The embedded database's WiredTiger keys and values are packed by `secantus_codecs.faster_packing` byte for
byte as WiredTiger's own Python packer packs them, and read back alike: for every format the database uses, on
generated strings (accents, NUL, surrogate-free Unicode), integers across every size class, and raw bytes; any
other format, or a value of a type the formats do not take, is the stock code's, errors included."""

from __future__ import annotations

import random
from typing import Any

import pytest
import wiredtiger.intpacking
import wiredtiger.packing

from reform_node.secantus_codecs import faster_packing

STOCK_PACK, STOCK_UNPACK = wiredtiger.packing.pack, wiredtiger.packing.unpack
PACK, UNPACK = faster_packing(STOCK_PACK, STOCK_UNPACK, wiredtiger.intpacking.pack_int,
                              wiredtiger.intpacking.unpack_int)
FORMATS = ("S", "SS", "SSS", "SSq", "SSu", "SSSu", "SSSq", "u", "q", "Q", "r", "QQ", "qu", "uq", ".SSS", "SSQu")
EDGES = (0, 1, -1, 63, 64, -64, -65, 8255, 8256, -8256, -8257, 2**31, -2**31, 2**63 - 1, -2**63, 2**40 + 7)
ALPHABET = "aăâđêôơưxyz Ệệ_.-$:0\u0000\u4e2d😀"


def value_for(char: str, rng: random.Random) -> Any:
    if char == "S":
        return "".join(rng.choices(ALPHABET, k=rng.randint(0, 12)))
    if char == "u":
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 40)))
    if char in "Qr":
        return rng.choice([e for e in EDGES if e >= 0] + [rng.randint(0, 2**64 - 1)])
    return rng.choice(EDGES + (rng.randint(-2**63, 2**63 - 1),))


def outcome(function: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "value", function(*args)
    except Exception as exc:  # noqa: BLE001 - the stock's errors are part of what must be the same
        return "error", type(exc)


def test_every_format_the_database_uses_packs_and_reads_back_byte_for_byte() -> None:
    rng = random.Random(20261204)
    for _ in range(20_000):
        fmt = rng.choice(FORMATS)
        values = [value_for(char, rng) for char in fmt.lstrip(".")]
        packed = STOCK_PACK(fmt, *values)
        assert PACK(fmt, *values) == packed, (fmt, values)
        assert UNPACK(fmt, packed) == STOCK_UNPACK(fmt, packed), (fmt, values)


def test_keys_sort_as_they_did() -> None:
    """WiredTiger orders keys by their packed bytes: the same bytes, the same order of documents and index
    entries."""
    rng = random.Random(7)
    keys = [("db", rng.choice(["c", "cc", "c.d"]), rng.choice(EDGES)) for _ in range(2_000)]
    assert sorted(keys, key=lambda k: PACK("SSq", *k)) == sorted(keys, key=lambda k: STOCK_PACK("SSq", *k))


@pytest.mark.parametrize(("fmt", "values"), [
    ("SS", ("db",)),  # fewer values than the format
    ("SS", ("db", "c", "extra")),
    ("S", (b"bytes for a string",)),
    ("u", ("text for bytes",)),
    ("q", ("7",)),
    ("q", (2**64,)),  # out of range
    ("3s", ("abcdef",)),  # a sized format
    ("Bb", (1, -1)),
    ("t", (1,)),
    ("", ()),
    ("@SS", ("a", "b")),
    ("Sx", ("a",)),
])
def test_anything_else_is_the_stock_packers(fmt: str, values: tuple[Any, ...]) -> None:
    assert outcome(PACK, fmt, *values) == outcome(STOCK_PACK, fmt, *values)


@pytest.mark.parametrize(("fmt", "data"), [
    ("SS", b"db\x00c"),  # a string without its NUL
    ("SSq", b"db\x00c\x00"),  # a missing integer
    ("q", b""),
    ("Su", b"\xff\x00"),  # not UTF-8
    ("u", None),
    ("SSu", b"db\x00c\x00"),
])
def test_what_cannot_be_read_is_read_as_the_stock_reads_it(fmt: str, data: Any) -> None:
    assert outcome(UNPACK, fmt, data) == outcome(STOCK_UNPACK, fmt, data)
