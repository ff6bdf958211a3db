"""Who is told what about an event: one function per event model, typed with the shared contracts.

Recipients come from the event itself (council members, award recipients), from what the service remembers
of the campaign (authors, the council) and from its copy of the directory (names, e-mail addresses, the head
of a unit that is a collective author or recipient).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from reform_notifications.domain.facts import CampaignFacts, InitiativeFacts
from reform_notifications.domain.notice import Notice, Person
from reform_shared.directory_view import DirectoryView
from reform_shared.envelope import EventEnvelope, EventPayload
from reform_shared.events import (
    AwardGranted,
    AwardRejected,
    CityRecognitionDecided,
    CouncilConstituted,
    CouncilMembershipChanged,
    InitiativeNotRecognized,
    InitiativeRecognized,
    InitiativeReturned,
    Nominated,
    ProjectionParked,
    ScoringOpened,
)
from reform_shared.events.deliberation import NoteAdded, QuestionAnswered, QuestionAsked


@dataclass(frozen=True)
class Known:
    """What the service knows beside the event: the campaign, the directory, the award's recipient."""

    directory: DirectoryView
    campaign: CampaignFacts | None = None
    award_recipient: dict[str, Any] | None = None
    node_operators: tuple[tuple[str, Person], ...] = ()
    """(commune, operator) of every commune on the node (its directory copy): who hears of a parked event whose
    commune has no operator in the copy (unknown, malformed, or not a commune of this node)."""

    def person(self, user_id: str, name: str = "", on: dt.date | None = None) -> Person:
        official = self.directory.official(user_id, on)
        if official is None:
            return Person(user_id, name)
        return Person(user_id, official.full_name, official.email)

    def head(self, unit_id: str | None, on: dt.date) -> list[Person]:
        head = self.directory.head_of(unit_id, on) if unit_id else None
        return [self.person(head, on=on)] if head else []

    def with_role(self, role: str, on: dt.date) -> list[Person]:
        return [Person(o.official_id, o.full_name, o.email) for o in self.directory.officials(on)
                if o.active and role in self.directory.effective_roles(o.official_id, on)]

    def initiative(self, initiative_id: str) -> InitiativeFacts | None:
        return self.campaign.initiatives.get(initiative_id) if self.campaign else None

    def authors(self, initiative_id: str, on: dt.date) -> list[Person]:
        """The individual authors, or the head of the unit for a collective author."""
        facts = self.initiative(initiative_id)
        if facts is None:
            return []
        if facts.authors:
            return [self.person(user, on=on) for user in facts.authors]
        return self.head(facts.unit_id, on)


Rule = Callable[[EventEnvelope, Any, Known], list[Notice]]


def _tell(e: EventEnvelope, kind: str, people: Iterable[Person], subject: str, *lines: str,
          link: str = "") -> list[Notice]:
    unique = {p.user_id: p for p in people}
    return [Notice(kind, e.event_id, e.commune_id, p, subject, tuple(lines), link) for p in unique.values()]


def _title(k: Known, initiative_id: str, fallback: str = "") -> str:
    facts = k.initiative(initiative_id)
    return (facts.title if facts else "") or fallback or initiative_id


def council_assigned(e: EventEnvelope, p: CouncilConstituted | CouncilMembershipChanged, k: Known) -> list[Notice]:
    earlier = set(k.campaign.council) if k.campaign and isinstance(p, CouncilMembershipChanged) else set()
    day = e.occurred_at.date()
    people = [k.person(m.user_id, m.name, day) for m in p.members if m.user_id not in earlier]
    campaign = k.campaign.title if k.campaign and k.campaign.title else p.campaign_id
    return _tell(e, "council_assigned", people, f"Anh/chị được phân công vào hội đồng đánh giá: {campaign}",
                 f"Anh/chị là thành viên hội đồng đánh giá sáng kiến của đợt «{campaign}».",
                 "Hội đồng sẽ mở chấm điểm sau khi có đủ hồ sơ.", link="/hoi-dong")


def scoring_opened(e: EventEnvelope, p: ScoringOpened, k: Known) -> list[Notice]:
    day = e.occurred_at.date()
    people = [k.person(user, on=day) for user in (k.campaign.council if k.campaign else ())]
    campaign = k.campaign.title if k.campaign and k.campaign.title else p.campaign_id
    deadline = k.campaign.evaluation_deadline if k.campaign else None
    lines = [f"Hội đồng đã mở chấm điểm các sáng kiến của đợt «{campaign}»."]
    if deadline:
        lines.append(f"Hạn chấm điểm: {deadline:%d/%m/%Y}.")
    return _tell(e, "scoring_opened", people, f"Mở chấm điểm sáng kiến: {campaign}", *lines, link="/hoi-dong")


