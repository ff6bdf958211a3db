"""What the directory's pages share: its reads through the directory API, the optional "from" date of a
change, and one way to send a command and show its refusal beside the field it names."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from reform_portal.api import ApiRefusal, commune_path
from reform_portal.formatting import parse_vn_date
from reform_portal.forms import DATE_FORMAT_VI, form_values
from reform_portal.reads import settled
from reform_portal.web import Caller, Portal, render

Ident = Annotated[str, Path(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=64)]
Filter = Annotated[str | None, Query(max_length=100)]
READERS = ("secretary", "administrator", "operator")
WRITERS = ("secretary", "administrator")
STATES = {"dang-cong-tac": "true", "da-nghi": "false", "tat-ca": ""}
NOTICES = {"da-them-don-vi": "Đã thêm đơn vị.", "da-sua-don-vi": "Đã lưu đơn vị.",
           "da-bo-nhiem": "Đã bổ nhiệm trưởng đơn vị.", "da-dang-ky": "Đã đăng ký cán bộ vào danh bạ.",
           "da-sua": "Đã lưu thông tin cán bộ.", "da-chuyen": "Đã chuyển cán bộ sang đơn vị mới.",
           "da-doi-vai-tro": "Đã lưu vai trò của cán bộ.", "da-nghi": "Đã ghi nhận cán bộ thôi công tác.",
           "da-nhap": "Đã nhập danh bạ từ bảng tính."}


def notice_of(request: Request) -> str | None:
    return next((text for key, text in NOTICES.items() if key in request.query_params), None)


class DirectoryReads:
    def __init__(self, portal: Portal, caller: Caller) -> None:
        self.portal, self.caller = portal, caller

    def path(self, rest: str) -> str:
        return commune_path(self.caller.account.commune_id, f"/directory{rest}")

    async def get(self, rest: str, params: dict[str, Any] | None = None) -> Any:
        return await self.portal.api.get("directory", self.caller.token, self.path(rest), params)

    async def units(self) -> list[dict[str, Any]]:
        roots: list[dict[str, Any]] = (await self.get("/units"))["units"]
        return roots

    async def unit_options(self) -> list[tuple[str, str]]:
        """Every open unit, indented under its parent, for a select."""
        options: list[tuple[str, str]] = []

        def walk(units: list[dict[str, Any]], depth: int) -> None:
            for unit in units:
                options.append((unit["unit_id"], f"{'— ' * depth}{unit['name']}"))
                walk(unit.get("children", []), depth + 1)

        walk(await self.units(), 0)
        return options

    async def officials(self, **params: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (await self.get("/officials", params))["items"]
        return items

    async def probed(self, rest: str) -> Any:
        """What a read shows now (None: not found yet)."""
        try:
            return await self.get(rest)
        except ApiRefusal as refusal:
            if refusal.status == 404:
                return None
            raise

    async def changed(self, rest: str, before: Any) -> bool:
        return bool(await self.probed(rest) != before)

    async def official(self, official_id: str) -> dict[str, Any]:
        found: dict[str, Any] = await self.get(f"/officials/{official_id}")
        return found


def find_unit(units: list[dict[str, Any]], unit_id: str) -> dict[str, Any] | None:
    for unit in units:
        if unit["unit_id"] == unit_id:
            return unit
        found = find_unit(unit.get("children", []), unit_id)
        if found:
            return found
    return None


def effective_of(values: dict[str, str], body: dict[str, Any], errors: dict[str, dict[str, str]]) -> None:
    """The optional "from" date of a change (dd/mm/yyyy; today when empty)."""
    text = values.get("effective", "").strip()
    if text:
        day = parse_vn_date(text)
        if day is None:
            errors["effective"] = {"vi": DATE_FORMAT_VI, "en": "a date reads dd/mm/yyyy"}
        else:
            body["effective"] = day.isoformat()


def input_of(api_field: str) -> str:
    """The form's input an API field names: the forms are flat ("official.email" and "email" are the email box,
    "roles.1" the roles)."""
    names = [part for part in api_field.split(".") if part and not part.isdigit()]
    return names[-1] if names else "_form"


async def write(request: Request, portal: Portal, caller: Caller, form: FormData, method: str, rest: str,
                body: dict[str, Any], done: str, template: str, context: Callable[[], Awaitable[dict[str, Any]]],
                errors: dict[str, dict[str, str]] | None = None, probe: str | None = None) -> Response:
    """Send a command to the directory; on a refusal, the same form with the service's message beside the field
    it names and every typed value kept. `probe`: the read (under /directory) the page sent to shows; it is
    read before the command and the redirect waits (see `settled`) until it shows the change."""
    values = form_values(form)
    errors = dict(errors or {})
    refusal: ApiRefusal | None = None
    if not errors:
        reads = DirectoryReads(portal, caller)
        before = await reads.probed(probe) if probe else None
        try:
            await portal.api.command("directory", caller.token, method, commune_path(
                caller.account.commune_id, f"/directory{rest}"), body,
                idempotency_key=values.get("idempotency_key") or None)
            if probe:
                await settled(lambda: reads.changed(probe, before))
            return RedirectResponse(done, status_code=303)
        except ApiRefusal as caught:
            if caught.status in (401, 403) and not caught.field:
                raise
            refusal = caught
            errors = {input_of(name): text for name, text in caught.field_errors().items()}
    return render(request, template, {**await context(), "values": values, "errors": errors, "refusal": refusal,
                                      "idempotency_key": uuid.uuid4().hex}, status=refusal.status if refusal else 422)
