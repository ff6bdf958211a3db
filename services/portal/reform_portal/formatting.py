"""Vietnamese conventions for what the pages show and read: dd/mm/yyyy dates, 1.234,5 numbers."""

from __future__ import annotations

import datetime as dt
import re

from reform_shared.catalog import REFORM_FIELDS
from reform_shared.ids import VIETNAM

DATE_INPUT = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")

STATUS_VI = {"submitted": "Đã nộp", "returned": "Trả lại để bổ sung", "withdrawn": "Đã rút"}
FIELD_CODES_VI = {"a": "a", "b": "b", "c": "c", "d": "d", "dd": "đ", "e": "e", "g": "g", "h": "h"}


def to_moment(value: str | dt.datetime | None) -> dt.datetime | None:
    if value is None or value == "":
        return None
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def vn_date(value: str | dt.date | dt.datetime | None) -> str:
    """dd/mm/yyyy, a moment read in Vietnam's time."""
    if value is None or value == "":
        return ""
    if isinstance(value, str) and len(value) == 10:
        value = dt.date.fromisoformat(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y")
    moment = to_moment(value)
    assert moment is not None
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y")


def vn_datetime(value: str | dt.datetime | None) -> str:
    moment = to_moment(value)
    return "" if moment is None else moment.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")


def vn_number(value: float | int | None, decimals: int = 1) -> str:
    """1.234,5: dots between thousands, a comma before the decimals (none for a whole number)."""
    if value is None:
        return ""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def vn_points(value: float | int | None) -> str:
    """Points and totals: up to two decimals, none shown that are zero (77,5; 76,25; 8)."""
    if value is None:
        return ""
    text = vn_number(round(float(value), 2), 2)
    return text.rstrip("0").rstrip(",") if "," in text else text


def parse_vn_date(text: str) -> dt.date | None:
    """dd/mm/yyyy (or the ISO yyyy-mm-dd a date picker sends) to a date; None when it is neither."""
    text = text.strip()
    match = DATE_INPUT.match(text)
    try:
        if match:
            day, month, year = (int(part) for part in match.groups())
            return dt.date(year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def parse_vn_number(text: str) -> float | None:
    """1.234,5 (or 1234.5) to a number; None when it is not one."""
    cleaned = text.strip().replace(" ", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif cleaned.count(".") > 1 or re.fullmatch(r"-?\d{1,3}(\.\d{3})+", cleaned):
        cleaned = cleaned.replace(".", "")
    try:
        return float(cleaned)
    except ValueError:
        return None


def field_label(code: str) -> str:
    vi = REFORM_FIELDS.get(code, (code, code))[0]
    return f"{FIELD_CODES_VI.get(code, code)}) {vi}"


def status_label(status: str) -> str:
    return STATUS_VI.get(status, status)


# -- the directory's codes in Vietnamese -----------------------------------------------------------------
ROLE_VI = {
    "submitter": "Tác giả", "unit_head": "Trưởng đơn vị", "secretary": "Thư ký (Phòng VH-XH)",
    "council_member": "Thành viên hội đồng", "council_chair": "Chủ tịch hội đồng", "chairman": "Chủ tịch UBND",
    "city_officer": "Cán bộ thành phố", "city_council": "Hội đồng thành phố", "operator": "Vận hành hệ thống",
    "administrator": "Quản trị hệ thống",
}
ASSIGNABLE_ROLES = ("submitter", "secretary", "council_member", "council_chair", "chairman", "operator",
                    "administrator")
"""Roles a commune's directory gives (`unit_head` comes by appointment; the city's roles in the city's)."""
UNIT_KIND_VI = {
    "van_phong": "Văn phòng", "phong": "Phòng", "ban": "Ban", "trung_tam": "Trung tâm", "thon": "Thôn",
    "to_dan_pho": "Tổ dân phố", "doan_the": "Đoàn thể", "so": "Sở", "khac": "Khác",
}
CATEGORY_VI = {"can_bo": "Cán bộ", "cong_chuc": "Công chức", "vien_chuc": "Viên chức",
               "nguoi_lao_dong": "Người lao động"}
HISTORY_VI = {
    "OfficialRegistered": "Đăng ký vào danh bạ", "OfficialUpdated": "Cập nhật thông tin",
    "OfficialMoved": "Chuyển đơn vị", "OfficialRolesChanged": "Thay đổi vai trò", "OfficialLeft": "Thôi công tác",
    "UnitHeadAppointed": "Bổ nhiệm trưởng đơn vị", "UnitHeadVacated": "Thôi làm trưởng đơn vị",
    "DirectoryImported": "Nhập từ bảng tính",
    "InitiativeSubmitted": "Nộp hồ sơ", "InitiativeRevised": "Sửa, bổ sung hồ sơ",
    "InitiativeReturned": "Trả lại để bổ sung", "InitiativeWithdrawn": "Rút hồ sơ",
    "QuestionAsked": "Hội đồng hỏi tác giả", "QuestionAnswered": "Tác giả trả lời hội đồng",
}


def role_label(code: str) -> str:
    return ROLE_VI.get(code, code)


def unit_kind_label(code: str) -> str:
    return UNIT_KIND_VI.get(code, code)


def category_label(code: str) -> str:
    return CATEGORY_VI.get(code, code)


def history_label(kind: str) -> str:
    return HISTORY_VI.get(kind, kind)


# -- operations and reports (the operator's and the reports' pages) ---------------------------------------
SERVICE_VI = {"submission": "Tiếp nhận hồ sơ", "evaluation": "Chấm điểm, công nhận", "awards": "Khen thưởng",
              "reporting": "Báo cáo, thống kê", "directory": "Danh bạ"}
PARKED_KIND_VI = {"unknown_event_type": "Loại sự kiện không biết", "unparseable": "Không đọc được",
                  "handler_failed": "Lỗi khi xử lý", "crash_loop": "Làm dừng tiến trình nhiều lần",
                  "commune_mismatch": "Sai xã/phường (giả mạo hoặc hỏng)"}
STAGE_VI = {"submitted": "Đã nộp", "scored": "Đã chấm điểm", "recognised": "Được công nhận",
            "nominated": "Đề nghị thành phố", "city_recognised": "Thành phố công nhận", "awarded": "Được khen thưởng"}


def service_label(code: str) -> str:
    return SERVICE_VI.get(code, code)


def parked_kind_label(code: str) -> str:
    return PARKED_KIND_VI.get(code, code)


def duration_label(seconds: float | int | None) -> str:
    """A span in words: 45 giây, 12 phút, 3 giờ 5 phút, 2 ngày 4 giờ."""
    if seconds is None:
        return "chưa có"
    whole = round(float(seconds))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} ngày" + (f" {hours} giờ" if hours else "")
    if hours:
        return f"{hours} giờ" + (f" {minutes} phút" if minutes else "")
    if minutes:
        return f"{minutes} phút" + (f" {secs} giây" if secs else "")
    return f"{vn_number(round(float(seconds), 1))} giây"


def projection_state(status: dict[str, object]) -> str:
    """What a projection's row says first: stopped, parked events waiting, behind, or in step."""
    if not status.get("running"):
        return "Đã dừng"
    if int(str(status.get("parked") or 0)):
        return "Có sự kiện bị tạm giữ"
    if int(str(status.get("lag") or 0)):
        return "Đang xử lý"
    return "Bình thường"


# -- the home page (portal-home) ----------------------------------------------------------------------------
SERVICE_VI.setdefault("identity", "Tài khoản, đăng nhập")
