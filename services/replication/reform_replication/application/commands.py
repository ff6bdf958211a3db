"""Command handlers of the replication service: adopt an initiative of the catalogue, report its results.

Each is decided once on the adopting commune's adoption aggregate (`reform.<commune>.adoption.<entry>`), with
the catalogue entry as this node's projection holds it (the city's entry, received offline).
"""

from __future__ import annotations

from typing import Any, Protocol

from reform_replication.domain.adoption import AdoptInitiative, ReportResults, decide_adoption, decide_results
from reform_shared.commands import CommandBus, CommandContext, Operation, Target
from reform_shared.idempotency import CommandResult
from reform_shared.ids import VIETNAM
from reform_shared.ports import AppendOutcome


class Catalogue(Protocol):
    """Where a command finds the catalogue entry it names (the node's projection; a dict in tests)."""

    async def entry_or_none(self, entry_id: str) -> dict[str, Any] | None: ...


def done(outcome: AppendOutcome) -> dict[str, Any]:
    last = outcome.events[-1]
    return {"adoption_id": last.envelope.aggregate_id, "event_type": last.envelope.event_type,
            "event_id": last.envelope.event_id, "stream_sequence": last.stream_seq,
            "occurred_at": last.envelope.occurred_at.isoformat()}


class ReplicationCommands:
    def __init__(self, bus: CommandBus, queries: Catalogue) -> None:
        self._bus = bus
        self._queries = queries

    async def adopt(self, ctx: CommandContext, command: AdoptInitiative) -> CommandResult:
        entry = await self._queries.entry_or_none(command.entry_id)
        today = ctx.clock.now().astimezone(VIETNAM).date()
        return await self._bus.execute(
            ctx, Target(command.commune_id, "adoption", command.entry_id), Operation("adopt", command.request()),
            lambda h: decide_adoption(h.payloads, entry, command, today), done)

    async def report(self, ctx: CommandContext, command: ReportResults) -> CommandResult:
        entry = await self._queries.entry_or_none(command.entry_id)
        today = ctx.clock.now().astimezone(VIETNAM).date()
        return await self._bus.execute(
            ctx, Target(command.commune_id, "adoption", command.entry_id),
            Operation("report_results", command.request()),
            lambda h: decide_results(h.payloads, entry, command, today), done)
