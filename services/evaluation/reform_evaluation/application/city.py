"""The city council's appraisal of nominated initiatives: its read model, commands and queries.

The projection reads the communes' Nominated / NominationWithdrawn events (on a city node they
arrive from every commune through the city stream's sources) and the city's own appraisal events.
It is a projection of its own (its own durable consumer), so a node that ran before it existed
builds it from the start of the stream.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from reform_evaluation.application.deciding import deciding, done, request_of
from reform_evaluation.domain import city
from reform_evaluation.domain.commands import DecideCityRecognition, ScoreCityAppraisal
from reform_shared.commands import CommandBus, CommandContext, Operation, Options, Target
from reform_shared.envelope import EventEnvelope
from reform_shared.errors import NotFound
from reform_shared.events import CityAppraisalScored, CityRecognitionDecided, Nominated, NominationWithdrawn
from reform_shared.idempotency import CommandResult
from reform_shared.projection import Projection, Upsert, Write, WriteTable
from reform_shared.store import AppendOutcome, StoredEvent

CITY_NOMINATIONS = "city_nominations"


def member_key(member_id: str) -> str:
    """A member id as one MongoDB field name (no dots, no leading $)."""
    return member_id.replace("%", "%25").replace(".", "%2E").replace("$", "%24")


city_board = WriteTable()


def _nomination(e: EventEnvelope, initiative_id: str, fields: dict[str, Any]) -> list[Write]:
    """One document per nominated initiative, under the commune that nominated it."""
    return [Write(CITY_NOMINATIONS, Upsert(f"{e.commune_id}:{initiative_id}",
                                           {"commune_id": e.commune_id, "initiative_id": initiative_id, **fields}))]


@city_board.on(Nominated)
def _nominated(e: EventEnvelope, p: Nominated) -> list[Write]:
    return _nomination(e, p.initiative_id, {
        "campaign_id": p.campaign_id, "year": p.year, "title": p.title, "summary": p.summary, "field": p.field,
        "unit_name": p.unit_name, "author_names": list(p.author_names), "commune_mean_score": p.mean_score,
        "commune_decision_number": p.decision_number,
        "commune_decision_date": p.decision_date.isoformat() if p.decision_date else None,
        "nominated_at": e.occurred_at, "nominated_event_id": e.event_id, "active": True, "withdrawn_reason": ""})


@city_board.on(NominationWithdrawn)
def _nomination_withdrawn(e: EventEnvelope, p: NominationWithdrawn) -> list[Write]:
    return _nomination(e, p.initiative_id, {"active": False, "withdrawn_reason": p.reason,
                                            "withdrawn_at": e.occurred_at})


@city_board.on(CityAppraisalScored)
def _appraisal_scored(e: EventEnvelope, p: CityAppraisalScored) -> list[Write]:
    return _nomination(e, p.initiative_id, {f"sheets.{member_key(p.member_id)}": {
        "member_id": p.member_id, "member_name": p.member_name or e.actor.name,
        "effectiveness": p.effectiveness, "replicability": p.replicability, "comment": p.comment,
        "revision": p.revision, "at": e.occurred_at}})


@city_board.on(CityRecognitionDecided)
def _recognition_decided(e: EventEnvelope, p: CityRecognitionDecided) -> list[Write]:
    return _nomination(e, p.initiative_id, {"decision": {
        **p.model_dump(mode="json"), "decided_at": e.occurred_at, "recorded_by": e.actor.user_id}})


class CityBoard(Projection):
    name = "city"
    event_types = city_board.event_types
    collections = (CITY_NOMINATIONS,)

    async def create_indexes(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        await db[CITY_NOMINATIONS].create_index([("year", ASCENDING), ("commune_id", ASCENDING)])

    def apply(self, event: StoredEvent) -> list[Write]:
        return city_board.writes(event.envelope)


def _state(doc: dict[str, Any]) -> city.CityAppraisal:
    sheets = {s["member_id"]: CityAppraisalScored(
        initiative_id=doc["initiative_id"], campaign_id=doc.get("campaign_id", ""), year=doc.get("year", 0),
        member_id=s["member_id"], effectiveness=s["effectiveness"], replicability=s["replicability"])
        for s in doc.get("sheets", {}).values()}
    return city.CityAppraisal(sheets)


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime | dt.date) else value


def appraisal_view(doc: dict[str, Any], with_sheets: bool = True) -> dict[str, Any]:
    """A nomination with where the city's appraisal stands."""
    state = _state(doc)
    decision = doc.get("decision")
    count = len(state.sheets)
    if decision is not None:
        status = "recognised" if decision["recognised"] else "not_recognised"
    elif not doc.get("active", False):
        status = "withdrawn"
    elif count >= city.CITY_RUBRIC.quorum:
        status = "ready_for_decision"
    else:
        status = "appraising" if count else "awaiting_appraisal"
    view = {k: _iso(v) for k, v in doc.items() if k not in ("_id", "sheets", "decision")}
    view.update({
        "status": status, "appraisals": count, "quorum": city.CITY_RUBRIC.quorum,
        "quorum_reached": count >= city.CITY_RUBRIC.quorum, "means": city.means(state),
        "conditions_met": count > 0 and not city.unmet_conditions(state),
        "decision": {k: _iso(v) for k, v in decision.items()} if decision else None,
    })
    if with_sheets:
        view["sheets"] = sorted(({k: _iso(v) for k, v in s.items()} for s in doc.get("sheets", {}).values()),
                                key=lambda s: s["member_id"])
    return view


