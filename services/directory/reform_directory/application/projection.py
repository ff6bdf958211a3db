"""The directory's read model: one document per commune holding its directory's dated facts, in stream order.

Each event's facts are computed from the event alone (`reform_shared.directory_view.facts_of`) and appended
to the document's `facts` array; reading it back is `DirectoryView.from_dict(doc)`. Any service that needs
the directory keeps the same document the same way.
"""

from __future__ import annotations

from reform_shared.directory_copy import DIRECTORY_WRITES, HEADS, VIEWS
from reform_shared.projection import Projection, Write, WriteTable
from reform_shared.store import StoredEvent

WRITES = WriteTable(DIRECTORY_WRITES)


class DirectoryBook(Projection):
    name = "directory"
    event_types = WRITES.event_types
    collections = (VIEWS, HEADS)

    def apply(self, event: StoredEvent) -> list[Write]:
        return WRITES.writes(event.envelope)
