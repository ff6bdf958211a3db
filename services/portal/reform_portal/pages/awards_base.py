"""What the award pages share: the awards API read for a page, who may see an award, the proposal form read
into the API's body (its field names, so a refusal lands beside the input it names). Every rule of an award
(eligibility, quota, deadline, one award per achievement) is the awards service's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from reform_portal.api import ApiRefusal, commune_path
from reform_portal.forms import Parsed
from reform_portal.pages.directory_base import DirectoryReads
from reform_portal.reads import settled
from reform_portal.web import Caller, Portal

DECIDERS = ("secretary", "chairman")
"""They see every award of the commune; anyone else only the awards he or she (or his or her unit) received."""
ACHIEVEMENT_ROWS = 3
AWARD_STATUS_VI = {"proposed": "Chờ quyết định", "granted": "Đã khen thưởng", "rejected": "Không khen thưởng",
                   "revoked": "Đã thu hồi"}
RECIPIENT_KIND_VI = {"individual": "Cá nhân", "collective": "Tập thể"}
ACHIEVEMENT_VI = {"advisory": "Tham mưu xuất sắc", "responsibility": "Tinh thần trách nhiệm cao",
                  "outstanding_year": "Năm công tác xuất sắc", "direct_reform_work": "Trực tiếp làm công tác CCHC",
                  "movement_leader": "Dẫn đầu phong trào", "other": "Thành tích khác"}
LABELS = {"status": AWARD_STATUS_VI, "kind": RECIPIENT_KIND_VI, "achievement": ACHIEVEMENT_VI}


class AwardReads:
    def __init__(self, portal: Portal, caller: Caller) -> None:
        self.portal, self.caller = portal, caller
        self.commune = caller.account.commune_id

    def path(self, rest: str) -> str:
        return commune_path(self.commune, rest)

    async def forms(self) -> dict[str, dict[str, Any]]:
        found = await self.portal.api.get("awards", self.caller.token, "/api/v1/award-forms")
        return {f["code"]: f for f in found}

    async def register(self, year: int | None = None, status: str | None = None) -> list[dict[str, Any]]:
        found = await self.portal.api.get("awards", self.caller.token, self.path("/awards"),
                                          {"year": year, "status": status})
        items: list[dict[str, Any]] = found["items"]
        return items

    async def award(self, award_id: str) -> dict[str, Any]:
        """One award, from the register (the service has no page of one award apart from its certificate)."""
        found = next((a for a in await self.register() if a["award_id"] == award_id), None)
        if found is None:
            raise ApiRefusal(404, {"message_vi": f"Không có khen thưởng {award_id}", "message_en": "no such award"})
        return found

    async def shows(self, award_id: str, status: str) -> None:
        """Read your own write: wait until the register shows the award in `status`."""

        async def holds() -> bool:
            return any(a["award_id"] == award_id and a["status"] == status for a in await self.register())

        await settled(holds)

    async def eligibility(self, body: dict[str, Any]) -> dict[str, Any]:
        found: dict[str, Any] = await self.portal.api.command(
            "awards", self.caller.token, "POST", self.path("/awards/eligibility"), body)
        return found

    async def recipients(self) -> dict[str, Any]:
        """The commune's active officials and open units (the directory), for the recipient's selects."""
        directory = DirectoryReads(self.portal, self.caller)
        officials = await directory.officials()
        return {"officials": officials, "units": await directory.unit_options()}

    async def initiatives(self) -> list[dict[str, Any]]:
        """The commune's dossiers the basis may name (the service says which ones count, and why)."""
        found = await self.portal.api.get("submission", self.caller.token, self.path("/initiatives"),
                                          {"status": "submitted", "limit": 100})
        items: list[dict[str, Any]] = found["items"]
        return items

    async def dossier(self, initiative_id: str) -> dict[str, Any]:
        """A dossier of the basis (one this user may not read is shown by its id)."""
        try:
            found: dict[str, Any] = await self.portal.api.get("submission", self.caller.token,
                                                              self.path(f"/initiatives/{initiative_id}"))
        except ApiRefusal:
            return {"initiative_id": initiative_id}
        return found


def may_see(caller: Caller, award: Mapping[str, Any]) -> bool:
    account = caller.account
    recipient = award.get("recipient") or {}
    return account.has_any(*DECIDERS) or recipient.get("recipient_id") in (account.user_id, account.unit_id)


