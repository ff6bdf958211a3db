"""The award rules the city sets, read from the record on every node (the city's data flows back to the
communes under the city's own subject, city.city.awardrules.city), and recorded on the city node."""

from __future__ import annotations

import datetime as dt
from typing import Any

from reform_awards.application.record import Record
from reform_awards.domain import rules
from reform_awards.domain.commands import SetAwardRules
from reform_shared.commands import CommandBus, CommandContext, Operation, Target
from reform_shared.errors import Conflict
from reform_shared.events import AwardRulesSet
from reform_shared.idempotency import CommandResult

CITY = "city"
"""The city's data is kept under this pseudo-commune on every node (a commune may never be named so)."""
RULES = ("awardrules", "city")


def rules_only_at_city() -> Conflict:
    return Conflict("Quy định khen thưởng do thành phố ban hành, trên nút thành phố",
                    "the award rules are set by the city, on the city node (this is a commune node)",
                    rule="rules_set_at_city", details={"federation_role": "commune"})


def described(r: rules.AwardRules) -> dict[str, Any]:
    return {"effective_from": r.effective_from.isoformat() if r.effective_from else None,
            "default": r.event_id is None, "event_id": r.event_id, "set_at": r.set_at, "reason": r.reason,
            "forms": [rules.rule_of_form(f).model_dump(mode="json") for f in r.forms.values()]}


class AwardRulesBook:
    def __init__(self, bus: CommandBus, record: Record, federation_role: str = "standalone") -> None:
        self._bus = bus
        self._record = record
        self._role = federation_role

    async def history(self) -> list[rules.AwardRules]:
        return rules.history(await self._record.load(CITY, *RULES))

    async def for_year(self, year: int | None, today: dt.date) -> rules.AwardRules:
        return rules.for_year(await self.history(), year, today)

    async def on(self, day: dt.date) -> dict[str, Any]:
        """The rules in force on a day, and every set the city recorded (the defaults first)."""
        sets = await self.history()
        return {"on": day.isoformat(), "in_force": described(rules.in_force(sets, day)),
                "history": [described(rules.DEFAULT_RULES), *(described(r) for r in sets)]}

    async def set(self, ctx: CommandContext, command: SetAwardRules) -> CommandResult:
        """A city officer sets the rules from a date: one AwardRulesSet, on the city (or a standalone) node."""
        if self._role == "commune":
            raise rules_only_at_city()
        event = AwardRulesSet(effective_from=command.effective_from, forms=command.forms, reason=command.reason)
        rules.valid_rules(event)
        return await self._bus.execute(
            ctx, Target(CITY, *RULES), Operation("award_rules", command.request()),
            decide=lambda h: [event],
            respond=lambda o: {"event_id": o.events[-1].envelope.event_id, "stream_sequence": o.events[-1].stream_seq,
                               "effective_from": command.effective_from.isoformat()},
        )
