"""Conflicts of interest: a member never scores what he or she authored or whose unit he or she heads.

Who heads the author's unit comes from the commune's directory, on the day of the scoring (`Heads`): a member
heading the initiative's unit that day is conflicted, before they became head (or after their term) not. The
council's own `heads_unit` flag, typed by the secretary, counts only for a unit the directory does not know.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reform_evaluation.domain.sources import Candidate
from reform_shared.directory_view import DirectoryView
from reform_shared.events import CouncilMember


@dataclass(frozen=True)
class Heads:
    """The directory on the day of the scoring."""

    directory: DirectoryView
    on: dt.date

    def knows(self, unit_id: str) -> bool:
        return self.directory.unit(unit_id) is not None

    def heads(self, member_id: str, unit_id: str) -> bool:
        return self.directory.head_of(unit_id, self.on) == member_id


def heads_unit(member: CouncilMember, unit_id: str, heads: Heads | None = None) -> bool:
    """The member heads the unit: as the directory says on the day when it knows the unit, else as the
    council's members were typed."""
    if heads is not None and heads.knows(unit_id):
        return heads.heads(member.user_id, unit_id)
    return member.heads_unit and member.unit_id == unit_id


def automatic_conflict(member: CouncilMember, candidate: Candidate, heads: Heads | None = None) -> str | None:
    """Why the member is conflicted on this initiative by the facts alone, or None."""
    authors = [a.user_id for a in candidate.content.authors if a.user_id]
    if authors and member.user_id == authors[0]:
        return "là tác giả sáng kiến (author)"
    if member.user_id in authors:
        return "là đồng tác giả sáng kiến (co-author)"
    if heads_unit(member, candidate.content.unit.unit_id, heads):
        return "là thủ trưởng đơn vị của tác giả (heads the author's unit)"
    return None


def conflict_of(member: CouncilMember, candidate: Candidate, declared: dict[str, str],
                heads: Heads | None = None) -> str | None:
    return automatic_conflict(member, candidate, heads) or declared.get(member.user_id)


def eligible_members(members: tuple[CouncilMember, ...], candidate: Candidate, declared: dict[str, str],
                     heads: Heads | None = None) -> list[CouncilMember]:
    return [m for m in members if conflict_of(m, candidate, declared, heads) is None]