def proposal_of(award: Mapping[str, Any]) -> dict[str, Any]:
    """The proposal's body again (to ask the service the eligibility of a recorded proposal)."""
    basis = award.get("basis") or {}
    return {"form": award["form"], "recipient": award["recipient"], "year": award.get("year"),
            "period": award.get("period"),
            "basis": {"initiative_ids": basis.get("initiative_ids", []), "par_year": basis.get("par_year"),
                      "achievements": basis.get("achievements", [])}}


def proposal_body(values: Mapping[str, str], initiative_ids: list[str], recipients: dict[str, Any]) -> Parsed:
    """The form read into the API's body; only what cannot be sent at all is an error here."""
    kind = values.get("recipient.kind", "")
    parsed = Parsed(body={"form": values.get("form", ""), "basis": {"initiative_ids": initiative_ids}})
    year = values.get("year", "").strip()
    if year.isdigit():
        parsed.body["year"] = int(year)
    elif year:
        parsed.errors["year"] = {"vi": "Năm phải là một số, ví dụ 2026", "en": "the year is a number"}
    parsed.body["recipient"] = _recipient(kind, values, recipients, parsed)
    parsed.body["basis"]["achievements"] = _achievements(values, parsed)
    return parsed


def _recipient(kind: str, values: Mapping[str, str], recipients: dict[str, Any], parsed: Parsed) -> dict[str, Any]:
    if kind == "individual":
        chosen = values.get("recipient.official", "")
        official = next((o for o in recipients["officials"] if o["official_id"] == chosen), None)
        if official is None:
            parsed.errors["recipient.official"] = {"vi": "Chọn cán bộ được đề nghị khen thưởng",
                                                   "en": "choose the official"}
            return {"kind": kind, "recipient_id": chosen, "name": chosen}
        return {"kind": kind, "recipient_id": chosen, "name": official["full_name"],
                "unit_id": official.get("unit_id")}
    if kind == "collective":
        chosen = values.get("recipient.unit", "")
        name = dict(recipients["units"]).get(chosen)
        if name is None:
            parsed.errors["recipient.unit"] = {"vi": "Chọn tập thể được đề nghị khen thưởng", "en": "choose the unit"}
            return {"kind": kind, "recipient_id": chosen, "name": chosen}
        return {"kind": kind, "recipient_id": chosen, "name": name.lstrip("— ")}
    parsed.errors["recipient.kind"] = {"vi": "Chọn cá nhân hay tập thể", "en": "choose individual or collective"}
    return {"kind": kind, "recipient_id": "", "name": ""}


def _achievements(values: Mapping[str, str], parsed: Parsed) -> list[dict[str, Any]]:
    """The filled rows; the API's `basis.achievements.N` is the N-th filled row."""
    found: list[dict[str, Any]] = []
    rows: list[int] = []
    for row in range(ACHIEVEMENT_ROWS):
        description = values.get(f"achievements.{row}.description", "").strip()
        if not description:
            continue
        item: dict[str, Any] = {"kind": values.get(f"achievements.{row}.kind") or "other", "description": description}
        year = values.get(f"achievements.{row}.year", "").strip()
        if year.isdigit():
            item["year"] = int(year)
        elif year:
            parsed.errors[f"achievements.{row}.year"] = {"vi": "Năm phải là một số", "en": "the year is a number"}
        found.append(item)
        rows.append(row)
    parsed.rows["achievements"] = rows
    return found


def input_of(api_field: str | None, values: Mapping[str, str], parsed: Parsed) -> str:
    """The form's input an API field names."""
    if not api_field:
        return "_form"
    parts = api_field.split(".")
    if api_field.startswith("recipient."):
        return "recipient.unit" if values.get("recipient.kind") == "collective" else "recipient.official"
    if parts[:2] == ["basis", "achievements"] and len(parts) > 2 and parts[2].isdigit():
        rows = parsed.rows.get("achievements", [])
        index = int(parts[2])
        row = rows[index] if index < len(rows) else 0
        return f"achievements.{row}.{parts[3] if len(parts) > 3 else 'description'}"
    if parts[:2] == ["basis", "initiative_ids"]:
        return "basis.initiative_ids"
    return api_field if api_field in ("form", "year") else "_form"
