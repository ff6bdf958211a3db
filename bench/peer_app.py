"""The peer's application for `bench.peer`: an eventsourcing aggregate with the information of the store's
InitiativeSubmitted / InitiativeRevised. Its own module: eventsourcing registers each class by its topic once."""

from __future__ import annotations

import uuid

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Initiative(Aggregate):
    @event("Submitted")
    def __init__(self, campaign_id: str, title: str, unit: str, field: str, summary: str) -> None:
        self.campaign_id, self.title, self.unit, self.field, self.summary = campaign_id, title, unit, field, summary
        self.revision = 0
        self.note = ""

    @event("Revised")
    def revise(self, revision: int, title: str, note: str) -> None:
        self.revision, self.title, self.note = revision, title, note


class Initiatives(Application[uuid.UUID]):
    pass
