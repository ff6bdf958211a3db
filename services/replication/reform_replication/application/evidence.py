"""The PAR evidence pack: the commune's events replayed from the node's stream up to the moment asked (its
own subjects under every prefix the node reads, and the city's catalogue), folded (`domain/evidence.py`),
and bundled as one ZIP with the report (DOCX, XLSX), the figures (JSON) and the recognised initiatives' files
read from the node's attachments store, or else from the catalogue's checked copies in its record (on the city),
each checked against its SHA-256 (a file that is not on this node is listed in the manifest as missing, never
silently left out)."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from nats.js import JetStreamContext
from nats.js.errors import Error as JetStreamError

from reform_replication.documents.report import evidence_docx, evidence_xlsx
from reform_replication.domain.evidence import EVIDENCE_TYPES, evidence
from reform_shared.asof import events_as_of
from reform_shared.envelope import EventEnvelope
from reform_shared.registry import EventRegistry

FILE_TIMEOUT = 10.0


async def replay(js: JetStreamContext, registry: EventRegistry, stream: str, prefixes: Sequence[str],
                 commune_id: str, as_of: dt.datetime) -> list[EventEnvelope]:
    filters = [f"{p}.{commune_id}.>" for p in prefixes] + [f"{p}.city.catalogue.>" for p in prefixes]
    return [envelope async for envelope, _ in events_as_of(js, registry, stream, filters, EVIDENCE_TYPES, as_of)]


async def read_file(js: JetStreamContext, bucket: str, commune_id: str, ref: dict[str, Any]) -> bytes | None:
    """An attachment's bytes from the node's object store, or None when absent here or not its checksum."""
    try:
        store = await js.object_store(bucket)
        result = await asyncio.wait_for(store.get(f"{commune_id}/{ref['attachment_id']}"), FILE_TIMEOUT)
    except (JetStreamError, TimeoutError):
        return None
    data = result.data or b""
    return data if hashlib.sha256(data).hexdigest() == ref["sha256"] else None


CopyOf = Callable[[str, dict[str, Any]], Awaitable[bytes | None]]
"""A commune's recognised file from the catalogue's copies in the node's record (application/files.py)."""


class EvidencePacks:
    def __init__(self, js: JetStreamContext, registry: EventRegistry, stream: str, prefixes: Sequence[str],
                 bucket: str, copy_of: CopyOf | None = None) -> None:
        self._js, self._registry, self._stream, self._prefixes, self._bucket = js, registry, stream, prefixes, bucket
        self._copy_of = copy_of

    async def figures(self, commune_id: str, year: int, as_of: dt.datetime) -> tuple[dict[str, Any],
                                                                                      list[dict[str, Any]]]:
        events = await replay(self._js, self._registry, self._stream, self._prefixes, commune_id, as_of)
        figures, documents = evidence(commune_id, year, events)
        return {**figures, "as_of": as_of.isoformat(), "events_replayed": len(events)}, documents

    async def bundle(self, commune_id: str, year: int, as_of: dt.datetime) -> bytes:
        figures, documents = await self.figures(commune_id, year, as_of)
        stamp = max((1980, 1, 1, 0, 0, 0), min(as_of.timetuple()[:6], (2107, 12, 31, 23, 59, 58)))  # ZIP's range
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
            def put(name: str, data: bytes) -> None:
                bundle.writestr(zipfile.ZipInfo(name, date_time=stamp), data)

            put("bao-cao-minh-chung.docx", evidence_docx(figures, as_of))
            put("so-lieu-minh-chung.xlsx", evidence_xlsx(figures))
            manifest = []
            for doc in documents:
                data = await read_file(self._js, self._bucket, commune_id, doc)
                if data is None and self._copy_of is not None:  # on the city: the copy it checked
                    data = await self._copy_of(commune_id, doc)
                name = f"tai-lieu/{doc['initiative_id']}/{doc['attachment_id']}-{doc['filename']}"
                if data is not None:
                    put(name, data)
                manifest.append({**doc, "path": name if data is not None else None, "included": data is not None})
            put("so-lieu.json", json.dumps({**figures, "documents": manifest}, ensure_ascii=False, indent=2,
                                           sort_keys=True).encode())
        return out.getvalue()
