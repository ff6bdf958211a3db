"""The horizon rule (domain tier, no I/O): what a restore left as history is marked so — an event at or below
the last restore's `up_to_seq`, a reminder that fell due before its `restored_at` — and nothing else."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

import pytest
from nt_scene import COMMUNE, VN, directory_events

from reform_notifications.domain.facts import CampaignFacts
from reform_notifications.domain.horizon import NEVER_RESTORED, Horizon
from reform_notifications.domain.notice import Notice, Person
from reform_notifications.domain.reminders import campaign_reminders
from reform_shared.directory_view import DirectoryView
from reform_shared.events import NodeRestored

pytestmark = pytest.mark.domain
DIRECTORY = DirectoryView.fold(directory_events())
CLOSES = dt.datetime(2026, 9, 25, 17, 0, tzinfo=VN)
RESTORED_AT = dt.datetime(2026, 9, 23, 9, 0, tzinfo=VN)
HORIZON = Horizon.of(NodeRestored(up_to_seq=40, restored_at=RESTORED_AT, backup_file_sha256="ab" * 32))


def returned(cause: str = "e-1") -> Notice:
    return Notice("dossier_returned", cause, COMMUNE, Person("an", "Phạm Văn An", "an@ninhgiang.gov.vn"),
                  "Hồ sơ sáng kiến bị trả lại", ("Lý do: thiếu hồ sơ",))


def closing_reminders(now: dt.datetime) -> list[Notice]:
    campaign = CampaignFacts(commune_id=COMMUNE, campaign_id="c1", title="Đợt 2026", year=2026, closes_at=CLOSES,
                             expected_units=("kinh-te", "tu-phap"))
    return [n for n in campaign_reminders(campaign, DIRECTORY, now)
            if n.facts.get("reminder") == "submissions_closing" and n.person.user_id == "binh"]


def test_an_event_at_or_below_the_restored_sequence_is_history_and_one_after_it_is_not() -> None:
    assert HORIZON.mark([returned()], seq=39)[0].history
    assert HORIZON.mark([returned()], seq=40)[0].history
    assert not HORIZON.mark([returned()], seq=41)[0].history
    assert not HORIZON.mark([returned()], seq=None)[0].history  # handed in outside the stream: new
    marked = HORIZON.mark([returned()], seq=1)[0]
    assert asdict(marked) == {**asdict(returned()), "history": True}  # only the mark changes


def test_a_reminder_that_fell_due_before_the_restore_is_history_and_one_due_after_it_is_not() -> None:
    three_days = closing_reminders(CLOSES - dt.timedelta(days=2))  # due 22/9 17:00, before the restore
    assert [n.due_at for n in three_days] == [CLOSES - dt.timedelta(days=3)]
    assert [n.history for n in HORIZON.mark(three_days)] == [True]
    both = closing_reminders(CLOSES - dt.timedelta(hours=2))  # the one-day reminder fell due 24/9 17:00
    assert {n.due_at: n.history for n in HORIZON.mark(both)} == {
        CLOSES - dt.timedelta(days=3): True, CLOSES - dt.timedelta(days=1): False}
    at_the_restore = Horizon(up_to_seq=0, restored_at=CLOSES - dt.timedelta(days=3))
    assert not at_the_restore.mark(three_days)[0].history  # due at the very moment of the restore: not before it


def test_a_node_never_restored_has_no_history() -> None:
    assert Horizon.of(None) == NEVER_RESTORED
    assert not any(n.history for n in NEVER_RESTORED.mark([returned(), *closing_reminders(CLOSES)], seq=1))
    assert not NEVER_RESTORED.fell_due_before(RESTORED_AT)
