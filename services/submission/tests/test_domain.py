"""Given events, when a command, then events or a named rule — no I/O."""

from __future__ import annotations

import datetime as dt

import pytest

from reform_shared.errors import Conflict, NotFound, RuleViolation
from reform_shared.events import AuthorRef, CampaignLaunched, InitiativeSubmitted, UnitRef
from reform_submission.domain import campaign as campaigns
from reform_submission.domain import initiative as initiatives

pytestmark = pytest.mark.domain

VN = dt.timezone(dt.timedelta(hours=7))
OPENS = dt.datetime(2026, 3, 1, 8, 0, tzinfo=VN)
CLOSES = dt.datetime(2026, 4, 29, 17, 0, tzinfo=VN)  # seed 003 closes on 29/4


def launched(**overrides: object) -> CampaignLaunched:
    values: dict[str, object] = {
        "campaign_id": "cchc-2026", "year": 2026, "title": "Phát động sáng kiến năm 2026",
        "fields": ("a", "c", "g"), "submission_opens_at": OPENS, "submission_closes_at": CLOSES,
    }
    values.update(overrides)
    return CampaignLaunched(**values)  # type: ignore[arg-type]


def submitted(**overrides: object) -> InitiativeSubmitted:
    values: dict[str, object] = {
        "initiative_id": "i-1", "campaign_id": "cchc-2026", "title": "Một cửa điện tử",
        "unit": UnitRef(unit_id="vh-xh", name="Phòng Văn hóa – Xã hội"), "author_kind": "individual",
        "authors": (AuthorRef(name="Nguyễn Văn An"),), "field": "c", "summary": "Tóm tắt sáng kiến",
    }
    values.update(overrides)
    return InitiativeSubmitted(**values)  # type: ignore[arg-type]


CAMPAIGN = campaigns.fold([launched()])
DURING = dt.datetime(2026, 4, 1, 9, 0, tzinfo=VN)


def test_a_new_campaign_is_launched() -> None:
    assert campaigns.launch(None, launched()) == [launched()]


def test_a_campaign_cannot_be_launched_twice() -> None:
    with pytest.raises(Conflict) as caught:
        campaigns.launch(CAMPAIGN, launched())
    assert caught.value.rule == "campaign_unique"


def test_a_campaign_opens_only_fields_of_the_catalogue() -> None:
    with pytest.raises(RuleViolation) as caught:
        campaigns.launch(None, launched(fields=("a", "z")))
    assert caught.value.rule == "fields_from_catalogue" and "z" in caught.value.message_vi


def test_a_campaign_window_must_close_after_it_opens() -> None:
    with pytest.raises(RuleViolation) as caught:
        campaigns.launch(None, launched(submission_closes_at=OPENS))
    assert caught.value.rule == "window_closes_after_opening"


def test_a_submission_inside_the_window_is_accepted() -> None:
    assert initiatives.submit([], CAMPAIGN, submitted(), DURING) == [submitted()]


def test_a_submission_before_the_window_opens_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        initiatives.submit([], CAMPAIGN, submitted(), OPENS - dt.timedelta(minutes=1))
    assert caught.value.rule == "submission_window_open"


def test_a_submission_at_the_deadline_is_refused_and_the_message_gives_it() -> None:
    with pytest.raises(RuleViolation) as caught:
        initiatives.submit([], CAMPAIGN, submitted(), CLOSES)
    assert caught.value.rule == "submission_deadline"
    assert "17:00 ngày 29/04/2026" in caught.value.message_vi


def test_the_deadline_is_campaign_data_not_a_constant() -> None:
    late_campaign = campaigns.fold([launched(submission_closes_at=dt.datetime(2026, 9, 25, 17, 0, tzinfo=VN))])
    may = dt.datetime(2026, 5, 10, 9, 0, tzinfo=VN)
    assert initiatives.submit([], late_campaign, submitted(), may)
    with pytest.raises(RuleViolation):
        initiatives.submit([], CAMPAIGN, submitted(), may)


def test_a_field_the_campaign_does_not_open_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        initiatives.submit([], CAMPAIGN, submitted(field="e"), DURING)
    assert caught.value.rule == "field_open_in_campaign"
    assert "c) Cải cách thủ tục hành chính" in caught.value.message_vi


def test_an_individual_initiative_needs_an_author() -> None:
    with pytest.raises(RuleViolation) as caught:
        initiatives.submit([], CAMPAIGN, submitted(authors=()), DURING)
    assert caught.value.rule == "individual_needs_author"
    assert initiatives.submit([], CAMPAIGN, submitted(authors=(), author_kind="collective"), DURING)


def test_an_unknown_campaign_is_not_found() -> None:
    with pytest.raises(NotFound):
        initiatives.submit([], None, submitted(), DURING)


def test_an_initiative_is_submitted_once() -> None:
    with pytest.raises(Conflict):
        initiatives.submit([submitted()], CAMPAIGN, submitted(), DURING)
