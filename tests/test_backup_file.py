"""The backup file on its own: a checksum that catches a changed or cut file, and NATS subject matching of the
restore (which binds sourced subjects while it publishes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reform_node.backup_file import FORMAT, VERSION, BackupError, BackupWriter, data_of, records, verify
from reform_node.restore import matches

pytestmark = pytest.mark.domain


def written(path: Path) -> Path:
    writer = BackupWriter(path)
    writer.write({"format": FORMAT, "version": VERSION, "streams": ["S"]})
    writer.write({"stream": "S", "role": "events", "config": {"name": "S"}, "first_seq": 1, "last_seq": 2})
    writer.message(1, "reform.x.initiative.a.InitiativeSubmitted", {"Nats-Msg-Id": "e1"}, b'{"a":1}')
    writer.message(2, "reform.x.initiative.b.InitiativeSubmitted", None, "Sáng kiến".encode())
    writer.finish({"messages": {"S": 2}})
    return path


def test_a_whole_file_verifies_and_reads_back_in_order(tmp_path: Path) -> None:
    path = written(tmp_path / "b.jsonl")
    assert not (tmp_path / "b.jsonl.partial").exists()
    assert verify(path)["messages"] == {"S": 2}
    header, section, *messages = list(records(path))
    assert header["streams"] == ["S"] and section["stream"] == "S"
    assert [m["seq"] for m in messages] == [1, 2]
    assert messages[0]["headers"] == {"Nats-Msg-Id": "e1"} and data_of(messages[1]) == "Sáng kiến".encode()


def test_a_changed_byte_or_a_cut_file_is_refused(tmp_path: Path) -> None:
    path = written(tmp_path / "b.jsonl")
    text = path.read_bytes()
    path.write_bytes(text.replace(b'"seq":2', b'"seq":3'))
    with pytest.raises(BackupError, match="SHA-256"):
        verify(path)
    path.write_bytes(text[: text.rindex(b'{"end"')])
    with pytest.raises(BackupError, match="incomplete"):
        verify(path)


def test_a_backup_cut_short_leaves_no_file(tmp_path: Path) -> None:
    writer = BackupWriter(tmp_path / "b.jsonl")
    writer.write({"format": FORMAT, "version": VERSION, "streams": []})
    writer.abort()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("subject", "pattern", "expected"), [
    ("city.an-lao.cityappraisal.i1.CityRecognitionDecided", "city.>", True),
    ("city.an-lao.x", "reform.>", False),
    ("reform.a.b", "reform.*.b", True),
    ("reform.a", "reform.*.b", False),
    ("reform", "reform.>", False),
])
def test_subject_matching(subject: str, pattern: str, expected: bool) -> None:
    assert matches(subject, pattern) is expected
