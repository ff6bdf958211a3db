"""Contracts of the replication service: a commune adopts another commune's recognised initiative and
reports what it measured; the city publishes its catalogue of recognised initiatives to every node.

An adoption is written by the adopting commune (`reform.<adopter>.adoption.<id>`), reaches the city like
every commune event, and comes back to every node inside the city's catalogue entry of the initiative
(`city.city.catalogue.<entry>`, one of `reform_shared.federation.CITY_DATA`): the originating commune sees
where its initiative is applied and with what effect, and every commune reads the catalogue offline. The entry's
documents follow as `catalogfile` aggregates: chunks then a marker, written by the originating commune and again by
the city once it checked them against the entry's SHA-256 (`reform_replication.application.files`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import ClassVar

from pydantic import Field

from reform_shared.envelope import Contract, EventPayload, is_subject_token
from reform_shared.events.submission import AttachmentRef, Indicator, Novelty, UnitRef


def entry_id_of(commune_id: str, initiative_id: str) -> str:
    """The catalogue entry (and adoption) id of a commune's initiative: readable when it fits a subject token."""
    readable = f"{commune_id}--{initiative_id}"
    if is_subject_token(readable):
        return readable
    return "e" + hashlib.sha256(readable.encode()).hexdigest()[:40]


class InitiativeAdopted(EventPayload):
    """A commune decided to apply another commune's recognised initiative (who leads it, which unit, since
    when, how it was adapted). One per adopting commune and initiative: its id is the entry's."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "adoption"

    adoption_id: str
    origin_commune_id: str
    origin_initiative_id: str
    title: str
    unit: UnitRef
    responsible: str
    since: dt.date
    adaptation: str
    decision_number: str = ""

    def aggregate_id(self) -> str:
        return self.adoption_id


class AdoptionResultsReported(EventPayload):
    """The adopting commune measured the original's indicators (before and after) on a day."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "adoption"

    adoption_id: str
    origin_commune_id: str
    origin_initiative_id: str
    measured_on: dt.date
    indicators: tuple[Indicator, ...]
    note: str = ""

    def aggregate_id(self) -> str:
        return self.adoption_id


class CatalogueAdoption(Contract):
    """An adoption as the catalogue shows it: where, by which unit, since when, how, and the last results."""

    adoption_id: str
    commune_id: str
    unit: UnitRef
    responsible: str = ""
    since: dt.date
    adaptation: str = ""
    measured_on: dt.date | None = None
    indicators: tuple[Indicator, ...] = ()


class CatalogueEntryPublished(EventPayload):
    """The city's catalogue entry of a recognised initiative, whole, at a revision (each change of what the
    city knows of it — content, decisions, adoptions, results — publishes the next revision). No author's
    name: the recognition events name none, and the catalogue publishes only what the decisions published."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "catalogue"

    entry_id: str
    revision: int
    origin_commune_id: str
    initiative_id: str
    year: int | None = None
    title: str
    unit: UnitRef
    field: str
    sub_area: str = ""
    summary: str = ""
    problem: str = ""
    solution: str = ""
    novelty: Novelty = Novelty()
    indicators: tuple[Indicator, ...] = ()
    replication_scope: str = ""
    attachments: tuple[AttachmentRef, ...] = ()
    recognition_number: str | None = None
    recognition_date: dt.date | None = None
    city_recognised: bool | None = None
    city_decision_number: str | None = None
    city_decision_date: dt.date | None = None
    adoptions: tuple[CatalogueAdoption, ...] = ()

    def aggregate_id(self) -> str:
        return self.entry_id


def file_id_of(commune_id: str, attachment_id: str) -> str:
    """The id of a catalogue file's aggregate (`catalogfile`): the originating commune's attachment."""
    return entry_id_of(commune_id, attachment_id)


class CatalogueFileChunk(EventPayload):
    """One piece of a recognised initiative's attachment on its way to every node (`data`: base64, at most
    `CHUNK_BYTES` decoded). Written by the originating commune (`reform-files.<origin>.catalogfile.<file>`), then by
    the city once it checked the whole file against the catalogue's SHA-256 (`city-files.city.catalogfile.<file>`)."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "catalogfile"

    file_id: str
    index: int = Field(ge=0)
    data: str

    def aggregate_id(self) -> str:
        return self.file_id


class CatalogueFileSent(EventPayload):
    """Every chunk of the file is in the record before this: what it is (the catalogue's reference) and how
    many chunks hold it. The last event of a `catalogfile` aggregate; the only one projections read."""

    schema_version: ClassVar[int] = 1
    aggregate_type: ClassVar[str] = "catalogfile"

    file_id: str
    entry_id: str
    origin_commune_id: str
    attachment: AttachmentRef
    chunks: int = Field(ge=0)

    def aggregate_id(self) -> str:
        return self.file_id


FILE_PAYLOADS = (CatalogueFileChunk, CatalogueFileSent)
"""Published under the node's files prefix (`reform-files`, `city-files`: Settings.files_prefix), not its events'."""
REPLICATION_PAYLOADS = (InitiativeAdopted, AdoptionResultsReported, CatalogueEntryPublished, CatalogueFileChunk,
                        CatalogueFileSent)
