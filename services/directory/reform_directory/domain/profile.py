"""The commune's profile aggregate (`profile`/`main`, one per commune): its commands and their decisions.

The directory service keeps it because it is the same kind of data as the directory — the commune's own
reference data, kept by its administrator, dated by the day a change takes effect — and because the
People's Committee's signers are people of the commune as the directory's officials are. It is an aggregate
of its own (not the directory's `main`) so a change of chairman never races a spreadsheet import.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from reform_shared.commands import Command
from reform_shared.commune_profile import ProfileView
from reform_shared.envelope import EventPayload
from reform_shared.errors import Conflict, RuleViolation
from reform_shared.events.profile import (
    CommuneProfileSet,
    ProfileEntry,
    SignerAppointed,
    SignerEntry,
    SignerLeftOffice,
)


class ProfileCommand(Command):
    commune_id: str
    effective: dt.date

    def request(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude={"commune_id"})


class SetProfile(ProfileCommand):
    profile: ProfileEntry


class AppointSigner(ProfileCommand):
    signer: SignerEntry


class EndSignerTerm(ProfileCommand):
    signer_id: str
    reason: str = ""


def set_profile(view: ProfileView, c: SetProfile) -> list[EventPayload]:
    if view.versions and view.on(c.effective) == c.profile and view.versions[-1][0] <= c.effective:
        return []
    return [CommuneProfileSet(effective=c.effective, profile=c.profile)]


def appoint_signer(view: ProfileView, c: AppointSigner) -> list[EventPayload]:
    profile_first(view)
    held = view.in_office(c.signer.signer_id, c.effective)
    if held is not None and held.signer == c.signer:
        return []
    later = [t for t in view.terms if t.signer.role == "chairman" and t.since > c.effective]
    if c.signer.role == "chairman" and later:
        raise Conflict(
            f"Đã có Chủ tịch nhận nhiệm vụ từ ngày {later[0].since:%d/%m/%Y}, sau ngày {c.effective:%d/%m/%Y}: "
            "hãy ghi các thay đổi theo thứ tự thời gian",
            f"a chairman already holds office from {later[0].since}, after {c.effective}: record changes in order",
            field="effective", rule="signers_in_order")
    return [SignerAppointed(effective=c.effective, signer=c.signer)]


def end_signer_term(view: ProfileView, c: EndSignerTerm) -> list[EventPayload]:
    term = next((t for t in view.terms if t.signer.signer_id == c.signer_id and t.until is None), None)
    if term is None:
        raise Conflict(f"'{c.signer_id}' không đang giữ chức vụ ký văn bản",
                       f"'{c.signer_id}' holds no office to end", field="signer_id", rule="signer_in_office")
    if c.effective <= term.since:
        raise RuleViolation(
            f"Ngày thôi giữ chức vụ phải sau ngày nhận nhiệm vụ ({term.since:%d/%m/%Y})",
            f"the term must end after it began ({term.since})", field="effective", rule="term_ends_after_start")
    return [SignerLeftOffice(effective=c.effective, signer_id=c.signer_id, reason=c.reason)]


def profile_first(view: ProfileView) -> None:
    if not view.recorded:
        raise Conflict("Hãy ghi thông tin của xã (tên, cấp) trước khi ghi người ký",
                       "set the commune's profile (name, level) before its signers", field="signer",
                       rule="profile_first")


def decide(view: ProfileView, command: ProfileCommand) -> list[EventPayload]:
    match command:
        case SetProfile():
            return set_profile(view, command)
        case AppointSigner():
            return appoint_signer(view, command)
        case EndSignerTerm():
            return end_signer_term(view, command)
    raise TypeError(type(command).__name__)