def dossier_returned(e: EventEnvelope, p: InitiativeReturned, k: Known) -> list[Notice]:
    title = _title(k, p.initiative_id)
    return _tell(e, "dossier_returned", k.authors(p.initiative_id, e.occurred_at.date()),
                 f"Hồ sơ sáng kiến bị trả lại: {title}", f"Hồ sơ sáng kiến «{title}» đã được trả lại để bổ sung.",
                 f"Lý do: {p.reason}", link=f"/sang-kien/{p.initiative_id}")


def recognised(e: EventEnvelope, p: InitiativeRecognized, k: Known) -> list[Notice]:
    title = _title(k, p.initiative_id)
    return _tell(e, "recognised", k.authors(p.initiative_id, e.occurred_at.date()),
                 f"Sáng kiến được công nhận: {title}", f"Sáng kiến «{title}» đã được hội đồng công nhận.",
                 f"Điểm trung bình: {p.result.mean_total:.1f}".replace(".", ","), link=f"/sang-kien/{p.initiative_id}")


def not_recognised(e: EventEnvelope, p: InitiativeNotRecognized, k: Known) -> list[Notice]:
    title = _title(k, p.initiative_id)
    return _tell(e, "not_recognised", k.authors(p.initiative_id, e.occurred_at.date()),
                 f"Sáng kiến không được công nhận: {title}", f"Sáng kiến «{title}» chưa được hội đồng công nhận.",
                 "Lý do: " + "; ".join(p.reasons), link=f"/sang-kien/{p.initiative_id}")


def nominated(e: EventEnvelope, p: Nominated, k: Known) -> list[Notice]:
    title = _title(k, p.initiative_id, p.title)
    return _tell(e, "nominated", k.authors(p.initiative_id, e.occurred_at.date()),
                 f"Sáng kiến được đề nghị lên thành phố: {title}",
                 f"Sáng kiến «{title}» được xã đề nghị công nhận cấp thành phố năm {p.year}.",
                 link=f"/sang-kien/{p.initiative_id}")


def city_decision(e: EventEnvelope, p: CityRecognitionDecided, k: Known) -> list[Notice]:
    title = _title(k, p.initiative_id, p.title)
    verdict = "được công nhận" if p.recognised else "không được công nhận"
    return _tell(e, "city_decision", k.authors(p.initiative_id, e.occurred_at.date()),
                 f"Quyết định của thành phố: sáng kiến {verdict}",
                 f"Sáng kiến «{title}» {verdict} ở cấp thành phố.",
                 f"Quyết định số {p.decision_number} ngày {p.decision_date:%d/%m/%Y}.")


def _award_people(kind: str, recipient_id: str, unit_id: str | None, k: Known, on: dt.date) -> list[Person]:
    return [k.person(recipient_id, on=on)] if kind == "individual" else k.head(unit_id or recipient_id, on)


def award_granted(e: EventEnvelope, p: AwardGranted, k: Known) -> list[Notice]:
    r = p.recipient
    people = _award_people(r.kind, r.recipient_id, r.unit_id, k, e.occurred_at.date())
    return _tell(e, "award_granted", people, f"Quyết định khen thưởng: {r.name}",
                 f"{r.name} được khen thưởng ({p.form or p.level}).",
                 f"Quyết định số {p.decision_number} ngày {p.decision_date:%d/%m/%Y}, người ký: {p.signer}.")


def award_rejected(e: EventEnvelope, p: AwardRejected, k: Known) -> list[Notice]:
    r = k.award_recipient
    if r is None:
        return []
    people = _award_people(r["kind"], r["recipient_id"], r.get("unit_id"), k, e.occurred_at.date())
    return _tell(e, "award_rejected", people, f"Đề nghị khen thưởng không được chấp thuận: {r['name']}",
                 f"Đề nghị khen thưởng cho {r['name']} không được chấp thuận.", f"Lý do: {p.reason}")


def mentioned(e: EventEnvelope, p: NoteAdded, k: Known) -> list[Notice]:
    """The members a note mentions, never its author; the note's text is not quoted (a member who has not
    scored yet must not read the deliberation through the inbox): who mentioned him, on which initiative."""
    day = e.occurred_at.date()
    council = set(k.campaign.council) if k.campaign and k.campaign.council else None
    people = [k.person(user, on=day) for user in p.mentions
              if user != p.member_id and (council is None or user in council)]
    title = _title(k, p.initiative_id)
    who = k.person(p.member_id, p.member_name, day).name or p.member_name or p.member_id
    return _tell(e, "mentioned", people, f"Anh/chị được nhắc đến trong thảo luận: {title}",
                 f"{who} đã nhắc đến anh/chị trong thảo luận của hội đồng về sáng kiến «{title}».",
                 "Mở trang thảo luận để xem ý kiến (sau khi anh/chị đã chấm điểm sáng kiến này).",
                 link=f"/thao-luan/{p.initiative_id}")


