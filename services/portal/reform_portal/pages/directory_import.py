"""The directory's spreadsheet import: upload, a dry run showing what would change (added, updated, new heads,
warnings), then confirm; a file with bad rows shows every one (row, column, rule, message) and imports nothing.
The file travels back with the confirmation (a hidden field): the portal keeps nothing between requests."""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from reform_portal.api import ApiRefusal
from reform_portal.forms import form_values
from reform_portal.pages.directory_base import WRITERS, DirectoryReads, effective_of
from reform_portal.web import Caller, FormDep, PortalDep, for_roles, render

router = APIRouter(prefix="/danh-ba")
MAX_BYTES = 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def media_of(filename: str) -> str:
    return "text/csv" if filename.lower().endswith(".csv") else XLSX


def error(vi: str, en: str) -> dict[str, str]:
    return {"vi": vi, "en": en}


@router.get("/nhap", response_class=HTMLResponse)
async def import_form(request: Request, caller: Caller = for_roles(*WRITERS)) -> HTMLResponse:
    return render(request, "directory/import.html", {})


async def send(request: Request, portal: PortalDep, caller: Caller, values: dict[str, str], filename: str,
               data: bytes, dry_run: bool) -> Response:
    """The file to the directory: its preview, the import itself, or the page of its bad rows."""
    errors: dict[str, dict[str, str]] = {}
    body: dict[str, Any] = {}
    effective_of(values, body, errors)
    if errors:
        return render(request, "directory/import.html", {"values": values, "errors": errors}, status=422)
    fields = {"effective": body["effective"]} if "effective" in body else {}
    reads = DirectoryReads(portal, caller)
    try:
        answer = await portal.api.upload(
            "directory", caller.token, reads.path("/import"), filename, data, media_of(filename), fields=fields,
            params={"dry_run": "true" if dry_run else "false"},
            idempotency_key=None if dry_run else (values.get("idempotency_key") or uuid.uuid4().hex))
    except ApiRefusal as refusal:
        if refusal.status in (401, 403) and not refusal.field:
            raise
        rows = (refusal.error.get("details") or {}).get("rows") or []
        return render(request, "directory/import.html", {
            "values": values, "bad_rows": rows, "filename": filename, "refusal": refusal,
            "errors": {} if rows else {"file": error(refusal.message_vi, refusal.message_en)}},
            status=refusal.status)
    if not dry_run:
        return RedirectResponse("/danh-ba?da-nhap", status_code=303)
    names = {o["official_id"]: o["full_name"] for o in answer.get("officials", [])}
    units = {u["unit_id"]: u["name"] for u in answer.get("units", [])}
    for unit in await reads.unit_options():
        units.setdefault(unit[0], unit[1].lstrip("— "))
    return render(request, "directory/import_preview.html", {
        "plan": answer, "names": names, "units": units, "filename": filename, "values": values,
        "content": base64.urlsafe_b64encode(data).decode("ascii"), "idempotency_key": uuid.uuid4().hex})


@router.post("/nhap", response_class=HTMLResponse)
async def preview(request: Request, portal: PortalDep, form: FormDep, caller: Caller = for_roles(*WRITERS)
                  ) -> Response:
    values = form_values(form)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return render(request, "directory/import.html", {"values": values, "errors": {"file": error(
            "Hãy chọn tệp bảng tính (XLSX hoặc CSV)", "choose a spreadsheet file (XLSX or CSV)")}}, status=422)
    data = await upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return render(request, "directory/import.html", {"values": values, "errors": {"file": error(
            "Tệp lớn hơn 1 MiB", "the file is over 1 MiB")}}, status=413)
    return await send(request, portal, caller, values, upload.filename, data, dry_run=True)


@router.post("/nhap/xac-nhan", response_class=HTMLResponse)
async def confirm(request: Request, portal: PortalDep, form: FormDep, caller: Caller = for_roles(*WRITERS)
                  ) -> Response:
    values = form_values(form)
    try:
        data = base64.urlsafe_b64decode(values.get("content", "").encode("ascii"))
    except (binascii.Error, ValueError):
        data = b""
    if not data or len(data) > MAX_BYTES:
        return render(request, "directory/import.html", {"values": values, "errors": {"file": error(
            "Không đọc được tệp đã xem trước, hãy tải lên lại", "the previewed file is missing; upload it again")}},
            status=422)
    return await send(request, portal, caller, values, values.get("filename") or "danh-ba.xlsx", data,
                      dry_run=False)


@router.get("/mau.xlsx")
async def template(portal: PortalDep, caller: Caller = for_roles(*WRITERS)) -> Response:
    reads = DirectoryReads(portal, caller)
    answer = await portal.api.download("directory", caller.token, reads.path("/import/template.xlsx"))
    return Response(answer.content, media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="mau-danh-ba.xlsx"'})
