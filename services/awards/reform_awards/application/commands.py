"""Command handlers of the awards service: gather the facts, assess, claim the basis, append."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Any

from reform_awards.application.basis import BasisClaims
from reform_awards.application.directory import DirectoryViews
from reform_awards.application.quota import QuotaPlaces, held_by_places
from reform_awards.application.record import Record, award_aggregate
from reform_awards.application.rules import AwardRulesBook
from reform_awards.domain import award as awards
from reform_awards.domain import rules
from reform_awards.domain.catalogue import FORMS, AwardForm
from reform_awards.domain.commands import GrantAward, ProposeAward, RecordParRanking, RejectAward, RevokeAward
from reform_awards.domain.eligibility import Eligibility, Facts, assess
from reform_awards.domain.refusals import judged, refusals
from reform_awards.domain.sources import campaign_year, content_of, initiative_fact, par_rank
from reform_shared.commands import CommandBus, CommandContext, Operation, Options, Recovery, Target
from reform_shared.commune_profile import recorded_profile, require_signer
from reform_shared.directory_copy import DIRECTORY_AGGREGATE
from reform_shared.directory_view import DirectoryView
from reform_shared.envelope import EventPayload
from reform_shared.errors import Conflict, NotFound
from reform_shared.events import AwardProposed, ParRankingRecorded, Recipient
from reform_shared.events.replication import entry_id_of
from reform_shared.idempotency import CommandResult
from reform_shared.ids import VIETNAM
from reform_shared.ports import AggregateHistory, AppendOutcome

CITY = "city"
"""PAR rankings are the city's data, kept under this pseudo-commune on every node."""
SHORT = {"giay-khen-xa": "gkx", "bang-khen-tp": "bktp", "khen-giai-doan-2026-2030": "gd", "khen-dot-xuat": "dx"}


def new_award_id(form: str, year: int | None, suffix: str) -> str:
    return f"{SHORT.get(form, 'kt')}{year or ''}-{suffix}"


def keyed(proposed: AwardProposed, key: str | None) -> AwardProposed:
    """A keyed proposal's award id comes from its key: a retry proposes (and finds) the same award."""
    return proposed.model_copy(update={"award_id": new_award_id(proposed.form, proposed.year, key[-36:])}) \
        if key else proposed


def decided_at_city() -> Conflict:
    return Conflict(
        "Khen thưởng cấp thành phố (Bằng khen, khen thưởng giai đoạn) được đề nghị và quyết định tại nút thành phố",
        "city-level awards are proposed and decided on the city node (this is a commune node)",
        rule="decided_at_city", details={"federation_role": "commune"})


def done(outcome: AppendOutcome) -> dict[str, Any]:
    last = outcome.events[-1]
    payload = last.envelope.payload
    return {"award_id": getattr(payload, "award_id", None), "event_type": last.envelope.event_type,
            "event_id": last.envelope.event_id, "stream_sequence": last.stream_seq,
            "occurred_at": last.envelope.occurred_at.isoformat()}


