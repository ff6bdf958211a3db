"""The initiative aggregate: one dossier in a campaign, through its revisions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal, assert_never

from reform_shared.aggregate import Evolver
from reform_shared.envelope import Actor, EventEnvelope, EventPayload
from reform_shared.errors import Conflict, Forbidden, NotFound
from reform_shared.events import (
    InitiativeContent,
    InitiativeReturned,
    InitiativeRevised,
    InitiativeSubmitted,
    InitiativeWithdrawn,
)
from reform_submission.domain import rules
from reform_submission.domain.campaign import Campaign
from reform_submission.domain.commands import (
    ReturnInitiative,
    ReviseInitiative,
    SubmitInitiative,
    WithdrawInitiative,
)

Status = Literal["submitted", "returned", "withdrawn"]
STATUS_LABELS: dict[str, str] = {"submitted": "Đã nộp", "returned": "Trả lại để bổ sung", "withdrawn": "Đã rút"}


@dataclass(frozen=True)
class Initiative:
    initiative_id: str
    campaign_id: str
    content: InitiativeContent
    status: Status
    revision: int
    submitted_by: str
    submitted_at: dt.datetime
    returned_reason: str = ""

    @property
    def author_user_ids(self) -> set[str]:
        return {author.user_id for author in self.content.authors if author.user_id}


@dataclass(frozen=True)
class Origin:
    """Who submitted the initiative, and when: its first envelope's actor and time, the only envelope data the
    aggregate keeps (its payloads do not carry them). The fold starts from it, so the mutators read payloads."""

    submitted_by: str
    submitted_at: dt.datetime

    @classmethod
    def of(cls, envelope: EventEnvelope) -> Origin:
        return cls(envelope.actor.user_id, envelope.occurred_at)


Folding = Initiative | Origin | None
evolver: Evolver[Folding] = Evolver(initial=None)


@evolver.on(InitiativeSubmitted)
def _submitted(state: Folding, event: InitiativeSubmitted) -> Folding:
    if not isinstance(state, Origin):
        return state
    return Initiative(event.initiative_id, event.campaign_id, event.content, "submitted", 1, state.submitted_by,
                      state.submitted_at)


@evolver.on(InitiativeRevised)
def _revised(state: Folding, event: InitiativeRevised) -> Folding:
    if not isinstance(state, Initiative):
        return state
    return replace(state, content=event.content, revision=event.revision, status="submitted", returned_reason="")


@evolver.on(InitiativeReturned)
def _returned(state: Folding, event: InitiativeReturned) -> Folding:
    return replace(state, status="returned", returned_reason=event.reason) if isinstance(state, Initiative) else state


@evolver.on(InitiativeWithdrawn)
def _withdrawn(state: Folding, event: InitiativeWithdrawn) -> Folding:
    return replace(state, status="withdrawn") if isinstance(state, Initiative) else state


def fold(events: Iterable[EventPayload], origin: Origin | None) -> Initiative | None:
    """The initiative its events make, from the origin its first envelope gives (None: no events yet)."""
    state = evolver.fold(events, origin) if origin is not None else None
    return state if isinstance(state, Initiative) else None


def may_write_for(actor: Actor, content: InitiativeContent) -> None:
    """Submitters write their own initiatives, unit heads their unit's, the secretary any."""
    if actor.has_any("secretary"):
        return
    if actor.has_any("unit_head") and actor.unit_id == content.unit.unit_id:
        return
    own = {a.user_id for a in content.authors if a.user_id}
    if actor.has_any("submitter") and (
        actor.user_id in own or (content.author_kind == "collective" and actor.unit_id == content.unit.unit_id)
    ):
        return
    raise Forbidden(
        "Chỉ tác giả, trưởng đơn vị của tác giả hoặc thư ký được lập hồ sơ này",
        "only an author, the head of the author's unit, or the secretary may write this dossier",
        rule="own_initiative_only",
    )


def may_act_on(actor: Actor, state: Initiative) -> None:
    """Authors, the one who submitted, and the unit's head act on an initiative."""
    if actor.user_id == state.submitted_by or actor.user_id in state.author_user_ids:
        return
    if actor.has_any("unit_head") and actor.unit_id == state.content.unit.unit_id:
        return
    raise Forbidden(
        "Bạn không phải tác giả của sáng kiến này",
        "you are not an author of this initiative",
        rule="own_initiative_only",
    )


def _content_rules(campaign: Campaign, content: InitiativeContent, commune_id: str) -> None:
    rules.field_is_open_in_campaign(content.field, campaign.fields)
    rules.sub_area_is_open(content.sub_area, campaign.terms.sub_areas)
    rules.authors_match_author_kind(content.author_kind, len(content.authors))
    rules.authors_belong_to_the_commune([a.commune_id for a in content.authors], commune_id)


