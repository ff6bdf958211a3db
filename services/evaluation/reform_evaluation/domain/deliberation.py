"""The council deliberates on one initiative: private notes (blind until one has scored), questions to the
author through the secretary, the chair's "not for the minutes" mark, and reopening scoring before finalising.

Each rule decides on the initiative's `EvaluationState`; time and ids are given, never read here.
"""

from __future__ import annotations

import datetime as dt

from reform_evaluation.domain.council import Council
from reform_evaluation.domain.evaluation import EvaluationState
from reform_evaluation.domain.sources import Candidate
from reform_shared.envelope import EventPayload
from reform_shared.errors import Conflict, Forbidden, NotFound, RuleViolation
from reform_shared.events import ScoreRecorded
from reform_shared.events.deliberation import (
    ConflictKind,
    NoteAdded,
    NoteKeptFromMinutes,
    ProposedMemberConflictDecided,
    QuestionAnswered,
    QuestionAsked,
    ScoringReopened,
)

MAX_TEXT = 4000


def may_see_notes(council: Council, user_id: str, is_secretariat: bool, has_scored: bool) -> bool:
    """Blindness kept: the secretariat, the council's chair and secretary see the notes; a member only once he
    or she has recorded a score on the initiative."""
    if is_secretariat:
        return True
    member = council.member(user_id)
    if member is None:
        return False
    return member.role in ("chair", "secretary") or has_scored


def _text_given(text: str, field: str = "text") -> str:
    cleaned = text.strip()
    if not cleaned or len(cleaned) > MAX_TEXT:
        raise RuleViolation(f"Nội dung không được để trống và không quá {MAX_TEXT} ký tự",
                            f"the text must be given, at most {MAX_TEXT} characters", field=field,
                            rule="text_required")
    return cleaned


def _not_finalised(state: EvaluationState) -> None:
    if state.outcome is not None:
        raise Conflict("Sáng kiến đã có kết quả đánh giá", "the initiative is finalised", rule="finalised_is_fixed")


def add_note(state: EvaluationState, council: Council, candidate: Candidate, member_id: str, is_secretariat: bool,
             has_scored: bool, note_id: str, text: str, reply_to: str | None, mentions: tuple[str, ...]
             ) -> list[EventPayload]:
    if not may_see_notes(council, member_id, is_secretariat, has_scored):
        raise Forbidden("Hãy chấm điểm sáng kiến trước khi tham gia thảo luận",
                        "record your own score before joining the deliberation", rule="notes_after_own_score")
    _not_finalised(state)
    if reply_to is not None and state.note(reply_to) is None:
        raise NotFound("Không tìm thấy ghi chú được trả lời", "no such note to reply to", field="reply_to")
    strangers = [m for m in mentions if council.member(m) is None]
    if strangers:
        raise RuleViolation(f"Chỉ nhắc tới thành viên hội đồng; không phải thành viên: {', '.join(strangers)}",
                            "only council members can be mentioned", field="mentions", rule="mentions_members_only")
    member = council.member(member_id)
    return [NoteAdded(initiative_id=candidate.initiative_id, campaign_id=candidate.campaign_id, note_id=note_id,
                      member_id=member_id, member_name=member.name if member else "", text=_text_given(text),
                      reply_to=reply_to, mentions=tuple(dict.fromkeys(mentions)))]


def keep_from_minutes(state: EvaluationState, council: Council, chair_id: str, note_id: str, reason: str
                      ) -> list[EventPayload]:
    """The chair marks a note "not for the minutes": it stays in the record, the minutes leave it out."""
    if council.chair is None or council.chair.user_id != chair_id:
        raise Forbidden("Chỉ chủ tịch hội đồng đánh dấu ghi chú không đưa vào biên bản",
                        "only the council's chair marks a note not for the minutes", rule="chair_marks_notes")
    note = state.note(note_id)
    if note is None:
        raise NotFound("Không tìm thấy ghi chú", "no such note", field="note_id")
    if note_id in state.kept_from_minutes:
        return []
    return [NoteKeptFromMinutes(initiative_id=note.initiative_id, note_id=note_id, reason=reason.strip())]


