"""Command handlers of the submission service: each loads, decides once (domain), appends."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any, NoReturn

from reform_shared.claims import ClaimRule, claim
from reform_shared.commands import CommandBus, CommandContext, Decide, Operation, Recovery, Target
from reform_shared.directory_view import DirectoryView
from reform_shared.envelope import EventPayload
from reform_shared.errors import RuleViolation
from reform_shared.events import InitiativeContent, TitleClaimed
from reform_shared.events.deliberation import QuestionAnswered, QuestionAsked
from reform_shared.idempotency import CommandResult
from reform_shared.ids import VIETNAM, new_id
from reform_shared.store import AggregateHistory, AppendOutcome, StoredEvent
from reform_submission.application.directory import DirectoryViews
from reform_submission.domain import campaign as campaigns
from reform_submission.domain import directory as directories
from reform_submission.domain import initiative as initiatives
from reform_submission.domain import rules
from reform_submission.domain import title as titles
from reform_submission.domain.commands import (
    AmendCampaign,
    CloseSubmissions,
    LaunchCampaign,
    ReturnInitiative,
    ReviseInitiative,
    SubmitInitiative,
    WithdrawInitiative,
)


def created(outcome: AppendOutcome) -> dict[str, Any]:
    last = outcome.events[-1]
    return {
        "id": last.envelope.aggregate_id,
        "version": last.envelope.aggregate_version,
        "event_id": last.envelope.event_id,
        "stream_sequence": last.stream_seq,
        "occurred_at": last.envelope.occurred_at.isoformat(),
    }


async def answered(outcome: AppendOutcome) -> CommandResult:
    """The answer of a command whose events are `outcome` (its first answer, rebuilt for a retry)."""
    return CommandResult(created(outcome), replayed=outcome.duplicate)


def initiative_id_of(key: str) -> str:
    """The id a keyed submission gives its initiative: the same for every retry of the command."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"reform:{key}"))


def initiative_of(history: AggregateHistory) -> initiatives.Initiative | None:
    origin = initiatives.Origin.of(history.events[0].envelope) if history.events else None
    return initiatives.fold(history.payloads, origin)


def written(content: InitiativeContent) -> dict[str, Any]:
    """A dossier as its author sent it (attachments by id): what a keyed request is fingerprinted by, as it was
    before commands, so a retry recognises the records and events of its first attempt."""
    attachment_ids = [attachment.attachment_id for attachment in content.attachments]
    return {**content.model_dump(mode="json", exclude={"attachments"}), "attachment_ids": attachment_ids}


