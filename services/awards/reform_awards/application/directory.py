"""The awards service's copy of the commune's directory: the directory events' dated facts, one document per
commune (`reform_shared.directory_view`), kept by the award board like its other documents.

A proposal reads it on the proposal date. The projection may lag a moment behind a change just made in the
directory service, so a recipient it does not show is looked up once more in the record itself (the
directory aggregate, under every prefix the node reads) before being refused.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from reform_awards.application.record import Record
from reform_shared.directory_copy import DIRECTORY_AGGREGATE, directory_of
from reform_shared.directory_view import DirectoryView

"""The writes of every directory event: its facts appended to its commune's document."""


class DirectoryViews:
    """The directory of a commune as this service knows it."""

    def __init__(self, db: AsyncDatabase[dict[str, Any]], record: Record) -> None:
        self._db = db
        self._record = record

    async def view(self, commune_id: str) -> DirectoryView:
        return await directory_of(self._db, commune_id)

    async def recorded(self, commune_id: str) -> DirectoryView:
        """The directory folded from the record itself (no lag)."""
        return DirectoryView().applied_envelopes(await self._record.load(commune_id, *DIRECTORY_AGGREGATE))