def ask_question(state: EvaluationState, candidate: Candidate, question_id: str, text: str, asked_by: str,
                 now: dt.datetime) -> list[EventPayload]:
    _not_finalised(state)
    if candidate.withdrawn:
        raise Conflict("Sáng kiến đã được rút", "the initiative was withdrawn", rule="withdrawn_not_scored")
    return [QuestionAsked(initiative_id=candidate.initiative_id, campaign_id=candidate.campaign_id,
                          question_id=question_id, text=_text_given(text), asked_by=asked_by, asked_at=now)]


def answer_question(state: EvaluationState, candidate: Candidate, question_id: str, text: str, user_id: str,
                    now: dt.datetime) -> list[EventPayload]:
    """Only an author answers, once; the time taken is kept with the answer."""
    if user_id not in {a.user_id for a in candidate.content.authors if a.user_id}:
        raise Forbidden("Chỉ tác giả sáng kiến trả lời câu hỏi của hội đồng",
                        "only the initiative's authors answer the council's questions", rule="authors_answer")
    question = state.questions.get(question_id)
    if question is None:
        raise NotFound("Không tìm thấy câu hỏi", "no such question", field="question_id")
    if question_id in state.answers:
        raise Conflict("Câu hỏi này đã được trả lời", "the question is already answered", field="question_id",
                       rule="question_answered_once")
    seconds = max(0, int((now - question.asked_at).total_seconds()))
    return [QuestionAnswered(initiative_id=candidate.initiative_id, campaign_id=candidate.campaign_id,
                             question_id=question_id, text=_text_given(text), answered_by=user_id,
                             asked_at=question.asked_at, answered_at=now, seconds_taken=seconds)]


def decide_precheck(state: EvaluationState, candidate: Candidate, member_id: str, member_name: str,
                    kinds: tuple[ConflictKind, ...], decision: str, reason: str) -> list[EventPayload]:
    """The secretary keeps or excludes a proposed member found conflicted by the pre-check: never silently."""
    _not_finalised(state)
    if not reason.strip():
        raise RuleViolation("Quyết định giữ hay loại thành viên phải nêu lý do",
                            "keeping or excluding a member needs a reason", field="reason",
                            rule="precheck_decision_needs_reason")
    earlier = state.prechecked.get(member_id)
    if earlier is not None and (earlier.decision, earlier.reason) == (decision, reason.strip()):
        return []
    return [ProposedMemberConflictDecided(
        initiative_id=candidate.initiative_id, campaign_id=candidate.campaign_id, member_id=member_id,
        member_name=member_name, kinds=kinds, decision="exclude" if decision == "exclude" else "keep",
        reason=reason.strip())]


def reopen_scoring(state: EvaluationState, council: Council, candidate: Candidate, scores: list[ScoreRecorded],
                   reason: str) -> list[EventPayload]:
    """Before finalising, the chair sets the sheets so far aside, with a reason: the members score again."""
    _not_finalised(state)
    if not council.scoring_opened:
        raise RuleViolation("Hội đồng chưa mở chấm điểm", "scoring has not opened", rule="scoring_not_open")
    if not reason.strip():
        raise RuleViolation("Mở lại chấm điểm phải nêu lý do", "reopening scoring needs a reason", field="reason",
                            rule="reopening_needs_reason")
    current = {s.member_id: s.revision for s in scores if s.revision > state.superseded.get(s.member_id, 0)}
    latest = {m: max(s.revision for s in scores if s.member_id == m) for m in current}
    if not latest:
        raise RuleViolation("Chưa có phiếu chấm nào để mở lại", "no sheet to set aside yet", rule="nothing_to_reopen")
    return [ScoringReopened(initiative_id=candidate.initiative_id, campaign_id=candidate.campaign_id,
                            reason=reason.strip(), round=state.round + 1, superseded=latest)]
