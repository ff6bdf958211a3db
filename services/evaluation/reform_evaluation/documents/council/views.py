"""What the council's documents print: plain frozen views the application fills from the events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from reform_evaluation.documents.council.bases import DocumentRef
from reform_shared.catalog import field_label
from reform_shared.document_text import BLANK
from reform_shared.events import CouncilMember, InitiativeContent, Rubric, ScoreResult

Outcome = Literal["recognised", "not_recognised", "pending"]
OUTCOME_LABELS: dict[str, str] = {
    "recognised": "Công nhận", "not_recognised": "Không công nhận", "pending": "Chưa kết luận",
}
ROLE_LABELS: dict[str, str] = {"chair": "Chủ tịch hội đồng", "secretary": "Thư ký", "member": "Ủy viên"}
SIGN_HERE = "(Ký, ghi rõ họ tên)"
COUNCIL_NAME = "HỘI ĐỒNG ĐÁNH GIÁ SÁNG KIẾN"
DASH = "–"
PROPOSER = "Trưởng phòng Văn hóa - Xã hội"


@dataclass(frozen=True)
class CouncilRef:
    """The commune and the chairman's decision that constituted the council."""

    commune_name: str  # "xã Ninh Giang", "phường Gia Viên"
    place_name: str  # "Ninh Giang": the place of the date line
    decision_number: str  # "210/QĐ-UBND"
    decision_date: dt.date

    @property
    def commune_upper(self) -> str:
        return self.commune_name.upper()

    @property
    def kind(self) -> str:
        """'xã', 'phường' or 'đặc khu': how the commune's own bodies are named ('UBND phường')."""
        name = self.commune_name.strip().lower()
        return next((kind for kind in ("đặc khu", "phường") if name.startswith(kind)), "xã")

    def constituted_by(self) -> str:
        return (f"Quyết định số {self.decision_number} ngày {self.decision_date:%d/%m/%Y} "
                f"của Chủ tịch UBND {self.commune_name}")


@dataclass(frozen=True)
class InitiativeLine:
    """An initiative as the documents name it."""

    initiative_id: str
    title: str
    unit_name: str
    authors: tuple[str, ...] = ()  # empty: a collective author, the unit
    field: str = ""  # a field code of reform_shared.catalog: "c", "dd", "g"...

    @classmethod
    def of(cls, initiative_id: str, content: InitiativeContent) -> InitiativeLine:
        return cls(initiative_id, content.title, content.unit.name, tuple(a.name for a in content.authors),
                   content.field)

    @property
    def author_text(self) -> str:
        return ", ".join(self.authors) or f"Tập thể {self.unit_name}"

    @property
    def field_text(self) -> str:
        return field_label(self.field) if self.field else DASH


@dataclass(frozen=True)
class ScoreSheetView:
    """One member's sheet for one initiative; without points it prints as a blank form to fill by hand."""

    council: CouncilRef
    campaign_title: str
    initiative: InitiativeLine
    member: CouncilMember
    rubric: Rubric
    points: Mapping[str, float] | None = None  # None: not scored yet, the sheet prints as a blank form
    comment: str = ""
    scored_on: dt.date | None = None


@dataclass(frozen=True)
class ResultLine:
    """One initiative of the minutes, in the order of the council's ranking."""

    initiative: InitiativeLine
    outcome: Outcome
    result: ScoreResult | None = None
    reasons: tuple[str, ...] = ()  # why it was not recognised


@dataclass(frozen=True)
class ConflictLine:
    member_name: str
    initiative_title: str
    reason: str


@dataclass(frozen=True)
class DiscussionLine:
    """The council's deliberation on one initiative as the minutes summarise it (private remarks left out)."""

    initiative_title: str
    points: tuple[str, ...]


@dataclass(frozen=True)
class MinutesView:
    """The council's meeting; `results` in the order of the council's ranking (domain.results.ranking)."""

    council: CouncilRef
    year: int
    held_at: dt.datetime  # aware datetimes print in Vietnam time
    venue: str
    present: tuple[CouncilMember, ...]
    absent: tuple[CouncilMember, ...]
    rubric: Rubric
    results: tuple[ResultLine, ...]
    conflicts: tuple[ConflictLine, ...] = ()
    discussion: tuple[DiscussionLine, ...] = ()
    ended_at: dt.datetime | None = None

    def with_role(self, role: str) -> str:
        return next((m.name for m in (*self.present, *self.absent) if m.role == role), "")


@dataclass(frozen=True)
class RecognisedLine:
    initiative: InitiativeLine
    mean_total: float


@dataclass(frozen=True)
class DecisionView:
    """The chairman's recognition decision; a draft ("DỰ THẢO", blank number and date) until it has a number.

    Empty `executors` and `recipients` mean the usual ones of the commune's administration.
    """

    council: CouncilRef
    year: int
    signer: str  # the commune chairman, or the vice-chairman signing for him (see signer_heading)
    initiatives: tuple[RecognisedLine, ...]
    legal_bases: tuple[str, ...] = ()  # "Căn cứ Luật Tổ chức chính quyền địa phương ...", one per line
    campaign_basis: DocumentRef | None = None  # the campaign's launch document (CampaignTerms.legal_basis)
    number: str | None = None  # "215" or "215/QĐ-UBND"; None until signed: a draft
    decision_date: dt.date | None = None
    minutes_date: dt.date | None = None
    proposer: str = PROPOSER
    number_suffix: str = "QĐ-UBND"  # the commune's profile's (reform_shared.events.profile.ProfileEntry)
    executors: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    signer_heading: tuple[str, ...] = ("CHỦ TỊCH",)  # ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH") when a deputy signs

    @property
    def is_draft(self) -> bool:
        return not (self.number or "").strip()

    @property
    def number_ref(self) -> str:
        number = (self.number or "").strip() or BLANK
        return number if "/" in number else f"{number}/{self.number_suffix}"

    @property
    def date_ref(self) -> str:
        return f"{self.decision_date:%d/%m/%Y}" if self.decision_date else f"{BLANK}/{BLANK}/{self.year}"

    @property
    def executor_list(self) -> tuple[str, ...]:
        kind = self.council.kind
        return self.executors or (f"Chánh Văn phòng HĐND và UBND {kind}", "Trưởng phòng Văn hóa - Xã hội",
                                  "Thủ trưởng các cơ quan, đơn vị có liên quan")

    @property
    def recipient_list(self) -> tuple[str, ...]:
        return self.recipients or ("Như Điều 3", f"Chủ tịch, các Phó Chủ tịch UBND {self.council.kind}",
                                   "Lưu: VT, VHXH")
