"""The campaign aggregate: a commune's call for initiatives for one year."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import assert_never

from reform_shared.aggregate import Evolver
from reform_shared.envelope import EventPayload
from reform_shared.events import CampaignAmended, CampaignLaunched, CampaignTerms, SubmissionsClosed
from reform_submission.domain import rules
from reform_submission.domain.commands import AmendCampaign, CloseSubmissions, LaunchCampaign


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    year: int
    terms: CampaignTerms
    closed_early_at: dt.datetime | None = None

    @property
    def opens_at(self) -> dt.datetime:
        opens: dt.datetime = self.terms.submission_opens_at
        return opens

    @property
    def closes_at(self) -> dt.datetime:
        """The deadline, or the moment the secretary closed submissions early."""
        deadline: dt.datetime = self.terms.submission_closes_at
        return min(deadline, self.closed_early_at) if self.closed_early_at else deadline

    @property
    def fields(self) -> tuple[str, ...]:
        fields: tuple[str, ...] = self.terms.fields
        return fields


def terms_of(event: CampaignLaunched | CampaignAmended) -> CampaignTerms:
    return CampaignTerms.model_validate(event.model_dump(include=set(CampaignTerms.model_fields)))


evolver: Evolver[Campaign | None] = Evolver(initial=None)


@evolver.on(CampaignLaunched)
def _launched(state: Campaign | None, event: CampaignLaunched) -> Campaign | None:
    return Campaign(event.campaign_id, event.year, terms_of(event))


@evolver.on(CampaignAmended)
def _amended(state: Campaign | None, event: CampaignAmended) -> Campaign | None:
    return None if state is None else replace(state, terms=terms_of(event))


@evolver.on(SubmissionsClosed)
def _closed(state: Campaign | None, event: SubmissionsClosed) -> Campaign | None:
    return None if state is None else replace(state, closed_early_at=event.closed_at)


def fold(events: Iterable[EventPayload]) -> Campaign | None:
    return evolver.fold(events)


def _valid_terms(terms: CampaignTerms) -> None:
    rules.fields_come_from_the_catalogue(terms.fields)
    rules.window_closes_after_it_opens(terms.submission_opens_at, terms.submission_closes_at)


def launch(state: Campaign | None, launched: CampaignLaunched) -> list[EventPayload]:
    """Decide a launch: the campaign is new, its fields are known, its window makes sense."""
    rules.campaign_is_new(state is not None, launched.campaign_id)
    _valid_terms(launched)
    return [launched]


def amend(state: Campaign | None, amended: CampaignAmended, now: dt.datetime) -> list[EventPayload]:
    """Amend the terms, only before the window opens (authors must be able to rely on them)."""
    rules.campaign_exists(state is not None, amended.campaign_id)
    assert state is not None
    rules.campaign_amended_before_window_opens(now, state.opens_at)
    _valid_terms(amended)
    return [amended] if terms_of(amended) != state.terms else []


def close_early(state: Campaign | None, campaign_id: str, now: dt.datetime, reason: str) -> list[EventPayload]:
    rules.campaign_exists(state is not None, campaign_id)
    assert state is not None
    rules.submissions_can_close_early(now, state.opens_at, state.closes_at)
    return [SubmissionsClosed(campaign_id=campaign_id, closed_at=now, reason=reason)]


CampaignCommand = LaunchCampaign | AmendCampaign | CloseSubmissions


def launched(command: LaunchCampaign) -> CampaignLaunched:
    return CampaignLaunched(campaign_id=command.campaign_id, year=command.year, **dict(command.terms))


def amended(command: AmendCampaign) -> CampaignAmended:
    return CampaignAmended(campaign_id=command.campaign_id, **dict(command.terms))


def decide(state: Campaign | None, command: CampaignCommand, now: dt.datetime) -> list[EventPayload]:
    """The events a command on the campaign appends, or the rule that refuses it."""
    match command:
        case LaunchCampaign():
            return launch(state, launched(command))
        case AmendCampaign():
            return amend(state, amended(command), now)
        case CloseSubmissions():
            return close_early(state, command.campaign_id, now, command.reason)
        case _:
            assert_never(command)
