"""Command handlers of the directory service: every command decided on the commune's one directory aggregate.

A writer that loses a race with another change of the same directory decides again on the new state (so it
gets the rule that now refuses it, not a bare 409). An import is read and checked whole, then appended as
one `DirectoryImported` event; its dry run plans the same on the directory as recorded and appends nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from reform_directory.adapters.spreadsheet import read_spreadsheet
from reform_directory.domain.commands import DirectoryCommand
from reform_directory.domain.directory import decide
from reform_directory.domain.importing import Plan, plan_import
from reform_shared.commands import CommandBus, CommandContext, Operation, Options, Target
from reform_shared.directory_copy import DIRECTORY_AGGREGATE
from reform_shared.directory_view import DirectoryView
from reform_shared.idempotency import CommandResult
from reform_shared.ids import new_id
from reform_shared.ports import AppendOutcome

AGGREGATE_TYPE, AGGREGATE_ID = DIRECTORY_AGGREGATE
RACING = Options(retries=3)
"""A writer that lost a race decides again on the new state (up to three times)."""


def directory_of(commune_id: str) -> Target:
    return Target(commune_id, AGGREGATE_TYPE, AGGREGATE_ID)

OPERATIONS = {"AddUnit": "add_unit", "UpdateUnit": "update_unit", "CloseUnit": "close_unit",
              "AppointHead": "appoint_head", "VacateHead": "vacate_head", "RegisterOfficial": "register_official",
              "UpdateOfficial": "update_official", "MoveOfficial": "move_official", "ChangeRoles": "change_roles",
              "RecordDeparture": "record_departure", "ImportDirectory": "import_directory"}


def done(outcome: AppendOutcome) -> dict[str, Any]:
    last = outcome.events[-1]
    return {"event_types": [e.envelope.event_type for e in outcome.events], "event_id": last.envelope.event_id,
            "stream_sequence": last.stream_seq, "occurred_at": last.envelope.occurred_at.isoformat(),
            "effective": str(getattr(last.envelope.payload, "effective", ""))}


class DirectoryCommands:
    def __init__(self, bus: CommandBus) -> None:
        self._bus = bus

    async def view(self, commune_id: str) -> DirectoryView:
        """The directory as recorded (the event store, not a projection): what a command decides on."""
        history = await self._bus.store.load(commune_id, AGGREGATE_TYPE, AGGREGATE_ID)
        return DirectoryView.fold(history.payloads)

    async def run(self, ctx: CommandContext, command: DirectoryCommand) -> CommandResult:
        return await self._bus.execute(
            ctx, directory_of(command.commune_id), Operation(OPERATIONS[type(command).__name__], command.request()),
            lambda history: decide(DirectoryView.fold(history.payloads), command), done, RACING)

    async def import_sheet(self, ctx: CommandContext, commune_id: str, effective: dt.date, data: bytes,
                           source_name: str, dry_run: bool = False) -> CommandResult:
        """Plan the spreadsheet on the directory; record it as one event unless `dry_run`."""
        sheets = read_spreadsheet(data, source_name)

        def planned(view: DirectoryView) -> Plan:
            return plan_import(view, sheets, commune_id=commune_id, effective=effective, import_id=new_id(),
                               source_name=source_name)

        if dry_run:
            plan = planned(await self.view(commune_id))
            return CommandResult({"dry_run": True, **plan.summary()})
        plans: list[Plan] = []

        def decide_import(history: Any) -> Any:
            view = DirectoryView.fold(history.payloads)
            plans[:] = [planned(view)]
            return decide(view, plans[0].command)

        def respond(outcome: AppendOutcome) -> dict[str, Any]:
            imported = outcome.events[-1].envelope.payload
            summary = plans[0].summary() if plans else {}
            return {**done(outcome), "dry_run": False, "import_id": getattr(imported, "import_id", None), **summary}

        request = {"sha256": hashlib.sha256(data).hexdigest(), "effective": effective.isoformat(),
                   "source_name": source_name}
        return await self._bus.execute(
            ctx, directory_of(commune_id), Operation("import_directory", request), decide_import, respond, RACING)