def question_asked(e: EventEnvelope, p: QuestionAsked, k: Known) -> list[Notice]:
    title = _title(k, p.initiative_id)
    return _tell(e, "question_asked", k.authors(p.initiative_id, e.occurred_at.date()),
                 f"Hội đồng hỏi tác giả về sáng kiến: {title}",
                 f"Hội đồng đánh giá đề nghị làm rõ hoặc bổ sung hồ sơ sáng kiến «{title}».",
                 f"Câu hỏi: {p.text}", "Xin trả lời trong hồ sơ sáng kiến.", link=f"/sang-kien/{p.initiative_id}")


def question_answered(e: EventEnvelope, p: QuestionAnswered, k: Known) -> list[Notice]:
    title = _title(k, p.initiative_id)
    day = e.occurred_at.date()
    who = k.person(p.answered_by, on=day).name or p.answered_by
    return _tell(e, "question_answered", k.with_role("secretary", day),
                 f"Tác giả đã trả lời câu hỏi của hội đồng: {title}",
                 f"{who} đã trả lời câu hỏi của hội đồng về sáng kiến «{title}».",
                 f"Trả lời: {p.text}", link=f"/thao-luan/{p.initiative_id}")


def parked_cause(stream_seq: int, service: str | None = None) -> str:
    """The cause of the notice about a poisoned stream position in one service (None: this one's own consumer):
    an operator is told once per service that parked the event — each service replays its own, from its own
    `/ops/projections` — not once per projection of it (the reporting service's audit reads every subject, so
    what its pipeline parks, the audit mostly parks too)."""
    return f"parked:seq-{stream_seq}" if service is None else f"parked:{service}:seq-{stream_seq}"


def projection_parked(e: EventEnvelope, p: ProjectionParked, k: Known) -> list[Notice]:
    """Another service's projection parked an event: the commune's operators (from the directory copy) are
    told, else — the commune unknown, or none of its officials an operator — every operator of the node.
    One notice per service and poisoned stream position (`parked_cause`), naming the first projection of the
    service that reported it; the service's `/ops/projections` lists every projection that parked it."""
    what = p.parked_type or "không rõ loại"
    subject = f"Sự kiện bị tạm giữ ở dịch vụ {p.service} ({p.projection})"
    lines = (f"Dịch vụ {p.service} (projection {p.projection}) đã tạm giữ sự kiện {what} "
             f"ở vị trí {p.stream_seq} (subject {p.subject}).",
             f"Loại lỗi: {p.error_kind}. Lỗi: {p.reason}",
             "Sự kiện không được đưa vào dữ liệu cho đến khi người vận hành xử lý lại.")
    link = f"/ops/projections/{p.projection}/parked"
    cause = parked_cause(p.stream_seq, p.service)
    own = {person.user_id: person for person in k.with_role("operator", e.occurred_at.date())}
    if own:
        return [Notice("event_parked", cause, e.commune_id, person, subject, lines, link) for person in own.values()]
    # Each told in the inbox of their own commune (an inbox is per commune and person).
    return [Notice("event_parked", cause, commune, person, subject, lines, link)
            for commune, person in dict(((c, who.user_id), (c, who)) for c, who in k.node_operators).values()]


RULES: dict[type[EventPayload], Rule] = {
    CouncilConstituted: council_assigned,
    CouncilMembershipChanged: council_assigned,
    ScoringOpened: scoring_opened,
    InitiativeReturned: dossier_returned,
    InitiativeRecognized: recognised,
    InitiativeNotRecognized: not_recognised,
    Nominated: nominated,
    CityRecognitionDecided: city_decision,
    AwardGranted: award_granted,
    AwardRejected: award_rejected,
    ProjectionParked: projection_parked,
    NoteAdded: mentioned,
    QuestionAsked: question_asked,
    QuestionAnswered: question_answered,
}
"""The whole flow of what is notified, on one screen."""


def notices_of(e: EventEnvelope, k: Known) -> list[Notice]:
    rule = RULES.get(type(e.payload))
    return rule(e, e.payload, k) if rule else []


def parked_notices(commune_id: str, cause: str, subject_line: str, error: str, k: Known, on: dt.date) -> list[Notice]:
    """A poison event the service could not read: the commune's operators are told."""
    return [Notice("event_parked", cause, commune_id, person, "Sự kiện bị tạm giữ ở dịch vụ thông báo",
                   (f"Sự kiện trên subject {subject_line} không đọc được và đã bị tạm giữ.", f"Lỗi: {error}"),
                   "/ops") for person in k.with_role("operator", on)]
