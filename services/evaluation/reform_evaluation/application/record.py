"""What the evaluation rules read from the record, loaded and folded: campaigns, candidates, councils,
evaluations and score sheets.

The submission service's events (campaign, initiative) are read from the stream itself, not from
a projection, so a rule never acts on a stale copy (a withdrawal that is not projected yet).
"""

from __future__ import annotations

import asyncio
import datetime as dt

from reform_evaluation.application.directory import recorded_heads
from reform_evaluation.domain import council as councils
from reform_evaluation.domain import evaluation as evaluations
from reform_evaluation.domain.conflicts import Heads
from reform_evaluation.domain.scoring import local_date, scoresheet_id
from reform_evaluation.domain.sources import CampaignView, Candidate, campaign_view, candidate_view
from reform_shared.commune_profile import ProfileView, recorded_profile
from reform_shared.envelope import EventEnvelope
from reform_shared.errors import NotFound
from reform_shared.events import ScoreRecorded
from reform_shared.ports import EventStore, StoredEvent


class EvaluationRecord:
    def __init__(self, store: EventStore) -> None:
        self._store = store

    async def campaign(self, commune_id: str, campaign_id: str) -> CampaignView:
        view = campaign_view((await self._store.load(commune_id, "campaign", campaign_id)).payloads)
        if view is None:
            raise NotFound(f"Không tìm thấy đợt phát động {campaign_id}", f"no campaign {campaign_id}",
                           field="campaign_id")
        return view

    async def candidate(self, commune_id: str, initiative_id: str) -> Candidate:
        view = candidate_view((await self._store.load(commune_id, "initiative", initiative_id)).envelopes)
        if view is None:
            raise NotFound(f"Không tìm thấy sáng kiến {initiative_id}", f"no initiative {initiative_id}",
                           field="initiative_id")
        return view

    async def profile(self, commune_id: str) -> ProfileView:
        """The commune's profile (names and signers, dated) from the record."""
        return await recorded_profile(self._store, commune_id)

    async def council(self, commune_id: str, campaign_id: str) -> councils.Council | None:
        return councils.fold((await self._store.load(commune_id, "council", campaign_id)).payloads)

    async def heads(self, commune_id: str, now: dt.datetime) -> Heads:
        """The directory on the day of `now` (Vietnam), folded from the record: who heads which unit."""
        return await recorded_heads(self._store, commune_id, local_date(now))

    async def evaluation(self, commune_id: str, initiative_id: str) -> evaluations.EvaluationState:
        return (await self.evaluation_and_outcome(commune_id, initiative_id))[0]

    async def evaluation_and_outcome(self, commune_id: str, initiative_id: str
                                     ) -> tuple[evaluations.EvaluationState, StoredEvent | None]:
        """The evaluation, and the event of its outcome (recognised or not): what a nomination follows from."""
        history = await self._store.load(commune_id, "evaluation", initiative_id)
        outcome = next((e for e in reversed(history.events)
                        if e.envelope.event_type in ("InitiativeRecognized", "InitiativeNotRecognized")), None)
        return evaluations.fold(history.payloads), outcome

    async def evaluation_envelopes(self, commune_id: str, initiative_id: str) -> list[EventEnvelope]:
        """The initiative's evaluation record as it was written: who, when, what (the deliberation's views)."""
        return list((await self._store.load(commune_id, "evaluation", initiative_id)).envelopes)

    async def scores(self, commune_id: str, council: councils.Council, initiative_id: str) -> list[ScoreRecorded]:
        return (await self.scores_and_last(commune_id, council, initiative_id))[0]

    async def scores_and_last(self, commune_id: str, council: councils.Council, initiative_id: str
                              ) -> tuple[list[ScoreRecorded], str | None]:
        """The members' sheets, and the id of the last one recorded: what a conclusion follows from."""
        histories = await asyncio.gather(*[
            self._store.load(commune_id, "scoresheet", scoresheet_id(initiative_id, m.user_id))
            for m in council.members
        ])
        sheets = [e for h in histories for e in h.events if isinstance(e.envelope.payload, ScoreRecorded)]
        last = max(sheets, key=lambda e: e.stream_seq, default=None)
        return [e.envelope.payload for e in sheets if isinstance(e.envelope.payload, ScoreRecorded)], (
            last.envelope.event_id if last else None)

    async def last_score(self, commune_id: str, initiative_id: str, member_id: str
                         ) -> tuple[ScoreRecorded | None, dt.datetime | None]:
        """A member's latest sheet on an initiative, and when it was recorded."""
        history = await self._store.load(commune_id, "scoresheet", scoresheet_id(initiative_id, member_id))
        for event in reversed(history.events):
            if isinstance(event.envelope.payload, ScoreRecorded):
                return event.envelope.payload, event.envelope.occurred_at
        return None, None
