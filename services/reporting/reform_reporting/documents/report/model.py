"""The report's data: plain frozen values the application computes from the event log up to `as_of`; the totals rows
of the tables are the sums of their rows, checked when the data is built.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from reform_shared.document_text import vn_number
from reform_shared.ids import VIETNAM

STAGES: tuple[str, ...] = ("submitted", "scored", "recognised", "nominated", "city_recognised", "awarded")
"""As reform_reporting.domain.summary.STAGES: `city_recognised` is the city's recognition at city level of an
initiative the commune nominated (taken on the city node, flowed back)."""
STAGE_LABELS: tuple[str, ...] = ("Nộp", "Đã chấm", "Công nhận", "Đề nghị thành phố", "Công nhận cấp thành phố",
                                 "Khen thưởng")
COLUMN_LABELS: tuple[str, ...] = ("Nộp", "Đã chấm", "Công nhận", "Đề nghị TP", "Công nhận cấp TP", "Khen thưởng")
"""The stages' labels in the narrow columns of the DOCX tables."""
TOTAL_LABEL = "Tổng cộng"
NO_DATA = "Chưa có số liệu"
NONE = "Không có."


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _count(value: int) -> str:
    """A count as Vietnamese write it: '1.234'."""
    return vn_number(value, 0)


def percent(part: int, whole: int) -> str:
    return f"{vn_number(100 * part / whole, 1)}%" if whole > 0 else ""


def local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(VIETNAM)


# -- the data --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Breakdown:
    """One row of the funnel: how many initiatives of a field, a unit (or all of them) reached each stage."""

    key: str  # "total", a field code ("c") or a unit id
    label: str  # "Tổng", "Cải cách thủ tục hành chính", "Phòng Văn hóa – Xã hội"
    submitted: int
    scored: int
    recognised: int
    nominated: int
    city_recognised: int  # recognised at city level ("Công nhận cấp thành phố"), the city's decision flowed back
    awarded: int

    def __post_init__(self) -> None:
        if any(value < 0 for value in self.counts):
            raise ValueError(f"negative count in the breakdown {self.key!r}")

    @property
    def counts(self) -> tuple[int, ...]:
        """The stages in the order of STAGES: submitted, scored, recognised, nominated, city_recognised, awarded."""
        return self.submitted, self.scored, self.recognised, self.nominated, self.city_recognised, self.awarded


def sum_rows(rows: Sequence[Breakdown], key: str = "total", label: str = TOTAL_LABEL) -> Breakdown:
    """The totals row of a table: the stage-by-stage sums of its rows."""
    sums = [sum(row.counts[index] for row in rows) for index in range(len(STAGES))]
    return Breakdown(key, label, *sums)


@dataclass(frozen=True)
class ReportData:
    """Everything a report prints, for one commune (or the city) and one period, as of one moment."""

    commune_id: str
    commune_name: str  # "xã Ninh Giang"; for the city view "thành phố Hải Phòng"
    period_label: str  # "Quý III năm 2026" or "Năm 2026"
    period_start: dt.date
    period_end: dt.date
    as_of: dt.datetime  # aware; the report reflects the event log up to this moment
    total: Breakdown
    by_field: tuple[Breakdown, ...]
    by_unit: tuple[Breakdown, ...]
    units_without_initiatives: tuple[tuple[str, str], ...]  # (unit_id, unit name)
    on_time: int
    late: int
    returned: int
    withdrawn: int
    awards_granted: tuple[tuple[str, int], ...]  # (form name, count)
    by_year: tuple[tuple[int, int, int], ...] = ()  # (year, submitted, recognised), for the trend chart
    signer: str = ""  # the chairman in office on the report's date (the commune's profile); "" to fill by hand

    def __post_init__(self) -> None:
        if self.as_of.utcoffset() is None:
            raise ValueError("as_of must be an aware datetime")
        if self.period_start > self.period_end:
            raise ValueError("the period ends before it starts")
        if min(self.on_time, self.late, self.returned, self.withdrawn, *(n for _, n in self.awards_granted), 0) < 0:
            raise ValueError("negative count in the report")
        for name in ("by_field", "by_unit"):
            rows: tuple[Breakdown, ...] = getattr(self, name)
            if rows and sum_rows(rows).counts != self.total.counts:
                raise ValueError(f"the rows of {name} do not add up to the total {self.total.counts}")

    @property
    def as_of_text(self) -> str:
        """The moment of the figures in Vietnam time: '15/09/2026 17:30'."""
        return f"{local(self.as_of):%d/%m/%Y %H:%M}"

    @property
    def period_text(self) -> str:
        return f"từ ngày {self.period_start:%d/%m/%Y} đến ngày {self.period_end:%d/%m/%Y}"

    @property
    def is_city(self) -> bool:
        return nfc(self.commune_name).strip().lower().startswith("thành phố")

    @property
    def kind(self) -> str:
        """'xã', 'phường', 'đặc khu' or 'thành phố': how the issuer's own bodies are named."""
        name = nfc(self.commune_name).strip().lower()
        return next((kind for kind in ("thành phố", "đặc khu", "phường", "xã") if name.startswith(kind)), "xã")

    @property
    def place(self) -> str:
        """The place of the date line: 'Ninh Giang' for 'xã Ninh Giang'."""
        name = nfc(self.commune_name).strip()
        prefix = self.kind
        return name[len(prefix):].strip() if name.lower().startswith(prefix) else name
