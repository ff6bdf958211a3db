"""The submission service's copy of the commune's directory: the directory events' dated facts, one document
per commune (`reform_shared.directory_view`), kept by the dossiers projection.

A command reads the copy first; when the copy does not show what the command names (a unit or an author just
recorded, not copied yet) or shows no directory at all, it folds the directory from the record itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from reform_shared.directory_copy import DIRECTORY_WRITES as SHARED_WRITES
from reform_shared.directory_copy import directory_of, recorded_directory
from reform_shared.directory_view import DirectoryView
from reform_shared.ports import EventStore
from reform_shared.projection import WriteTable

DIRECTORY_WRITES = WriteTable(SHARED_WRITES)
"""The writes of every directory event: its facts appended to its commune's document."""


class DirectoryViews:
    def __init__(self, db: AsyncDatabase[dict[str, Any]] | None, store: EventStore) -> None:
        self._db = db
        self._store = store

    async def copied(self, commune_id: str) -> DirectoryView:
        if self._db is None:
            return DirectoryView()
        return await directory_of(self._db, commune_id)

    async def recorded(self, commune_id: str) -> DirectoryView:
        return await recorded_directory(self._store, commune_id)

    async def view(self, commune_id: str, enough: Callable[[DirectoryView], bool],
                   copied: DirectoryView | None = None) -> DirectoryView:
        """The copy (as `copied`, if the caller just read it) if it is `enough` for the command, else the record's."""
        copied = copied if copied is not None else await self.copied(commune_id)
        return copied if len(copied) and enough(copied) else await self.recorded(commune_id)
