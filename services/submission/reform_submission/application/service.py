"""The submission service's use cases beside the commands: views, dossier, attachment refs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from reform_shared.errors import NotFound
from reform_shared.events import (
    InitiativeContent,
    InitiativeReturned,
    InitiativeRevised,
    InitiativeSubmitted,
    InitiativeWithdrawn,
)
from reform_shared.events.deliberation import QuestionAnswered, QuestionAsked
from reform_submission.adapters.attachments import AttachmentStore
from reform_submission.application.commands import SubmissionCommands
from reform_submission.application.queries import SubmissionQueries
from reform_submission.domain.initiative import STATUS_LABELS, Initiative


def _missing(kind_vi: str, kind_en: str, ident: str, field: str) -> NotFound:
    return NotFound(f"Không tìm thấy {kind_vi} {ident}", f"no {kind_en} {ident}", field=field)


class SubmissionService:
    def __init__(self, commands: SubmissionCommands, queries: SubmissionQueries, attachments: AttachmentStore) -> None:
        self.commands = commands
        self.queries = queries
        self.attachments = attachments

    async def content_of(self, commune_id: str, written: dict[str, Any], attachment_ids: list[str]
                         ) -> InitiativeContent:
        """The dossier content an author wrote, its attachments resolved to stored files with checksums."""
        refs = [await self.attachments.describe(commune_id, attachment_id) for attachment_id in attachment_ids]
        return InitiativeContent.model_validate({**written, "attachments": [ref.model_dump() for ref in refs]})

    async def campaign_view(self, commune_id: str, campaign_id: str, now: dt.datetime) -> dict[str, Any]:
        campaign = await self.commands.load_campaign(commune_id, campaign_id)
        if campaign is None:
            raise _missing("đợt phát động", "campaign", campaign_id, "campaign_id")
        return {
            "campaign_id": campaign.campaign_id,
            "year": campaign.year,
            **campaign.terms.model_dump(mode="json"),
            "closed_early_at": campaign.closed_early_at.isoformat() if campaign.closed_early_at else None,
            "accepting_submissions": campaign.opens_at <= now < campaign.closes_at,
        }

    async def _initiative(self, commune_id: str, initiative_id: str) -> Initiative:
        state = await self.commands.load_initiative(commune_id, initiative_id)
        if state is None:
            raise _missing("sáng kiến", "initiative", initiative_id, "initiative_id")
        return state

    async def initiative_view(self, commune_id: str, initiative_id: str) -> dict[str, Any]:
        state = await self._initiative(commune_id, initiative_id)
        return {
            "initiative_id": state.initiative_id,
            "campaign_id": state.campaign_id,
            "status": state.status,
            "status_label": STATUS_LABELS[state.status],
            "revision": state.revision,
            "submitted_by": state.submitted_by,
            "submitted_at": state.submitted_at.isoformat(),
            "returned_reason": state.returned_reason or None,
            "content": state.content.model_dump(mode="json"),
        }

    async def history_view(self, commune_id: str, initiative_id: str) -> dict[str, Any]:
        history = await self.commands.initiative_history(commune_id, initiative_id)
        if not history.events:
            raise _missing("sáng kiến", "initiative", initiative_id, "initiative_id")
        events, versions = [], []
        asked = await self.commands.council_questions(commune_id, initiative_id)
        for stored in sorted([*history.events, *asked], key=lambda e: e.stream_seq):
            envelope, payload = stored.envelope, stored.envelope.payload
            entry: dict[str, Any] = {
                "event_type": envelope.event_type, "version": envelope.aggregate_version,
                "occurred_at": envelope.occurred_at.isoformat(), "actor": envelope.actor.model_dump(mode="json"),
                "event_id": envelope.event_id, "stream_sequence": stored.stream_seq,
                "correlation_id": envelope.correlation_id, "trace_id": envelope.trace.trace_id,
            }
            if isinstance(payload, InitiativeSubmitted | InitiativeRevised):
                revision = payload.revision if isinstance(payload, InitiativeRevised) else 1
                entry["revision"] = revision
                versions.append({"revision": revision, "occurred_at": entry["occurred_at"],
                                 "content": payload.content.model_dump(mode="json")})
            if isinstance(payload, InitiativeReturned | InitiativeWithdrawn):
                entry["reason"] = payload.reason
            if isinstance(payload, QuestionAsked):
                entry["question"] = payload.text
            if isinstance(payload, QuestionAnswered):
                entry.update(answer=payload.text, seconds_taken=payload.seconds_taken)
            events.append(entry)
        return {"initiative_id": initiative_id, "events": events, "versions": versions}

    async def dossier_docx(self, commune_id: str, initiative_id: str, revision: int | None) -> tuple[bytes, str]:
        # python-docx with the first dossier of the process (~0.3 s once), not at start-up (~15 MB with lxml)
        from reform_submission.documents.dossier import DossierView, render_dossier_docx

        state = await self._initiative(commune_id, initiative_id)
        content = state.content
        if revision is not None and revision != state.revision:
            versions = (await self.history_view(commune_id, initiative_id))["versions"]
            chosen = [v for v in versions if v["revision"] == revision]
            if not chosen:
                raise _missing("phiên bản", "revision", str(revision), "revision")
            content = InitiativeContent.model_validate(chosen[0]["content"])
        campaign = await self.commands.load_campaign(commune_id, state.campaign_id)
        commune_name = (campaign.terms.commune_name if campaign else "") or commune_id
        view = DossierView(
            commune_name=commune_name,
            campaign_title=campaign.terms.title if campaign else state.campaign_id,
            year=campaign.year if campaign else state.submitted_at.year,
            initiative_id=initiative_id,
            status=STATUS_LABELS[state.status],
            revision=revision or state.revision,
            submitted_at=state.submitted_at,
            content=content,
            place_name=commune_name.split(" ", 1)[-1] if " " in commune_name else commune_name,
        )
        return render_dossier_docx(view), f"ho-so-sang-kien-{initiative_id}.docx"
