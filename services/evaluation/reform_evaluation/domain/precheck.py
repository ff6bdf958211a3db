"""The conflict pre-check before the council is constituted: from the directory and the campaign's dossiers,
which proposed member is an author, a co-author, the head of an author's unit (now, or when the initiative was
made), or shares a unit with an author. The secretary then keeps or excludes each, with a reason
(`domain.deliberation.decide_precheck`); the automatic conflicts at scoring time stay as they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from reform_evaluation.domain.sources import Candidate
from reform_shared.directory_view import DirectoryView
from reform_shared.events import CouncilMember
from reform_shared.events.deliberation import ConflictKind
from reform_shared.ids import VIETNAM

KIND_LABELS: dict[str, str] = {
    "author": "là tác giả sáng kiến (author)",
    "co_author": "là đồng tác giả sáng kiến (co-author)",
    "heads_unit_now": "đang là thủ trưởng đơn vị của tác giả (heads an author's unit now)",
    "headed_unit_then": "là thủ trưởng đơn vị của tác giả khi sáng kiến được lập (headed an author's unit then)",
    "shares_unit": "cùng đơn vị với tác giả (shares a unit with an author)",
}


@dataclass(frozen=True)
class Finding:
    """One proposed member's conflicts with one initiative."""

    member_id: str
    member_name: str
    initiative_id: str
    title: str
    kinds: tuple[ConflictKind, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(KIND_LABELS[k] for k in self.kinds)


def _author_units(candidate: Candidate, directory: DirectoryView, made_on: dt.date, today: dt.date) -> set[str]:
    units = {candidate.content.unit.unit_id}
    for author in candidate.author_ids:
        for day in (made_on, today):
            record = directory.official(author, day)
            if record is not None and record.unit_id:
                units.add(record.unit_id)
    return units


def kinds_of(member: CouncilMember, candidate: Candidate, directory: DirectoryView, today: dt.date
             ) -> tuple[ConflictKind, ...]:
    made_on = candidate.submitted_at.astimezone(VIETNAM).date()
    authors = [a.user_id for a in candidate.content.authors if a.user_id]
    kinds: list[ConflictKind] = []
    if authors and member.user_id == authors[0]:
        kinds.append("author")
    elif member.user_id in authors:
        kinds.append("co_author")
    units = _author_units(candidate, directory, made_on, today)
    known = [u for u in units if directory.unit(u) is not None]
    if any(directory.head_of(u, today) == member.user_id for u in known) or (
            member.heads_unit and member.unit_id in units and member.unit_id not in known):
        kinds.append("heads_unit_now")
    elif any(directory.head_of(u, made_on) == member.user_id for u in known):
        kinds.append("headed_unit_then")
    record = directory.official(member.user_id, today)
    own_unit = record.unit_id if record is not None and record.unit_id else member.unit_id
    if own_unit and own_unit in units and member.user_id not in authors:
        kinds.append("shares_unit")
    return tuple(kinds)


def precheck(proposed: Sequence[CouncilMember], candidates: Sequence[Candidate], directory: DirectoryView,
             today: dt.date) -> list[Finding]:
    """Every (proposed member, initiative) pair with at least one conflict, initiatives in the given order."""
    findings = []
    for candidate in candidates:
        if candidate.withdrawn:
            continue
        for member in proposed:
            kinds = kinds_of(member, candidate, directory, today)
            if kinds:
                findings.append(Finding(member.user_id, member.name, candidate.initiative_id,
                                        candidate.content.title, kinds))
    return findings
