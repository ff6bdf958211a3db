"""The catalogue's documents on every node: the bytes of a recognised initiative's attachments, origin → city → all.

    origin node                           city node                                every node
    REFORM_ATTACHMENTS <c>/<attachment>   reform-files.<c>.catalogfile.<file>       city-files.city.catalogfile.<file>
      │ the sender: recognised only,        (via FED_) │ the relay: the catalogue     (via OUT_) → `files`.here,
      ▼ checked against their SHA-256                  ▼ lists it, every byte matches  read on GET …/files/{id}
    reform-files.<c>.catalogfile.<file> ──▶ city-files.city.catalogfile.<file> ──────▶

The files travel as events (`CatalogueFileChunk`, then `CatalogueFileSent`) in the nodes' streams, under the files
prefix (`<prefix>-files`, Settings.files_prefix) that no consumer of events reads, over sources the federation keeps
beside the events' (reform_shared.federation): durable once appended (sync_interval: always), store-and-forward
across a hub outage, and decided on the aggregate's own history, so a round that restarts, runs twice or stopped
half-way appends each chunk once. Projections read only the marker; the reader reassembles the chunks from the
stream and checks them again, so a file that does not match is never served.

A round reads only recognised sources (indexed), and is skipped while the projection has applied nothing since a round
that finished (and no file looked for in vain is due to be looked for again), but for one round a minute: idle, it
costs one read of a checkpoint.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any

from nats.js import JetStreamContext
from pymongo.asynchronous.database import AsyncDatabase

from reform_replication.application.evidence import read_file
from reform_replication.application.projection import CATALOGUE, FILES, RELAYED_BY, SOURCES, BookRounds
from reform_replication.domain.catalogue import is_recognised
from reform_replication.domain.files import FileRefused, assemble, to_send
from reform_shared.commands import CommandBus, CommandContext, Options, Target
from reform_shared.envelope import Actor
from reform_shared.errors import Conflict, DomainError, NotFound
from reform_shared.events.replication import file_id_of
from reform_shared.events.submission import AttachmentRef
from reform_shared.ids import Clock, new_id
from reform_shared.registry import EventRegistry
from reform_shared.store import JetStreamEventStore

log = logging.getLogger(__name__)
AGGREGATE = "catalogfile"
NO_CHANGE = Options(allow_no_change=True)
ABSENT_RETRY = dt.timedelta(seconds=60)
"""A recognised initiative's file this node's store does not hold (another commune's) is looked for again after."""


def sender(commune_id: str) -> Actor:
    return Actor(user_id="service:replication", name="Gửi tài liệu danh mục (replication)", commune_id=commune_id,
                 roles=("service",))


def listed(entry: dict[str, Any] | None, attachment_id: str) -> AttachmentRef | None:
    """The catalogue's reference of one of an entry's attachments, None when the entry does not list it."""
    for ref in (entry or {}).get("attachments") or ():
        if ref.get("attachment_id") == attachment_id:
            return AttachmentRef.model_validate(ref)
    return None


class CatalogueFiles:
    """The sender (every node), the city's relay of checked files, and the reader (every node)."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]], js: JetStreamContext, registry: EventRegistry,
                 bus: CommandBus, clock: Clock, *, stream: str, bucket: str, max_bytes: int, own_prefix: str) -> None:
        self._db, self._js, self._registry, self._bus, self._clock = db, js, registry, bus, clock
        self._stream, self._bucket, self._max, self._own = stream, bucket, max_bytes, own_prefix
        self._absent: dict[str, dt.datetime] = {}
        """Files wanted and not held, with when they were last looked for (or sent)."""
        self._refused: set[str] = set()
        self._rounds = BookRounds(db)

    def _store(self, prefix: str) -> JetStreamEventStore:
        return JetStreamEventStore(self._js, self._registry, self._stream, prefix)

    async def _append(self, commune_id: str, file_id: str, entry_id: str, origin: str, ref: AttachmentRef,
                      data: bytes) -> int:
        ctx = CommandContext(actor=sender(commune_id), clock=self._clock, correlation_id=new_id())
        outcome = await self._bus.decide_and_append(
            ctx, Target(commune_id, AGGREGATE, file_id),
            lambda history: to_send(file_id, entry_id, origin, ref, data, history.payloads), key=None,
            options=NO_CHANGE)
        return len(outcome.events)

    # -- the sender: this node's recognised initiatives' files, from its own attachments store -------------
    async def send_round(self) -> int:
        sent = 0
        held = {d["_id"] async for d in self._db[FILES].find({"origin": {"$exists": True}}, {"_id": 1})}
        wanted: set[str] = set()
        async for source in self._db[SOURCES].find({"recognised": True, "content.attachments.0": {"$exists": True}}):
            if not is_recognised(source):
                continue  # withdrawn: its files stay home
            origin = source["origin_commune_id"]
            for raw in source["content"]["attachments"]:
                ref = AttachmentRef.model_validate(raw)
                file_id = file_id_of(origin, ref.attachment_id)
                if file_id in held:
                    continue
                wanted.add(file_id)
                if not self._looked_for_lately(file_id):
                    sent += await self._send(origin, source["_id"], file_id, ref)
        self._absent = {file_id: since for file_id, since in self._absent.items() if file_id in wanted}
        return sent

    def _retry_due(self) -> bool:
        now = self._clock.now()
        return any(now - since >= ABSENT_RETRY for since in self._absent.values())

    def _looked_for_lately(self, file_id: str) -> bool:
        since = self._absent.get(file_id)
        return since is not None and self._clock.now() - since < ABSENT_RETRY

    async def _send(self, origin: str, entry_id: str, file_id: str, ref: AttachmentRef) -> int:
        if ref.size > self._max:
            log.warning("catalogue file %s: %d bytes, over the %d of an upload: not sent", file_id, ref.size, self._max)
            self._absent[file_id] = self._clock.now()
            return 0
        data = await read_file(self._js, self._bucket, origin, ref.model_dump())
        if data is None:  # another commune's file (not in this node's store), or not its SHA-256
            self._absent[file_id] = self._clock.now()
            return 0
        appended = await self._append(origin, file_id, entry_id, origin, ref, data)
        self._absent[file_id] = self._clock.now()  # sent (or already there): the projection's marker follows
        return appended

    # -- the city's relay: an origin's copy the catalogue lists, checked byte for byte, to every node -------
    async def relay_round(self) -> int:
        relayed = 0
        async for doc in self._db[FILES].find({"origin": {"$exists": True}, "here": {"$exists": False}}):
            if doc["_id"] in self._refused:
                continue
            origin = doc["origin"]
            entry = await self._db[CATALOGUE].find_one({"_id": origin["entry_id"]})
            ref = listed(entry, origin["attachment"]["attachment_id"])
            if ref is None or origin["commune_id"] != origin["origin_commune_id"] or \
                    (entry or {}).get("origin_commune_id") != origin["commune_id"]:
                continue  # not (yet) in the catalogue: only what the decisions published travels
            try:
                data = await self._bytes(origin, doc["_id"], ref)
            except FileRefused as exc:
                log.error("catalogue file %s from %s refused, not relayed: %s", doc["_id"], origin["commune_id"], exc)
                self._refused.add(doc["_id"])
                continue
            relayed += bool(await self._append(RELAYED_BY, doc["_id"], origin["entry_id"], origin["commune_id"],
                                               ref, data))
        return relayed

    async def _bytes(self, copy: dict[str, Any], file_id: str, ref: AttachmentRef) -> bytes:
        history = await self._store(copy["prefix"]).load(copy["commune_id"], AGGREGATE, file_id)
        return assemble(history.payloads, ref, self._max)

    async def run_once(self, relay: bool) -> int:
        checkpoint = await self._rounds.begin(due=self._retry_due())
        if checkpoint is None:
            return 0  # nothing applied since the last round finished
        done, settled = 0, True
        for step in ((self.send_round, self.relay_round) if relay else (self.send_round,)):
            try:
                done += await step()
            except DomainError as exc:  # NATS away, a concurrent round won: the next round decides again
                settled = False
                log.info("catalogue files: %s postponed: %s", step.__name__, exc)
        self._rounds.end(checkpoint, settled)
        return done

    async def run_forever(self, interval: float, relay: bool) -> None:
        while True:
            try:
                await self.run_once(relay)
            except Exception:
                log.exception("catalogue files: round failed")
            await asyncio.sleep(interval)

    # -- the reader: every node, from its own stream --------------------------------------------------------
    async def availability(self, entry: dict[str, Any]) -> list[dict[str, Any]]:
        """Each attachment of an entry and whether its bytes are on this node."""
        refs = [AttachmentRef.model_validate(r) for r in entry.get("attachments") or ()]
        ids = [file_id_of(entry["origin_commune_id"], r.attachment_id) for r in refs]
        docs = {d["_id"]: d async for d in self._db[FILES].find({"_id": {"$in": ids}})}
        return [{**r.model_dump(mode="json"), "on_this_node": self._servable(docs.get(i, {})) is not None}
                for r, i in zip(refs, ids, strict=True)]

    def _servable(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        """The copy a reader gets: the one the city checked, else this node's own (the originating node's), never a
        commune's copy the city holds unchecked."""
        origin = doc.get("origin")
        own = origin if origin is not None and origin.get("prefix") == self._own else None
        return doc.get("here") or own

    async def checked_copy(self, origin: str, ref: dict[str, Any]) -> bytes | None:
        """A commune's recognised file as this node holds it in its record (the copy the city checked, or its own),
        None when absent or not its SHA-256: the evidence pack's files on the city."""
        file_id = file_id_of(origin, ref["attachment_id"])
        copy = self._servable(await self._db[FILES].find_one({"_id": file_id}) or {})
        if copy is None:
            return None
        try:
            return await self._bytes(copy, file_id, AttachmentRef.model_validate(
                {name: ref[name] for name in AttachmentRef.model_fields}))
        except FileRefused:
            return None

    async def read(self, entry: dict[str, Any], attachment_id: str) -> tuple[AttachmentRef, bytes]:
        ref = listed(entry, attachment_id)
        if ref is None:
            raise NotFound("Sáng kiến này không có tài liệu đó", "the entry lists no such document",
                           field="attachment_id", rule="listed_in_entry")
        file_id = file_id_of(entry["origin_commune_id"], attachment_id)
        copy = self._servable(await self._db[FILES].find_one({"_id": file_id}) or {})
        if copy is None:
            raise NotFound("Tài liệu chưa về đến xã, xin thử lại sau", "the document is not yet on this node",
                           field="attachment_id", rule="not_yet_on_this_node")
        try:
            return ref, await self._bytes(copy, file_id, ref)
        except FileRefused as exc:
            log.error("catalogue file %s not served: %s", file_id, exc)
            raise Conflict("Tài liệu nhận được không khớp mã kiểm tra SHA-256 của danh mục nên không được mở",
                           "the document received does not match the catalogue's SHA-256: not served",
                           field="attachment_id", rule="checksum_matches") from exc