class SubmissionCommands:
    def __init__(self, bus: CommandBus, directory: DirectoryViews | None = None) -> None:
        self._bus = bus
        self._store = bus.store
        self._directory = directory or DirectoryViews(None, bus.store)

    # -- reads of aggregates ----------------------------------------------------------------
    async def load_campaign(self, commune_id: str, campaign_id: str) -> campaigns.Campaign | None:
        return campaigns.fold((await self._store.load(commune_id, "campaign", campaign_id)).payloads)

    async def load_initiative(self, commune_id: str, initiative_id: str) -> initiatives.Initiative | None:
        return initiative_of(await self._store.load(commune_id, "initiative", initiative_id))

    async def initiative_history(self, commune_id: str, initiative_id: str) -> AggregateHistory:
        return await self._store.load(commune_id, "initiative", initiative_id)

    async def council_questions(self, commune_id: str, initiative_id: str) -> list[StoredEvent]:
        """The council's questions to the author and the answers, from the initiative's evaluation record
        (the evaluation service's events on the same stream; its private notes are never read here)."""
        record = await self._store.load(commune_id, "evaluation", initiative_id)
        return [e for e in record.events if isinstance(e.envelope.payload, QuestionAsked | QuestionAnswered)]

    # -- campaigns --------------------------------------------------------------------------
    async def launch_campaign(self, ctx: CommandContext, commune_id: str, command: LaunchCampaign) -> CommandResult:
        """A campaign launched without expected units expects one from every open unit of the directory on the
        launch date (the units-without-initiatives report follows them)."""
        request = campaigns.launched(command).model_dump(mode="json")
        if not command.terms.expected_units:
            on = ctx.clock.now().astimezone(VIETNAM).date()
            directory = await self._directory.view(commune_id, lambda d: bool(directories.open_units(d, on)))
            units = directories.open_units(directory, on)
            if units:
                command = command.model_copy(update={"terms": command.terms.model_copy(
                    update={"expected_units": units})})
        return await self._on_campaign(ctx, commune_id, command, "launch_campaign", request)

    async def in_directory(self, commune_id: str, content: InitiativeContent, now: dt.datetime,
                           current: InitiativeContent | None = None, copied: DirectoryView | None = None) -> None:
        """The dossier's unit and named authors are in the directory on the day (what a revision keeps is not
        asked again). `copied`: the service's copy as the caller just read it."""
        on = now.astimezone(VIETNAM).date()
        already = [a.user_id for a in current.authors if a.user_id] if current else []
        unit = current.unit.unit_id if current else None
        directory = await self._directory.view(
            commune_id, lambda d: directories.absent_from(d, content, on, already, unit) is None, copied)
        refusal = directories.absent_from(directory, content, on, already, unit)
        if refusal is not None:
            raise refusal

    async def amend_campaign(self, ctx: CommandContext, commune_id: str, command: AmendCampaign) -> CommandResult:
        request = campaigns.amended(command).model_dump(mode="json")
        return await self._on_campaign(ctx, commune_id, command, "amend_campaign", request)

    async def close_submissions(self, ctx: CommandContext, commune_id: str, command: CloseSubmissions
                                ) -> CommandResult:
        return await self._on_campaign(ctx, commune_id, command, "close_submissions", command.model_dump())

    async def _on_campaign(self, ctx: CommandContext, commune_id: str, command: campaigns.CampaignCommand,
                           operation: str, request: Any) -> CommandResult:
        now = ctx.clock.now()
        return await self._bus.execute(
            ctx,
            Target(commune_id, "campaign", command.campaign_id),
            Operation(operation, request),
            decide=lambda h: campaigns.decide(campaigns.fold(h.payloads), command, now),
            respond=created,
        )

    # -- initiatives ------------------------------------------------------------------------
    async def submit_initiative(self, ctx: CommandContext, commune_id: str, command: SubmitInitiative) -> CommandResult:
        """Down once: what the command reads — the new initiative, its campaign, the directory's copy and the title's
        claim — is read at once (one wait instead of four, independent reads), then the new initiative is looked at
        first (a retry whose answer was lost finds its events there and gets that answer before any rule runs: not a
        refusal after the deadline), then the campaign's rules, the title claim (appended on the state read, a
        stale read being a lost race), and the append decided on that load (nobody else writes a new initiative's
        id)."""

        async def run(key: str | None) -> CommandResult:
            # A retried command keeps its initiative id, so its title claim is recognised as its own.
            initiative_id = initiative_id_of(key) if key else new_id()
            target = Target(commune_id, "initiative", initiative_id)
            title = TitleClaim(self, commune_id, command.campaign_id, command.content, initiative_id)
            history, campaign, copied, claimed = await asyncio.gather(
                self._store.load(*target), self.load_campaign(commune_id, command.campaign_id),
                self._directory.copied(commune_id), self._store.load(*title.target))
            if history.appended_by(key):
                return await self._append(ctx, target, key, lambda h: [], history)  # its first answer
            now = ctx.clock.now()
            initiatives.may_submit(campaign, command.campaign_id, command.content, now, ctx.actor)  # before the claim
            await self.in_directory(commune_id, command.content, now, copied=copied)
            await claim(self._bus, ctx, title, f"{key}t" if key else None, loaded=claimed)
            return await self._append(ctx, target, key, lambda h: initiatives.decide(
                initiative_of(h), command, actor=ctx.actor, now=now, campaign=campaign, initiative_id=initiative_id),
                history)

        request = {"campaign_id": command.campaign_id, **written(command.content)}
        return await self._bus.once(ctx, commune_id, Operation("submit_initiative", request), run)

    async def revise_initiative(self, ctx: CommandContext, commune_id: str, command: ReviseInitiative) -> CommandResult:
        initiative_id = command.initiative_id

        async def run(key: str | None) -> CommandResult:
            current = await self.load_initiative(commune_id, initiative_id)
            campaign = await self.load_campaign(commune_id, current.campaign_id) if current else None
            now = ctx.clock.now()
            current = initiatives.may_revise(current, initiative_id, campaign, command.content, now, ctx.actor)
            await self.in_directory(commune_id, command.content, now, current.content)
            await self._claim_title(ctx, commune_id, current.campaign_id, command.content, initiative_id, key)
            return await self._append(ctx, Target(commune_id, "initiative", initiative_id), key, lambda h: (
                initiatives.decide(initiative_of(h), command, actor=ctx.actor, now=now, campaign=campaign)))

        request = {**written(command.content), "note": command.note}
        return await self._bus.once(
            ctx,
            commune_id,
            Operation(f"revise:{initiative_id}", request),
            run,
            recover=Recovery("initiative", initiative_id, answered),
        )

    async def return_initiative(self, ctx: CommandContext, commune_id: str, command: ReturnInitiative) -> CommandResult:
        return await self._on_initiative(ctx, commune_id, command, f"return:{command.initiative_id}")

    async def withdraw_initiative(
        self, ctx: CommandContext, commune_id: str, command: WithdrawInitiative
    ) -> CommandResult:
        return await self._on_initiative(ctx, commune_id, command, f"withdraw:{command.initiative_id}")

    async def _on_initiative(
        self, ctx: CommandContext, commune_id: str, command: ReturnInitiative | WithdrawInitiative, operation: str
    ) -> CommandResult:
        now = ctx.clock.now()
        return await self._bus.execute(
            ctx,
            Target(commune_id, "initiative", command.initiative_id),
            Operation(operation, {"reason": command.reason}),
            decide=lambda h: initiatives.decide(initiative_of(h), command, actor=ctx.actor, now=now),
            respond=created,
        )

    async def _append(self, ctx: CommandContext, target: Target, key: str | None, decide: Decide,
                      loaded: AggregateHistory | None = None) -> CommandResult:
        """Decide on the initiative (as `loaded`, if just loaded: a stale copy costs a 409) and append."""
        outcome = await self._bus.decide_and_append(ctx, target, decide, key=key, loaded=loaded)
        return CommandResult(created(outcome), replayed=outcome.duplicate)

    # -- the title rule ---------------------------------------------------------------------
    async def _claim_title(self, ctx: CommandContext, commune_id: str, campaign_id: str, content: InitiativeContent,
                           claimant_id: str, key: str | None) -> None:
        wanted = TitleClaim(self, commune_id, campaign_id, content, claimant_id)
        await claim(self._bus, ctx, wanted, f"{key}t" if key else None)


