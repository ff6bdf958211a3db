"""What the minutes (biên bản) record beyond the results, read from the record: every conflict with its reason
(automatic ones from the dossiers and the directory on the day, declared ones, the pre-check's exclusions) and
the summary of the deliberation (notes the chair did not mark "not for the minutes", questions to the author
and their answers, reopenings with their reasons)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from reform_evaluation.application.record import EvaluationRecord
from reform_evaluation.documents.council.views import ConflictLine, DiscussionLine
from reform_evaluation.domain import evaluation as evaluations
from reform_evaluation.domain.conflicts import Heads, automatic_conflict
from reform_evaluation.domain.council import Council
from reform_evaluation.domain.sources import Candidate
from reform_shared.events.deliberation import NoteAdded


def _conflicts(council: Council, candidate: Candidate, state: evaluations.EvaluationState,
               heads: Heads) -> list[ConflictLine]:
    lines = []
    for member in council.members:
        automatic = automatic_conflict(member, candidate, heads)
        if automatic:
            lines.append(ConflictLine(member.name, candidate.content.title, f"{automatic} (tự động)"))
        elif member.user_id in state.declared:
            lines.append(ConflictLine(member.name, candidate.content.title,
                                      f"{state.declared[member.user_id]} (tự khai báo hoặc do thư ký quyết định)"))
    return lines


def _discussion(candidate: Candidate, state: evaluations.EvaluationState) -> DiscussionLine | None:
    points = [f"{n.member_name or n.member_id}: {n.text}" for n in state.notes
              if isinstance(n, NoteAdded) and n.note_id not in state.kept_from_minutes]
    points.extend(f"Mở lại chấm điểm (lần {n}): {reason}" for n, reason in enumerate(state.reopen_reasons, 2))
    for question in state.questions.values():
        answer = state.answers.get(question.question_id)
        points.append(f"Câu hỏi cho tác giả: {question.text} – "
                      + (f"tác giả trả lời: {answer.text}" if answer else "tác giả chưa trả lời"))
    return DiscussionLine(candidate.content.title, tuple(points)) if points else None


async def minutes_parts(record: EvaluationRecord, commune_id: str, council: Council, initiative_ids: Sequence[str],
                        now: dt.datetime) -> tuple[tuple[ConflictLine, ...], tuple[DiscussionLine, ...]]:
    """The conflicts and the discussion of the initiatives the minutes list, in their order."""
    heads = await record.heads(commune_id, now)
    conflicts: list[ConflictLine] = []
    discussion: list[DiscussionLine] = []
    for initiative_id in initiative_ids:
        candidate = await record.candidate(commune_id, initiative_id)
        state = await record.evaluation(commune_id, initiative_id)
        conflicts.extend(_conflicts(council, candidate, state, heads))
        line = _discussion(candidate, state)
        if line is not None:
            discussion.append(line)
    return tuple(conflicts), tuple(discussion)
