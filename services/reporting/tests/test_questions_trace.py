"""The council's questions to the author in the workflow trace (issue 21): asked, answered, the time taken."""

from __future__ import annotations

import datetime as dt

import pytest

from reform_reporting.domain.pipeline import EVENT_TYPES, PIPELINE, updates
from reform_shared.commands import make_envelope
from reform_shared.envelope import Actor, EventEnvelope, EventPayload
from reform_shared.events.deliberation import NoteAdded, QuestionAnswered, QuestionAsked

pytestmark = pytest.mark.domain
VN = dt.timezone(dt.timedelta(hours=7))
ASKED, ANSWERED = dt.datetime(2026, 9, 27, 9, tzinfo=VN), dt.datetime(2026, 9, 28, 11, tzinfo=VN)


def envelope(payload: EventPayload, at: dt.datetime) -> EventEnvelope:
    return make_envelope(payload, commune_id="an-lao", version=1, actor=Actor(user_id="u1", commune_id="an-lao"),
                         occurred_at=at, correlation_id="c")


def test_a_question_and_its_answer_are_traced_on_the_initiative_with_the_time_taken() -> None:
    asked = QuestionAsked(initiative_id="i-9", campaign_id="k", question_id="q1", text="Xin bổ sung minh chứng.",
                          asked_by="thu-ky", asked_at=ASKED)
    answered = QuestionAnswered(initiative_id="i-9", campaign_id="k", question_id="q1", text="Đã bổ sung.",
                                answered_by="an", asked_at=ASKED, answered_at=ANSWERED, seconds_taken=93600)
    ((collection, key, fields, entry),) = updates(envelope(asked, ASKED), 7)
    assert (collection, key) == (PIPELINE, "an-lao:i-9")
    assert fields["questions.q1"]["question"] == "Xin bổ sung minh chứng."
    assert entry is not None and entry["service"] == "evaluation" and entry["event_type"] == "QuestionAsked"
    ((_, _, fields, entry),) = updates(envelope(answered, ANSWERED), 8)
    assert fields == {"questions.q1.answer": "Đã bổ sung.", "questions.q1.answered_at": ANSWERED,
                      "questions.q1.seconds_taken": 93600}
    assert entry is not None and entry["event_type"] == "QuestionAnswered"


def test_the_councils_private_notes_are_never_read_by_reporting() -> None:
    assert {"QuestionAsked", "QuestionAnswered"} <= set(EVENT_TYPES)
    assert NoteAdded.event_type not in EVENT_TYPES