class TitleClaim(ClaimRule[initiatives.Initiative]):
    """The title rule's claim (aggregate `title`, keyed by the folded title): held by the initiative bearing it."""

    claimed = TitleClaimed

    def __init__(self, commands: SubmissionCommands, commune_id: str, campaign_id: str, content: InitiativeContent,
                 claimant_id: str) -> None:
        self._commands = commands
        self._wanted = titles.Claim(campaign_id, content.unit.unit_id, content.title, claimant_id, None)
        super().__init__(Target(commune_id, "title", self._wanted.claim_id), claimant_id)

    def holder_in(self, event: EventPayload) -> str:
        assert isinstance(event, TitleClaimed)
        return event.initiative_id

    async def load_holder(self, holder_id: str) -> initiatives.Initiative | None:
        return await self._commands.load_initiative(self.target.commune_id, holder_id)

    def decide(self, holder_id: str | None, holder: initiatives.Initiative | None) -> Sequence[EventPayload]:
        return titles.decide(holder_id, dataclasses.replace(self._wanted, seen=holder_id), holder)

    def refuse_pending(self) -> NoReturn:
        rules.a_title_being_submitted_is_held_for_its_submission()

    def refuse_lost_race(self) -> NoReturn:
        raise RuleViolation(
            "Một sáng kiến cùng tên của đơn vị vừa được nộp trước",
            "an initiative with this title from this unit was submitted first",
            field="title", rule="unique_title_per_unit",
        )