def may_submit(campaign: Campaign | None, campaign_id: str, content: InitiativeContent, now: dt.datetime,
               actor: Actor) -> Campaign:
    """What refuses a submission before its title is claimed: the campaign, its window, fields and authorship."""
    rules.campaign_exists(campaign is not None, campaign_id)
    assert campaign is not None
    may_write_for(actor, content)
    rules.submission_window_is_open(now, campaign.opens_at, campaign.closes_at)
    _content_rules(campaign, content, actor.commune_id)
    return campaign


def submit(
    existing: Initiative | None,
    campaign: Campaign | None,
    submitted: InitiativeSubmitted,
    now: dt.datetime,
    actor: Actor,
) -> list[InitiativeSubmitted]:
    """Decide a submission against the campaign's window, fields and authorship."""
    if existing is not None:
        raise Conflict("Sáng kiến này đã được nộp", "this initiative was already submitted", rule="initiative_unique")
    may_submit(campaign, submitted.campaign_id, submitted.content, now, actor)
    return [submitted]


def _found(state: Initiative | None, initiative_id: str) -> Initiative:
    if state is None:
        raise NotFound(f"Không tìm thấy sáng kiến {initiative_id}", f"no initiative {initiative_id}",
                       field="initiative_id")
    return state


def may_revise(
    state: Initiative | None, initiative_id: str, campaign: Campaign | None, content: InitiativeContent,
    now: dt.datetime, actor: Actor,
) -> Initiative:
    """What refuses a revision before its title is claimed: the initiative, its status, authorship, the window."""
    current = _found(state, initiative_id)
    rules.not_withdrawn(current.status)
    may_act_on(actor, current)
    may_write_for(actor, content)
    assert campaign is not None
    if current.status != "returned":
        rules.submission_window_is_open(now, campaign.opens_at, campaign.closes_at)
    _content_rules(campaign, content, actor.commune_id)
    return current


def revise(
    state: Initiative | None,
    initiative_id: str,
    campaign: Campaign | None,
    content: InitiativeContent,
    now: dt.datetime,
    actor: Actor,
    note: str = "",
) -> list[InitiativeRevised]:
    """A new version of the dossier: before the deadline, or to complete a returned dossier."""
    current = may_revise(state, initiative_id, campaign, content, now, actor)
    resubmission = current.status == "returned"
    if content == current.content and not resubmission:
        return []
    return [InitiativeRevised(initiative_id=initiative_id, campaign_id=current.campaign_id,
                              revision=current.revision + 1, content=content, resubmission=resubmission, note=note)]


def return_to_author(state: Initiative | None, initiative_id: str, reason: str) -> list[InitiativeReturned]:
    """The secretariat returns an incomplete dossier, saying what is missing."""
    current = _found(state, initiative_id)
    rules.not_withdrawn(current.status)
    rules.return_needs_a_submitted_dossier(current.status)
    return [InitiativeReturned(initiative_id=initiative_id, campaign_id=current.campaign_id, reason=reason)]


def withdraw(state: Initiative | None, initiative_id: str, actor: Actor, reason: str) -> list[InitiativeWithdrawn]:
    current = _found(state, initiative_id)
    rules.not_withdrawn(current.status)
    may_act_on(actor, current)
    return [InitiativeWithdrawn(initiative_id=initiative_id, campaign_id=current.campaign_id, reason=reason)]


InitiativeCommand = SubmitInitiative | ReviseInitiative | ReturnInitiative | WithdrawInitiative


def submitted(command: SubmitInitiative, initiative_id: str) -> InitiativeSubmitted:
    return InitiativeSubmitted(initiative_id=initiative_id, campaign_id=command.campaign_id, content=command.content)


def decide(
    state: Initiative | None, command: InitiativeCommand, *, actor: Actor, now: dt.datetime,
    campaign: Campaign | None = None, initiative_id: str = "",
) -> list[EventPayload]:
    """The events a command on the initiative appends, or the rule that refuses it. A submission names the id
    the application gave the new initiative; a submission and a revision read the campaign."""
    match command:
        case SubmitInitiative():
            return list(submit(state, campaign, submitted(command, initiative_id), now, actor))
        case ReviseInitiative():
            return list(revise(state, command.initiative_id, campaign, command.content, now, actor, command.note))
        case ReturnInitiative():
            return list(return_to_author(state, command.initiative_id, command.reason))
        case WithdrawInitiative():
            return list(withdraw(state, command.initiative_id, actor, command.reason))
        case _:
            assert_never(command)
