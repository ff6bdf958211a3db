"""Adoption: a commune applies another commune's recognised initiative, then reports what it measured.

One adoption per adopting commune and initiative (its aggregate id is the catalogue entry's): the store
refuses a second one. Results use the original's indicators, so the city compares like with like.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from reform_shared.commands import Command
from reform_shared.envelope import EventPayload
from reform_shared.errors import Conflict, RuleViolation
from reform_shared.events.replication import AdoptionResultsReported, InitiativeAdopted
from reform_shared.events.submission import Indicator, UnitRef
from reform_shared.text import fold


class AdoptInitiative(Command):
    commune_id: str
    entry_id: str
    unit: UnitRef
    responsible: str
    since: dt.date
    adaptation: str
    decision_number: str = ""

    def request(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"commune_id"})


class ReportResults(Command):
    commune_id: str
    entry_id: str
    measured_on: dt.date
    indicators: tuple[Indicator, ...]
    note: str = ""

    def request(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"commune_id"})


def not_in_catalogue() -> RuleViolation:
    return RuleViolation("Sáng kiến không có trong danh mục sáng kiến của thành phố",
                         "the initiative is not in the city's catalogue", field="entry_id", rule="in_catalogue")


def decide_adoption(history: Sequence[EventPayload], entry: Mapping[str, Any] | None, command: AdoptInitiative,
                    today: dt.date) -> list[EventPayload]:
    if entry is None:
        raise not_in_catalogue()
    if entry["origin_commune_id"] == command.commune_id:
        raise RuleViolation("Xã/phường không nhân rộng sáng kiến của chính mình",
                            "a commune adopts another commune's initiative, not its own", field="entry_id",
                            rule="adopt_another_communes_initiative")
    if any(isinstance(e, InitiativeAdopted) for e in history):
        raise Conflict("Xã/phường đã quyết định áp dụng sáng kiến này", "this commune already adopted the initiative",
                       field="entry_id", rule="adopted_once")
    if command.since > today:
        raise RuleViolation("Ngày bắt đầu áp dụng không được ở tương lai", "the adoption cannot start in the future",
                            field="since", rule="since_not_in_future")
    return [InitiativeAdopted(
        adoption_id=command.entry_id, origin_commune_id=entry["origin_commune_id"],
        origin_initiative_id=entry["initiative_id"], title=entry["title"], unit=command.unit,
        responsible=command.responsible, since=command.since, adaptation=command.adaptation,
        decision_number=command.decision_number)]


def _check_indicators(indicators: Sequence[Indicator], original: Sequence[Mapping[str, Any]]) -> None:
    names = {fold(str(i.get("name", ""))) for i in original}
    for index, indicator in enumerate(indicators):
        if names and fold(indicator.name) not in names:
            raise RuleViolation(
                "Chỉ tiêu phải là một chỉ tiêu của sáng kiến gốc: " + ", ".join(str(i["name"]) for i in original),
                "an indicator must be one of the original initiative's", field=f"indicators[{index}].name",
                rule="same_indicators_as_original")
        if indicator.before is None or indicator.after is None:
            raise RuleViolation("Cần số liệu trước và sau khi áp dụng", "both before and after are needed",
                                field=f"indicators[{index}].after", rule="measured_before_and_after")


def decide_results(history: Sequence[EventPayload], entry: Mapping[str, Any] | None, command: ReportResults,
                   today: dt.date) -> list[EventPayload]:
    adopted = next((e for e in history if isinstance(e, InitiativeAdopted)), None)
    if adopted is None:
        raise RuleViolation("Xã/phường chưa quyết định áp dụng sáng kiến này", "the commune has not adopted it",
                            field="entry_id", rule="adopted_first")
    if command.measured_on < adopted.since:
        raise RuleViolation("Ngày đo kết quả phải sau ngày bắt đầu áp dụng", "results are measured after the start",
                            field="measured_on", rule="measured_after_adoption")
    if command.measured_on > today:
        raise RuleViolation("Ngày đo kết quả không được ở tương lai", "results cannot be measured in the future",
                            field="measured_on", rule="measured_on_not_in_future")
    _check_indicators(command.indicators, (entry or {}).get("indicators") or ())
    return [AdoptionResultsReported(
        adoption_id=command.entry_id, origin_commune_id=adopted.origin_commune_id,
        origin_initiative_id=adopted.origin_initiative_id, measured_on=command.measured_on,
        indicators=command.indicators, note=command.note)]
