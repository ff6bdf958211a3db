"""Conflicts of interest: a member never scores what he or she authored or whose unit he or she heads."""

from __future__ import annotations

from reform_evaluation.domain.sources import Candidate
from reform_shared.events import CouncilMember


def automatic_conflict(member: CouncilMember, candidate: Candidate) -> str | None:
    """Why the member is conflicted on this initiative by the facts alone, or None."""
    authors = [a.user_id for a in candidate.content.authors if a.user_id]
    if authors and member.user_id == authors[0]:
        return "là tác giả sáng kiến (author)"
    if member.user_id in authors:
        return "là đồng tác giả sáng kiến (co-author)"
    if member.heads_unit and member.unit_id == candidate.content.unit.unit_id:
        return "là thủ trưởng đơn vị của tác giả (heads the author's unit)"
    return None


def conflict_of(member: CouncilMember, candidate: Candidate, declared: dict[str, str]) -> str | None:
    return automatic_conflict(member, candidate) or declared.get(member.user_id)


def eligible_members(members: tuple[CouncilMember, ...], candidate: Candidate, declared: dict[str, str]
                     ) -> list[CouncilMember]:
    return [m for m in members if conflict_of(m, candidate, declared) is None]