class AwardCommands:
    def __init__(self, bus: CommandBus, directory: Any, record: Record | None = None,
                 federation_role: str = "standalone", views: DirectoryViews | None = None) -> None:
        self._bus = bus
        self._store = bus.store
        self._directory = directory
        self._record = record or Record(bus.store)
        self._views = views
        self._claims = BasisClaims(bus, self._record)
        self._quota = QuotaPlaces(bus)
        self._role = federation_role
        self.rules = AwardRulesBook(bus, self._record, federation_role)

    def decided_here(self, form: AwardForm) -> None:
        """A federated commune node proposes and decides commune-level awards only."""
        if form.level == "city" and self._role == "commune":
            raise decided_at_city()

    async def facts(self, commune_id: str, proposed: AwardProposed, par_category: str) -> Facts:
        initiatives = []
        for initiative_id in proposed.basis.initiative_ids:
            content, campaign_id, ids = content_of(await self._record.load(commune_id, "initiative", initiative_id))
            if content is None or campaign_id is None:
                raise NotFound(f"Không tìm thấy sáng kiến {initiative_id}", f"no initiative {initiative_id}",
                               field="basis.initiative_ids", rule="known_initiative")
            campaign = await self._record.load(commune_id, "campaign", campaign_id)
            year = campaign_year([e.payload for e in campaign])
            evaluation, city, catalogue = await asyncio.gather(
                self._record.load(commune_id, "evaluation", initiative_id),
                self._record.load(commune_id, "cityappraisal", initiative_id),
                self._record.load(CITY, "catalogue", entry_id_of(commune_id, initiative_id)))
            initiatives.append(initiative_fact(initiative_id, content, year or 0, ids, evaluation, city, catalogue))
        rank, event_id = None, None
        par_year = proposed.basis.par_year or proposed.year
        if par_year is not None:
            par = await self._record.load(CITY, "par", f"{par_year}-{par_category}")
            rank, event_id = par_rank(par, commune_id)
        return Facts(commune_id, tuple(initiatives), rank, par_category, event_id)

    async def forms(self, year: int | None, now: dt.datetime) -> dict[str, AwardForm]:
        """The forms of the rules in force for the award year (seed 004's constants until the city sets any)."""
        return (await self.rules.for_year(year, now.astimezone(VIETNAM).date())).forms

    async def assess(self, command: ProposeAward, now: dt.datetime) -> Eligibility:
        """Why the proposal is eligible or not, from the record and the rules in force for its year, naming
        every rule that will refuse it (deadline and quota included); appends nothing."""
        forms = await self.forms(command.year, now)
        proposed = awards.proposal(command, forms)
        form = awards.form_of(proposed.form, forms)
        facts = await self.facts(command.commune_id, proposed, command.par_category)
        existing = await self._quota.holders(command.commune_id, form, proposed, now) if held_by_places(form) \
            else awards.fold((await self._store.load(command.commune_id, "award",
                                                     award_aggregate(proposed.award_id))).payloads)
        return judged(assess(form, proposed.recipient, proposed.basis, facts),
                      refusals(form, proposed, existing, now, command.commune_id))

    async def commune_name(self, commune_id: str, on: dt.date | None = None) -> str:
        """The commune's name in its profile in force on `on`, else as the campaigns named it, else its id."""
        profile = await recorded_profile(self._store, commune_id)
        return profile.title_on(on, str(await self._directory.commune_name(commune_id)))

    async def signer_in_office(self, commune_id: str, signer: str, on: dt.date) -> str:
        """A commune decision's signer held office on its date (when the commune records its signers): their
        name as the profile writes it."""
        term = require_signer(await recorded_profile(self._store, commune_id), signer, on)
        return term.signer.full_name if term else signer

    async def unit_name(self, commune_id: str, recipient: Recipient, on: dt.date) -> str:
        """The unit a certificate prints under the recipient, by its name in the directory on `on`: an
        individual's unit, a collective's parent unit; "" when the directory has no name for it (never an id)."""
        view = await self.directory(commune_id, recipient, on)
        if recipient.kind == "collective":
            unit = view.unit(recipient.recipient_id, on) or view.unit(recipient.recipient_id)
            unit_id = unit.parent_id if unit else None
        else:
            official = view.official(recipient.recipient_id, on) or view.official(recipient.recipient_id)
            unit_id = recipient.unit_id or (official.unit_id if official else None)
        found = (view.unit(unit_id, on) or view.unit(unit_id)) if unit_id else None
        return found.name if found else ""

    async def directory(self, commune_id: str, recipient: Recipient, on: dt.date) -> DirectoryView:
        """The commune's directory (this service's copy; the record's own when the copy does not show the
        recipient yet, as right after the directory recorded them)."""
        if self._views is None:
            return DirectoryView().applied_envelopes(await self._record.load(commune_id, *DIRECTORY_AGGREGATE))
        view = await self._views.view(commune_id)
        if awards.absence(view, recipient, commune_id, on) is None:
            return view
        return await self._views.recorded(commune_id)

    async def propose(self, ctx: CommandContext, command: ProposeAward) -> CommandResult:
        """Once per key: a retry whose first answer was lost finds its award (keyed id) and gets that answer."""
        forms = await self.forms(command.year, ctx.clock.now())
        proposed = awards.proposal(command, forms)
        self.decided_here(awards.form_of(proposed.form, forms))

        async def run(key: str | None) -> CommandResult:
            return await self._propose(ctx, command, keyed(proposed, key), key, forms)

        key = self._bus.key_of(ctx, command.commune_id, "propose_award")

        async def answer(outcome: AppendOutcome) -> CommandResult:
            eligibility = await self.assess(command.model_copy(update={"award_id": keyed(proposed, key).award_id}),
                                            ctx.clock.now())
            return CommandResult({**done(outcome), "eligibility": eligibility.explain()}, replayed=True)

        recover = Recovery("award", award_aggregate(keyed(proposed, key).award_id), answer) if key else None
        return await self._bus.once(
            ctx, command.commune_id, Operation("propose_award", command.request()), run, recover=recover
        )

    async def _propose(
        self, ctx: CommandContext, command: ProposeAward, award: AwardProposed, key: str | None,
        forms: dict[str, AwardForm],
    ) -> CommandResult:
        """Assess, refuse before claiming the basis, claim it, then append (deciding again on a lost race)."""
        commune_id = command.commune_id
        facts = await self.facts(commune_id, award, command.par_category)
        eligibility = assess(awards.form_of(award.form, forms), award.recipient, award.basis, facts)
        now = ctx.clock.now()
        directory = await self.directory(commune_id, award.recipient, now.astimezone(VIETNAM).date())
        aggregate = award_aggregate(award.award_id)
        form = awards.form_of(award.form, forms)
        by_places = held_by_places(form)
        holders = await self._quota.holders(commune_id, form, award, now) if by_places else None

        def decide(history: AggregateHistory) -> list[EventPayload]:
            return awards.propose(awards.fold(history.payloads), award, eligibility, directory, now, commune_id,
                                  forms, quota_holders=holders)

        decide(await self._store.load(commune_id, "award", aggregate))
        await self._claims.claim(ctx, commune_id, award, key)
        if by_places:
            await self._quota.claim(ctx, commune_id, form, award, key)
        outcome = await self._bus.decide_and_append(
            ctx, Target(commune_id, "award", aggregate), decide, key=key, options=Options(retries=5)
        )
        body = {**done(outcome), "eligibility": eligibility.explain()}
        return CommandResult(body, replayed=outcome.duplicate)

    async def _decide(
        self,
        ctx: CommandContext,
        command: GrantAward | RejectAward | RevokeAward,
        operation: str,
        decide: Callable[[awards.Awards], list[EventPayload]],
    ) -> CommandResult:
        return await self._bus.execute(
            ctx,
            Target(command.commune_id, "award", award_aggregate(command.award_id)),
            Operation(f"{operation}:{command.award_id}", command.request()),
            decide=lambda h: decide(awards.fold(h.payloads)),
            respond=done,
        )

    async def level_of(self, commune_id: str, award_id: str) -> str:
        """Who decides the award (its form's `decided_by`), if it is decided on this node at all."""
        aggregate = award_aggregate(award_id)
        state = awards.fold((await self._store.load(commune_id, "award", aggregate)).payloads)
        here = award_id in state
        if not here:
            state = awards.fold(
                [e.envelope.payload for e in await self._record.foreign(commune_id, "award", aggregate)]
            )
        if award_id not in state:
            raise NotFound(f"Không có đề nghị khen thưởng {award_id}", f"no award {award_id}", field="award_id")
        form = await self.form_decided(state[award_id])
        self.decided_here(form)
        if not here:
            raise Conflict(
                f"Đề nghị khen thưởng {award_id} được lập và quyết định trên nút khác",
                f"award {award_id} was proposed on another node and is decided there",
                field="award_id",
                rule="decided_on_its_node",
            )
        return form.decided_by

    async def form_decided(self, award: awards.AwardState) -> AwardForm:
        """The award's form in the rules of its year (a period award: of its period's last year)."""
        year = award.year if award.year is not None else int(award.period[-4:]) if award.period else None
        sets = await self.rules.history()
        found = rules.for_year(sets, year, dt.date(year or 2000, 12, 31)).forms.get(award.form)
        form = found or FORMS.get(award.form)
        if form is None:
            raise NotFound(f"Không có hình thức khen thưởng '{award.form}'", f"no award form '{award.form}'",
                           field="form", rule="known_form")
        return form

    async def grant(self, ctx: CommandContext, command: GrantAward) -> CommandResult:
        return await self._decide(
            ctx,
            command,
            "grant",
            lambda state: awards.grant(
                state, command.award_id, command.decision_number, command.decision_date, command.signer
            ),
        )

    async def reject(self, ctx: CommandContext, command: RejectAward) -> CommandResult:
        return await self._decide(
            ctx, command, "reject", lambda state: awards.reject(state, command.award_id, command.reason)
        )

    async def revoke(self, ctx: CommandContext, command: RevokeAward) -> CommandResult:
        return await self._decide(
            ctx, command, "revoke", lambda state: awards.revoke(state, command)
        )

    async def record_par(self, ctx: CommandContext, command: RecordParRanking) -> CommandResult:
        """A new ranking of a year and category replaces the previous one (the last one counts).
        City data: entered on the city node (or a standalone one), not on a commune node."""
        if self._role == "commune":
            raise decided_at_city()
        ranking = ParRankingRecorded(year=command.year, category=command.category, ranks=dict(command.ranks))
        return await self._bus.execute(
            ctx,
            Target(CITY, "par", ranking.aggregate_id()),
            Operation("par", command.request()),
            decide=lambda h: [ranking],
            respond=lambda o: {"event_id": o.events[-1].envelope.event_id, "stream_sequence": o.events[-1].stream_seq},
        )
