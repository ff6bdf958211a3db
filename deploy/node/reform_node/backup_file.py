"""The backup file: JSON lines, one stream section after another, a SHA-256 of everything on its last line.

    {"format": "reform-node-backup", "version": 1, "created_at": …, "streams": [names]}     the header
    {"stream": "KV_REFORM_IDEMPOTENCY", "role": "idempotency", "config": {…}, "first_seq": 1, "last_seq": 42}
    {"seq": 1, "subject": "$KV.REFORM_IDEMPOTENCY.…", "headers": {…}, "data": "<base64>"}    one line a message
    …                                                                                     the next sections
    {"end": true, "messages": {"KV_REFORM_IDEMPOTENCY": 42, …}, "sha256": "<hex of every line before>"}

Plain text on purpose: an operator can look into it (`head -c 2000`, `jq`), it does not depend on how a
nats-server version lays out its files, and it restores into a single server or a cluster alike. The file
is written as `<name>.partial` and renamed once complete and fsync'd, so a backup cut short never looks whole.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

FORMAT = "reform-node-backup"
VERSION = 1


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message says why, in Vietnamese and English."""


def _encode(record: dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


class BackupWriter:
    """Writes records and keeps the running SHA-256; `finish` adds the end line and renames the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        self._out: IO[bytes] = open(self.partial, "wb")  # noqa: SIM115 - closed in finish/abort
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, record: dict[str, Any]) -> None:
        line = _encode(record)
        self._hash.update(line)
        self._out.write(line)
        self.size += len(line)

    def message(self, seq: int, subject: str, headers: dict[str, str] | None, data: bytes) -> None:
        record: dict[str, Any] = {"seq": seq, "subject": subject, "data": base64.b64encode(data).decode("ascii")}
        if headers:
            record["headers"] = headers
        self.write(record)

    def finish(self, summary: dict[str, Any]) -> None:
        self._out.write(_encode({"end": True, **summary, "sha256": self._hash.hexdigest()}))
        self._out.flush()
        os.fsync(self._out.fileno())
        self._out.close()
        self.partial.replace(self.path)

    def abort(self) -> None:
        self._out.close()
        self.partial.unlink(missing_ok=True)


def verify(path: Path) -> dict[str, Any]:
    """The end record, once the file's SHA-256 matches it; BackupError for a cut or altered file. With
    `file_sha256`: the whole file's, as `sha256sum FILE` prints it (how the restore names its backup)."""
    digest, whole = hashlib.sha256(), hashlib.sha256()
    last: bytes | None = None
    with open(path, "rb") as source:
        for line in source:
            if last is not None:
                digest.update(last)
            last = line
            whole.update(line)
    end = json.loads(last) if last else {}
    if not isinstance(end, dict) or not end.get("end"):
        raise BackupError(f"Tệp sao lưu {path} không trọn vẹn (thiếu dòng kết thúc) — "
                          f"the backup file {path} is incomplete (no end line)")
    if end.get("sha256") != digest.hexdigest():
        raise BackupError(f"Tệp sao lưu {path} sai mã kiểm tra SHA-256: tệp đã bị hỏng hoặc sửa — "
                          f"the backup file {path} fails its SHA-256 check: it is damaged or was changed")
    return {**end, "file_sha256": whole.hexdigest()}


def records(path: Path) -> Iterator[dict[str, Any]]:
    """Every record but the end line, in order (call `verify` first)."""
    with open(path, "rb") as source:
        header = json.loads(next(source))
        if header.get("format") != FORMAT or header.get("version") != VERSION:
            raise BackupError(f"{path}: không phải tệp sao lưu của reform-node phiên bản {VERSION} — "
                              f"not a reform-node backup of version {VERSION}")
        yield header
        for line in source:
            record = json.loads(line)
            if record.get("end"):
                return
            yield record


def data_of(record: dict[str, Any]) -> bytes:
    return base64.b64decode(record["data"])
