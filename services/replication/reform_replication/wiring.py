"""The replication service's wiring: what its routes use, built once at start by `bootstrap.py`."""

from __future__ import annotations

from dataclasses import dataclass

from reform_replication.application.commands import ReplicationCommands
from reform_replication.application.evidence import EvidencePacks
from reform_replication.application.files import CatalogueFiles
from reform_replication.application.queries import ReplicationQueries


@dataclass(frozen=True)
class ReplicationWiring:
    commands: ReplicationCommands
    queries: ReplicationQueries
    evidence: EvidencePacks
    files: CatalogueFiles
