"""The pure rules: who a reminder is for and when it is due, preferences (domain tier, no I/O)."""

from __future__ import annotations

import datetime as dt

import pytest
from nt_scene import COMMUNE, VN, directory_events

from reform_notifications.domain.facts import CampaignFacts, InitiativeFacts
from reform_notifications.domain.preferences import Preferences
from reform_notifications.domain.reminders import campaign_reminders, commune_reminders
from reform_shared.directory_view import DirectoryView

pytestmark = pytest.mark.domain
DIRECTORY = DirectoryView.fold(directory_events())
CLOSES = dt.datetime(2026, 9, 25, 17, 0, tzinfo=VN)


def facts(**changes: object) -> CampaignFacts:
    values: dict[str, object] = {
        "commune_id": COMMUNE, "campaign_id": "c1", "title": "Đợt 2026", "year": 2026, "closes_at": CLOSES,
        "evaluation_deadline": dt.date(2026, 9, 28), "expected_units": ("kinh-te", "tu-phap"),
        "council": ("minh", "thu"), "scoring_opened": True, "decision_signed": False, "nominated": True,
        "initiatives": {"i1": InitiativeFacts("i1", "Một cửa", "kinh-te", ("an",), scored_by=frozenset({"thu"}))}}
    values.update(changes)
    return CampaignFacts(**values)  # type: ignore[arg-type]


def who(notices: list, name: str) -> list[str]:  # type: ignore[type-arg]
    return sorted(n.person.user_id for n in notices if n.facts.get("reminder") == name)


def test_a_reminder_is_due_from_its_lead_until_its_deadline_and_not_after() -> None:
    assert who(campaign_reminders(facts(), DIRECTORY, CLOSES - dt.timedelta(days=3, seconds=1)),
               "submissions_closing") == []
    assert who(campaign_reminders(facts(), DIRECTORY, CLOSES - dt.timedelta(days=3)), "submissions_closing") == [
        "binh"]
    assert who(campaign_reminders(facts(), DIRECTORY, CLOSES), "submissions_closing") == []


def test_the_two_leads_have_two_keys_and_the_same_lead_one() -> None:
    early = campaign_reminders(facts(), DIRECTORY, CLOSES - dt.timedelta(days=2))
    later = campaign_reminders(facts(), DIRECTORY, CLOSES - dt.timedelta(hours=2))
    assert {n.cause for n in early} < {n.cause for n in later}
    assert len({n.key("email") for n in later}) == len(later)


def test_a_withdrawn_initiative_or_a_declared_conflict_leaves_nothing_to_score() -> None:
    day = dt.datetime(2026, 9, 27, 9, tzinfo=VN)
    assert who(campaign_reminders(facts(), DIRECTORY, day), "scoring_due") == ["minh"]
    conflicted = {"i1": InitiativeFacts("i1", "Một cửa", "kinh-te", ("an",), conflicted=frozenset({"minh"}),
                                        scored_by=frozenset({"thu"}))}
    assert who(campaign_reminders(facts(initiatives=conflicted), DIRECTORY, day), "scoring_due") == []
    assert who(campaign_reminders(facts(), DIRECTORY, day + dt.timedelta(days=1)), "recognition_due") == [
        "hung", "lan"]


def test_commune_dates_reach_secretaries_only() -> None:
    found = commune_reminders(COMMUNE, DIRECTORY, dt.datetime(2026, 3, 8, 9, tzinfo=VN))
    assert {n.facts["reminder"] for n in found} == {"quarterly_report", "city_award_dossiers"}
    assert {n.person.user_id for n in found} == {"lan"}


def test_preferences_refuse_unknown_kinds() -> None:
    assert not Preferences(muted_kinds=("reminder",)).wants("reminder")
    with pytest.raises(ValueError, match="unknown kinds"):
        Preferences(muted_kinds=("nothing",))
