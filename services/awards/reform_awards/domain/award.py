"""Award decisions. City-level annual awards of a commune-year live in one aggregate (the quota)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Literal

from reform_awards.domain.catalogue import FORMS, AwardForm
from reform_awards.domain.commands import ProposeAward, RevokeAward
from reform_awards.domain.eligibility import Eligibility
from reform_shared.aggregate import Evolver
from reform_shared.directory_view import DirectoryView
from reform_shared.envelope import EventPayload
from reform_shared.errors import Conflict, NotFound, RuleViolation
from reform_shared.events import AwardGranted, AwardProposed, AwardRejected, AwardRevoked, Basis, Recipient
from reform_shared.ids import VIETNAM

ACTIVE = ("proposed", "granted")


@dataclass(frozen=True)
class AwardState:
    award_id: str
    form: str
    level: Literal["commune", "city"]
    year: int | None
    period: str | None
    recipient: Recipient
    basis: Basis
    status: str = "proposed"
    decision_number: str | None = None
    reason: str = ""
    decision_date: dt.date | None = None
    form_name: str = ""


Awards = dict[str, AwardState]
"""The awards of one aggregate (an award, or a commune-year of city awards) by id."""

evolver: Evolver[Awards] = Evolver(initial={})
"""One mutator per event type. Each returns a new mapping: the initial one is shared by every fold."""


@evolver.on(AwardProposed)
def _proposed(awards: Awards, e: AwardProposed) -> Awards:
    return {**awards, e.award_id: AwardState(e.award_id, e.form, e.level, e.year, e.period, e.recipient, e.basis,
                                             form_name=e.form_name)}


def _decided(awards: Awards, award_id: str, change: Callable[[AwardState], AwardState]) -> Awards:
    """A decision on an award the aggregate does not hold (never proposed here) changes nothing."""
    if award_id not in awards:
        return awards
    return {**awards, award_id: change(awards[award_id])}


@evolver.on(AwardGranted)
def _granted(awards: Awards, e: AwardGranted) -> Awards:
    return _decided(awards, e.award_id, lambda a: replace(a, status="granted", decision_number=e.decision_number,
                                                                  decision_date=e.decision_date))


@evolver.on(AwardRejected)
def _rejected(awards: Awards, e: AwardRejected) -> Awards:
    return _decided(awards, e.award_id, lambda a: replace(a, status="rejected", reason=e.reason))


@evolver.on(AwardRevoked)
def _revoked(awards: Awards, e: AwardRevoked) -> Awards:
    return _decided(awards, e.award_id, lambda a: replace(a, status="revoked", reason=e.reason))


def fold(events: Iterable[EventPayload]) -> Awards:
    return evolver.fold(events)


def form_of(code: str, forms: Mapping[str, AwardForm] = FORMS) -> AwardForm:
    """The form of that code in the rules in force (the defaults when none is given)."""
    form = forms.get(code)
    if form is None:
        raise RuleViolation(f"Không có hình thức khen thưởng '{code}' (có: {', '.join(forms)})",
                            f"unknown award form '{code}'", field="form", rule="known_form")
    return form


def proposal(command: ProposeAward, forms: Mapping[str, AwardForm] = FORMS) -> AwardProposed:
    """The event a proposal would append, its level that of its form (an unknown form is refused)."""
    form = form_of(command.form, forms)
    return AwardProposed(award_id=command.award_id, level=form.level, year=command.year, form=form.code,
                         period=command.period, recipient=command.recipient, basis=command.basis,
                         form_name=form.name)


def form_name(code: str, recorded: str = "") -> str:
    """A form's name as the proposal recorded it, else seed 004's, else its code."""
    return recorded or (FORMS[code].name if code in FORMS else code)


def describe(award: AwardState) -> str:
    return f"{form_name(award.form, award.form_name)} cho {award.recipient.name} (mã {award.award_id}, {award.status})"


def propose(existing: Awards, proposed: AwardProposed, eligibility: Eligibility, directory: DirectoryView,
            now: dt.datetime, commune_id: str = "", forms: Mapping[str, AwardForm] = FORMS,
            quota_holders: Awards | None = None) -> list[EventPayload]:
    """The rules of a proposal (those in force for its year), in the order their refusals are given. The quota
    counts `quota_holders` (the places' holders) for a form whose quota is held by places, else `existing`."""
    form = form_of(proposed.form, forms)
    form_fits_recipient(form, proposed.recipient, commune_id)
    recipient_in_directory(directory, proposed.recipient, commune_id, now.astimezone(VIETNAM).date())
    dated_for_the_form(form, proposed, now)
    within_city_quota(form, existing if quota_holders is None else quota_holders, proposed)
    if proposed.award_id in existing:
        raise Conflict("Đề nghị khen thưởng này đã có", "this proposal already exists", rule="award_unique")
    if not eligibility.eligible:
        raise RuleViolation("Chưa đủ điều kiện khen thưởng: " + "; ".join(
            f"{c.label}: {'đạt' if c.met else 'chưa đạt'}" for c in eligibility.conditions),
            "the recipient does not meet the conditions", rule="eligible",
            details={"conditions": eligibility.explain()})
    return [proposed]


def form_fits_recipient(form: AwardForm, recipient: Recipient, commune_id: str) -> None:
    if form.level == "commune" and recipient.recipient_id == commune_id:
        raise RuleViolation(f"'{form.name}' do Chủ tịch UBND xã tặng, không dành cho chính UBND xã",
                            "a commune-level form cannot be granted to the commune itself",
                            field="recipient.recipient_id", rule="form_fits_recipient")
    if recipient.kind not in form.recipients:
        raise RuleViolation(f"Hình thức '{form.name}' không dành cho {recipient.kind}",
                            "the form does not fit the recipient type", field="recipient.kind",
                            rule="form_fits_recipient")


def absence(directory: DirectoryView, recipient: Recipient, commune_id: str, on: dt.date) -> str | None:
    """Why the recipient is not in the commune's directory on that day (None: it is): an individual must be
    an active official, a collective an open unit or the commune itself."""
    if recipient.kind == "collective":
        if recipient.recipient_id == commune_id:
            return None
        unit = directory.unit(recipient.recipient_id, on)
        if unit is None:
            return "unknown"
        return "closed" if unit.closed else None
    official = directory.official(recipient.recipient_id, on)
    if official is None:
        return "unknown"
    return "left" if not official.active else None


_ABSENT = {
    "unknown": ("không có trong danh bạ của xã vào ngày {d}", "is not in the commune's directory on {iso}"),
    "left": ("đã thôi công tác, không còn trong danh bạ của xã vào ngày {d}", "had left the directory by {iso}"),
    "closed": ("đã giải thể, không còn trong danh bạ của xã vào ngày {d}", "was closed by {iso}"),
}


def recipient_in_directory(directory: DirectoryView, recipient: Recipient, commune_id: str, on: dt.date) -> None:
    """The recipient is in the directory on the proposal date (a 422 naming the field otherwise)."""
    why = absence(directory, recipient, commune_id, on)
    if why is None:
        return
    who = ("Cá nhân", "individual") if recipient.kind == "individual" else ("Tập thể", "unit")
    vi, en = _ABSENT[why]
    raise RuleViolation(
        f"{who[0]} '{recipient.recipient_id}' {vi.format(d=f'{on:%d/%m/%Y}')}: người nhận khen thưởng phải là "
        "cán bộ đang công tác hoặc đơn vị đang hoạt động trong danh bạ",
        f"{who[1]} '{recipient.recipient_id}' {en.format(iso=on.isoformat())}: an award goes to an active official "
        "or an open unit of the directory", field="recipient.recipient_id", rule="recipient_in_directory",
        details={"on": on.isoformat(), "reason": why})


def dated_for_the_form(form: AwardForm, proposed: AwardProposed, now: dt.datetime) -> None:
    """A year (or the form's period) is given, and the form's dossier deadline for that year has not passed."""
    if form.kind != "period" and proposed.year is None:
        raise RuleViolation("Cần ghi năm khen thưởng", "the award year is required", field="year",
                            rule="year_required")
    if form.kind == "period" and form.period and proposed.period != f"{form.period[0]}-{form.period[1]}":
        raise RuleViolation(f"Giai đoạn phải là {form.period[0]}-{form.period[1]}", "wrong period",
                            field="period", rule="period_matches_form")
    deadline = form.deadline_for(proposed.year) if proposed.year is not None else None
    if deadline is not None and now >= deadline:
        raise RuleViolation(f"Đã quá hạn nộp hồ sơ khen thưởng ({deadline:%d/%m/%Y}) cho '{form.name}'",
                            f"the dossier deadline ({deadline:%Y-%m-%d}) has passed", field="year",
                            rule="dossier_deadline", details={"deadline": deadline.date().isoformat()})


def quota_taken(form: AwardForm, existing: Awards, proposed: AwardProposed) -> list[AwardState]:
    """The commune-year's active proposals of this form and recipient kind (the proposal itself not counted)."""
    return [a for a in existing.values() if a.form == form.code and a.status in ACTIVE
            and a.recipient.kind == proposed.recipient.kind and a.award_id != proposed.award_id]


def quota_text(form: AwardForm) -> str:
    kinds = {"collective": "tập thể", "individual": "cá nhân"}
    return " và ".join(f"{n} {kinds.get(k, k)}" for k, n in sorted(form.quota))


def within_city_quota(form: AwardForm, existing: Awards, proposed: AwardProposed) -> None:
    """At most the form's quota (seed 004: 1 collective and 1 individual) per commune and year, held by
    the commune-year aggregate."""
    limit = form.quota_for(proposed.recipient.kind)
    if limit is None:
        return
    taken = quota_taken(form, existing, proposed)
    if len(taken) >= limit:
        raise quota_refusal(form, taken, proposed)


def quota_refusal(form: AwardForm, taken: list[AwardState], proposed: AwardProposed) -> RuleViolation:
    already = f"; đã đề nghị: {describe(taken[0])}" if taken else ""
    return RuleViolation(
        f"Mỗi xã mỗi năm chỉ đề nghị {quota_text(form)} nhận {form.name}{already}",
        f"at most {dict(form.quota)} per commune and year; already: {[a.award_id for a in taken]}",
        rule="city_quota", details={"existing_award_id": taken[0].award_id if taken else None,
                                    "quota": form.quota_for(proposed.recipient.kind)})


def _award(existing: dict[str, AwardState], award_id: str) -> AwardState:
    if award_id not in existing:
        raise NotFound(f"Không có đề nghị khen thưởng {award_id}", f"no award {award_id}", field="award_id")
    return existing[award_id]


def grant(existing: dict[str, AwardState], award_id: str, decision_number: str, decision_date: dt.date,
          signer: str) -> list[EventPayload]:
    award = _award(existing, award_id)
    if award.status != "proposed":
        raise Conflict(f"Chỉ quyết định khen thưởng đề nghị đang chờ (hiện: {award.status})",
                       "only a pending proposal can be granted", rule="decide_only_proposed")
    return [AwardGranted(award_id=award.award_id, level=award.level, year=award.year, form=award.form,
                         recipient=award.recipient, period=award.period, decision_number=decision_number,
                         decision_date=decision_date, signer=signer)]


def reject(existing: dict[str, AwardState], award_id: str, reason: str) -> list[EventPayload]:
    award = _award(existing, award_id)
    if award.status != "proposed":
        raise Conflict("Chỉ từ chối đề nghị đang chờ", "only a pending proposal can be rejected",
                       rule="decide_only_proposed")
    return [AwardRejected(award_id=award.award_id, level=award.level, year=award.year, form=award.form,
                          reason=reason)]


def revoke(existing: dict[str, AwardState], command: RevokeAward) -> list[EventPayload]:
    """A revocation is a decision of its own: dated on or after the grant, under another number."""
    award = _award(existing, command.award_id)
    if award.status != "granted":
        raise Conflict("Chỉ thu hồi khen thưởng đã quyết định", "only a granted award can be revoked",
                       rule="revoke_only_granted")
    revoked_after_granted(award, command.decision_date)
    revocation_is_its_own_decision(award, command.decision_number)
    return [AwardRevoked(award_id=award.award_id, level=award.level, year=award.year, form=award.form,
                         reason=command.reason, decision_number=command.decision_number,
                         decision_date=command.decision_date, signer=command.signer)]


def revoked_after_granted(award: AwardState, on: dt.date) -> None:
    if award.decision_date is not None and on < award.decision_date:
        raise RuleViolation(
            f"Quyết định thu hồi (ngày {on:%d/%m/%Y}) không thể trước quyết định khen thưởng "
            f"(ngày {award.decision_date:%d/%m/%Y})",
            f"the revocation ({on.isoformat()}) cannot precede the grant ({award.decision_date.isoformat()})",
            field="decision_date", rule="revoked_after_granted",
            details={"granted_on": award.decision_date.isoformat()})


def revocation_is_its_own_decision(award: AwardState, number: str) -> None:
    if award.decision_number is not None and number.strip().lower() == award.decision_number.strip().lower():
        raise RuleViolation(
            f"Số quyết định thu hồi phải khác số quyết định khen thưởng ({award.decision_number})",
            f"the revocation needs its own decision number, not the grant's ({award.decision_number})",
            field="decision_number", rule="revocation_is_its_own_decision")


def one_award_per_achievement(holder: AwardState | None, initiative_id: str) -> None:
    """An initiative's recognition grounds at most one award, across forms and levels."""
    if holder is not None and holder.status in ACTIVE:
        raise RuleViolation(
            f"Sáng kiến {initiative_id} đã là căn cứ của khen thưởng khác: {describe(holder)}",
            f"initiative {initiative_id} already grounds another award: {holder.award_id}",
            field="basis.initiative_ids", rule="one_award_per_achievement",
            details={"existing_award_id": holder.award_id})
