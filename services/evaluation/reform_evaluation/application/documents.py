"""The council's documents from the record: score sheets, minutes, the draft recognition decision."""

from __future__ import annotations

import datetime as dt

from reform_evaluation.application.minutes import minutes_parts
from reform_evaluation.application.queries import EvaluationQueries
from reform_evaluation.application.record import EvaluationRecord
from reform_evaluation.documents import council as printed  # its renderers import python-docx on first use
from reform_evaluation.documents.council.bases import DocumentRef
from reform_evaluation.documents.council.views import (
    PROPOSER,
    CouncilRef,
    DecisionView,
    InitiativeLine,
    MinutesView,
    Outcome,
    RecognisedLine,
    ResultLine,
    ScoreSheetView,
)
from reform_evaluation.domain.council import Council, council_exists
from reform_evaluation.domain.sources import CampaignView
from reform_shared.commune_profile import ProfileView, commune_title
from reform_shared.errors import NotFound
from reform_shared.events import InitiativeContent, ScoreResult
from reform_shared.ids import VIETNAM


def council_ref(commune_id: str, campaign: CampaignView, council: Council, profile: ProfileView | None = None,
                on: dt.date | None = None) -> CouncilRef:
    """The commune as the document names it: its profile in force on the document's date, else the campaign's
    name, else its id."""
    entry = profile.on(on) if profile else None
    if entry is not None:
        return CouncilRef(commune_title(entry), entry.name, council.decision_number, council.decision_date)
    name = campaign.commune_name or commune_id
    place = name.split(" ", 1)[1] if " " in name else name
    return CouncilRef(name, place, council.decision_number, council.decision_date)


def signed_by(profile: ProfileView, signer: str, on: dt.date) -> tuple[str, tuple[str, ...]]:
    """Who signs on `on` and the heading above the name: the chairman ("CHỦ TỊCH"), or a vice chairman for
    the chairman ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"). A draft (no signer yet) names the chairman in office."""
    term = profile.signer_on(signer, on) if signer else profile.chairman_on(on)
    if term is None:
        return signer, ("CHỦ TỊCH",)
    if term.signer.role == "vice_chairman":
        return term.signer.full_name, ("KT. CHỦ TỊCH", term.title.upper())
    return term.signer.full_name, (term.title.upper(),)


class EvaluationDocuments:
    def __init__(self, record: EvaluationRecord, queries: EvaluationQueries) -> None:
        self._record = record
        self._queries = queries

    async def _council(self, commune_id: str, campaign_id: str) -> tuple[CampaignView, Council]:
        campaign = await self._record.campaign(commune_id, campaign_id)
        council = council_exists(await self._record.council(commune_id, campaign_id), campaign_id)
        return campaign, council

    async def score_sheet(self, commune_id: str, initiative_id: str, member_id: str, now: dt.datetime) -> bytes:
        """A member's sheet; blank (to print and fill by hand) when not scored yet."""
        candidate = await self._record.candidate(commune_id, initiative_id)
        campaign, council = await self._council(commune_id, candidate.campaign_id)
        member = council.member(member_id)
        if member is None:
            raise NotFound(f"{member_id} không phải thành viên hội đồng", f"{member_id} is not a council member",
                           field="member_id")
        last, scored_at = await self._record.last_score(commune_id, initiative_id, member_id)
        on = (scored_at or now).astimezone(VIETNAM).date()
        ref = council_ref(commune_id, campaign, council, await self._record.profile(commune_id), on)
        return printed.render_score_sheet(ScoreSheetView(
            council=ref, campaign_title=f"Sáng kiến năm {campaign.year}",
            initiative=InitiativeLine.of(initiative_id, candidate.content), member=member, rubric=council.rubric,
            points=last.points if last else None, comment=last.comment if last else "",
            scored_on=scored_at.date() if scored_at else None,
        ))

    async def _results(self, commune_id: str, campaign_id: str) -> list[ResultLine]:
        """Every candidate with its concluded (or current) result, in ranking order (the board's progress)."""
        lines: list[ResultLine] = []
        for row in (await self._queries.progress(commune_id, campaign_id))["initiatives"]:  # ranked, unscored last
            content = InitiativeContent.model_validate(row["content"])
            kind: Outcome = row["outcome"] or "pending"
            snapshot = row["final_result"] or (row["result"] if row["scored"] else None)
            result = ScoreResult.model_validate(snapshot) if snapshot else None
            reasons = tuple(row["reasons"]) if kind == "not_recognised" else ()
            lines.append(ResultLine(InitiativeLine.of(row["initiative_id"], content), kind, result, reasons))
        return lines

    async def minutes(self, commune_id: str, campaign_id: str, now: dt.datetime) -> bytes:
        campaign, council = await self._council(commune_id, campaign_id)
        results = await self._results(commune_id, campaign_id)
        conflicts, discussion = await minutes_parts(
            self._record, commune_id, council, [r.initiative.initiative_id for r in results], now)
        ref = council_ref(commune_id, campaign, council, await self._record.profile(commune_id),
                          now.astimezone(VIETNAM).date())
        return printed.render_minutes(MinutesView(
            council=ref, year=campaign.year, held_at=now, venue=f"Trụ sở UBND {ref.commune_name}",
            present=council.members, absent=(),
            rubric=council.rubric, results=tuple(results), conflicts=conflicts, discussion=discussion,
        ))

    async def decision(self, commune_id: str, campaign_id: str, now: dt.datetime) -> bytes:
        """The signed decision's content, or the draft listing every recognised initiative."""
        campaign, council = await self._council(commune_id, campaign_id)
        results = await self._results(commune_id, campaign_id)
        signed = council.decision
        chosen = [r for r in results if r.outcome == "recognised"
                  and (signed is None or r.initiative.initiative_id in signed.initiative_ids)]
        profile = await self._record.profile(commune_id)
        on = signed.decision_date if signed else now.astimezone(VIETNAM).date()
        signer, heading = signed_by(profile, signed.signer if signed else "", on)
        entry = profile.on(on)
        return printed.render_decision(DecisionView(
            council=council_ref(commune_id, campaign, council, profile, on), year=campaign.year,
            signer=signer, signer_heading=heading,
            number_suffix=entry.decision_suffix if entry else "QĐ-UBND",
            proposer=f"Trưởng {entry.secretariat[:1].lower()}{entry.secretariat[1:]}" if entry else PROPOSER,
            initiatives=tuple(RecognisedLine(r.initiative, r.result.mean_total if r.result else 0.0) for r in chosen),
            number=signed.decision_number if signed else None,
            decision_date=signed.decision_date if signed else None,
            campaign_basis=launched_by(campaign),
        ))


def launched_by(campaign: CampaignView) -> DocumentRef | None:
    basis = campaign.legal_basis
    return DocumentRef(basis.document_number, basis.document_date) if basis else None