def decided(outcome: AppendOutcome) -> dict[str, Any]:
    """The answer to a city decision: what `done` says, and what the city decided."""
    decision = outcome.events[-1].envelope.payload
    assert isinstance(decision, CityRecognitionDecided)
    return {**done(outcome), "recognised": decision.recognised, "appraisals": decision.appraisals,
            "mean_effectiveness": decision.mean_effectiveness, "mean_replicability": decision.mean_replicability}


class CityAppraisals:
    """Commands and queries of the city council (served on the city node, and on a standalone one)."""

    def __init__(self, bus: CommandBus, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._bus = bus
        self._db = db

    async def nomination(self, commune_id: str, initiative_id: str) -> city.Nomination | None:
        return (await self.nomination_and_event(commune_id, initiative_id))[0]

    async def nomination_and_event(self, commune_id: str, initiative_id: str
                                   ) -> tuple[city.Nomination | None, str | None]:
        """The live nomination, and the id of its Nominated event: what the city's appraisals follow from."""
        doc = await self._db[CITY_NOMINATIONS].find_one({"_id": f"{commune_id}:{initiative_id}"})
        if doc is None or "year" not in doc:  # appraisal events alone do not make a nomination
            return None, None
        return city.Nomination(commune_id, initiative_id, doc["campaign_id"], doc["year"], doc.get("title", ""),
                               bool(doc.get("active"))), doc.get("nominated_event_id")

    async def appraise(self, ctx: CommandContext, commune_id: str, command: ScoreCityAppraisal) -> CommandResult:
        nomination, nominated_event = await self.nomination_and_event(commune_id, command.initiative_id)
        actor = ctx.actor
        return await self._bus.execute(
            ctx.caused_by(nominated_event),  # an appraisal follows the nomination it appraises
            Target(commune_id, "cityappraisal", command.initiative_id),
            Operation(f"city_appraise:{command.initiative_id}", request_of(command, "initiative_id")),
            decide=deciding(
                city.fold,
                city.appraise,
                nomination,
                command.initiative_id,
                actor.user_id,
                actor.name,
                command.effectiveness,
                command.replicability,
                command.comment,
            ),
            respond=done,
            options=Options(retries=5),
        )

    async def decide(self, ctx: CommandContext, commune_id: str, command: DecideCityRecognition) -> CommandResult:
        nomination = await self.nomination(commune_id, command.initiative_id)
        return await self._bus.execute(
            ctx,
            Target(commune_id, "cityappraisal", command.initiative_id),
            Operation(f"city_decide:{command.initiative_id}", request_of(command, "initiative_id")),
            decide=deciding(
                city.fold,
                city.decide,
                nomination,
                command.initiative_id,
                recognised=command.recognised,
                decision_number=command.decision_number,
                decision_date=command.decision_date,
                decided_by=command.decided_by,
                reason=command.reason,
            ),
            respond=decided,
            options=Options(retries=5),
        )

    async def nominations(self, year: int, commune_id: str | None = None, member_id: str | None = None
                          ) -> list[dict[str, Any]]:
        """`member_id`: a city council member asking; each item then says whether his or her own sheet is in
        (`my_sheet`), so a home page needs no read of every appraisal (the others' sheets stay unnamed)."""
        query: dict[str, Any] = {"year": year, "active": True}
        if commune_id is not None:
            query["commune_id"] = commune_id
        cursor = self._db[CITY_NOMINATIONS].find(query).sort([("commune_id", 1), ("nominated_at", 1)])
        items = []
        async for doc in cursor:
            view = appraisal_view(doc, with_sheets=False)
            if member_id is not None:
                view["my_sheet"] = any(s.get("member_id") == member_id for s in doc.get("sheets", {}).values())
            items.append(view)
        return items

    async def appraisal(self, commune_id: str, initiative_id: str) -> dict[str, Any]:
        doc = await self._db[CITY_NOMINATIONS].find_one({"_id": f"{commune_id}:{initiative_id}"})
        if doc is None or "year" not in doc:
            raise NotFound(
                f"Không có đề nghị sáng kiến {initiative_id} của {commune_id}",
                f"no nomination of {initiative_id} from {commune_id}",
                field="initiative_id",
            )
        return appraisal_view(doc)
