"""The commune's profile for its administrator and secretary (issue 22): its name and level, address,
secretariat, document number suffixes, the default deadlines of its campaigns, and the People's Committee's
signers with their terms. Every document is printed with the names in force on its date; the page shows the
profile in force today and every change. Everything goes through the directory service's profile API.

The header of every page names the signed-in person's commune as its profile does (`letterhead_in_header`)."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reform_portal.api import ApiOutage, ApiRefusal, commune_path
from reform_portal.forms import form_values
from reform_portal.pages.directory_base import effective_of, input_of
from reform_portal.web import Caller, FormDep, Portal, PortalDep, account_in, for_roles, portal_of, render

log = logging.getLogger(__name__)
router = APIRouter(prefix="/thong-tin-xa")
READERS = ("secretary", "administrator", "chairman", "operator")
WRITERS = ("secretary", "administrator")
LEVELS = [("xa", "Xã"), ("phuong", "Phường"), ("dac_khu", "Đặc khu")]
ROLES = [("chairman", "Chủ tịch UBND"), ("vice_chairman", "Phó Chủ tịch UBND")]
DEADLINES = (("submission_deadline", "Hạn nộp hồ sơ"), ("evaluation_deadline", "Hạn chấm điểm"),
             ("recognition_deadline", "Hạn công nhận"), ("nomination_deadline", "Hạn đề nghị lên thành phố"))
DAY_MONTH = re.compile(r"^\s*(\d{1,2})/(\d{1,2})\s*$")
SignerId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
NOTICES = {"da-luu": "Đã lưu thông tin của xã.", "da-them-nguoi-ky": "Đã ghi người ký.",
           "da-thoi": "Đã ghi ngày thôi giữ chức vụ."}
LETTERHEADS: dict[str, tuple[float, str]] = {}
LETTERHEAD_SECONDS = 30.0


async def profile_of(portal: Portal, caller: Caller) -> dict[str, Any]:
    found: dict[str, Any] = await portal.api.get("directory", caller.token,
                                                 commune_path(caller.account.commune_id, "/profile"))
    return found


def month_day(text: str) -> str | None:
    """ "25/9" -> "09-25" (None when it is not a day and month)."""
    match = DAY_MONTH.match(text)
    if not match or not (1 <= int(match[2]) <= 12 and 1 <= int(match[1]) <= 31):
        return None
    return f"{int(match[2]):02d}-{int(match[1]):02d}"


def day_month(value: str | None) -> str:
    return f"{value[3:]}/{value[:2]}" if value else ""


def profile_body(values: dict[str, str], errors: dict[str, dict[str, str]]) -> dict[str, Any]:
    deadlines: dict[str, str] = {}
    for name, _ in DEADLINES:
        text = values.get(name, "").strip()
        if text:
            parsed = month_day(text)
            if parsed is None:
                errors[name] = {"vi": "Ghi ngày và tháng dạng dd/mm, ví dụ 25/09", "en": "a day and month, dd/mm"}
            else:
                deadlines[name] = parsed
    body: dict[str, Any] = {key: values.get(key, "").strip() for key in (
        "name", "level", "address", "secretariat", "decision_suffix", "letter_suffix")}
    body["deadlines"] = deadlines
    effective_of(values, body, errors)
    return body


def profile_values(found: dict[str, Any]) -> dict[str, str]:
    entry = found.get("profile") or {"level": "xa", "secretariat": "Phòng Văn hóa - Xã hội",
                                     "decision_suffix": "QĐ-UBND", "letter_suffix": "UBND-VHXH", "deadlines": {}}
    values = {k: str(v) for k, v in entry.items() if isinstance(v, str)}
    values.update({name: day_month(entry.get("deadlines", {}).get(name)) for name, _ in DEADLINES})
    return values


async def send(request: Request, portal: Portal, caller: Caller, form: Any, method: str, rest: str,
               body: dict[str, Any], done: str, template: str, context: Callable[[], Awaitable[dict[str, Any]]],
               errors: dict[str, dict[str, str]]) -> Response:
    """The command to the profile API; on a refusal the same form, the message beside the field it names."""
    values = form_values(form)
    refusal: ApiRefusal | None = None
    if not errors:
        try:
            await portal.api.command("directory", caller.token, method,
                                     commune_path(caller.account.commune_id, f"/profile{rest}"), body,
                                     idempotency_key=values.get("idempotency_key") or None)
            LETTERHEADS.pop(caller.account.commune_id, None)
            return RedirectResponse(done, status_code=303)
        except ApiRefusal as caught:
            if caught.status in (401, 403) and not caught.field:
                raise
            refusal = caught
            errors = {input_of(name): text for name, text in caught.field_errors().items()}
    return render(request, template, {**await context(), "values": values, "errors": errors, "refusal": refusal,
                                      "idempotency_key": uuid.uuid4().hex}, status=refusal.status if refusal else 422)


@router.get("", response_class=HTMLResponse)
async def show(request: Request, portal: PortalDep, caller: Caller = for_roles(*READERS)) -> HTMLResponse:
    found = await profile_of(portal, caller)
    notice = next((text for key, text in NOTICES.items() if key in request.query_params), None)
    return render(request, "profile/show.html", {"found": found, "notice": notice, "deadlines": DEADLINES,
                                                 "levels": dict(LEVELS), "can_write": caller.account.has_any(*WRITERS)})


def form_context() -> dict[str, Any]:
    return {"levels": LEVELS, "deadlines": DEADLINES, "roles": ROLES, "idempotency_key": uuid.uuid4().hex}


@router.get("/sua", response_class=HTMLResponse)
async def edit(request: Request, portal: PortalDep, caller: Caller = for_roles(*WRITERS)) -> HTMLResponse:
    values = profile_values(await profile_of(portal, caller))
    return render(request, "profile/form.html", {**form_context(), "values": values})


@router.post("/sua", response_class=HTMLResponse)
async def save(request: Request, portal: PortalDep, form: FormDep, caller: Caller = for_roles(*WRITERS)
               ) -> Response:
    errors: dict[str, dict[str, str]] = {}
    body = profile_body(form_values(form), errors)

    async def context() -> dict[str, Any]:
        return form_context()

    return await send(request, portal, caller, form, "PUT", "", body, "/thong-tin-xa?da-luu", "profile/form.html",
                      context, errors)


@router.get("/nguoi-ky/moi", response_class=HTMLResponse)
async def new_signer(request: Request, caller: Caller = for_roles(*WRITERS)) -> HTMLResponse:
    return render(request, "profile/signer_form.html", {**form_context(), "values": {"role": "chairman"}})


@router.post("/nguoi-ky/moi", response_class=HTMLResponse)
async def add_signer(request: Request, portal: PortalDep, form: FormDep, caller: Caller = for_roles(*WRITERS)
                     ) -> Response:
    values, errors = form_values(form), dict[str, dict[str, str]]()
    body: dict[str, Any] = {key: values.get(key, "").strip() for key in ("signer_id", "full_name", "role", "title")}
    effective_of(values, body, errors)

    async def context() -> dict[str, Any]:
        return form_context()

    return await send(request, portal, caller, form, "POST", "/signers", body, "/thong-tin-xa?da-them-nguoi-ky",
                      "profile/signer_form.html", context, errors)


@router.get("/nguoi-ky/{signer_id}/thoi", response_class=HTMLResponse)
async def end_form(request: Request, signer_id: SignerId, caller: Caller = for_roles(*WRITERS)) -> HTMLResponse:
    return render(request, "profile/end_form.html", {**form_context(), "signer_id": signer_id})


@router.post("/nguoi-ky/{signer_id}/thoi", response_class=HTMLResponse)
async def end_term(request: Request, portal: PortalDep, form: FormDep, signer_id: SignerId,
                   caller: Caller = for_roles(*WRITERS)) -> Response:
    values, errors = form_values(form), dict[str, dict[str, str]]()
    body: dict[str, Any] = {"reason": values.get("reason", "").strip()}
    effective_of(values, body, errors)

    async def context() -> dict[str, Any]:
        return {**form_context(), "signer_id": signer_id}

    return await send(request, portal, caller, form, "POST", f"/signers/{signer_id}/end", body,
                      "/thong-tin-xa?da-thoi", "profile/end_form.html", context, errors)


CAMPAIGN_FIELDS = {"submission_deadline": "submission_closes_at", "evaluation_deadline": "evaluation_deadline",
                   "recognition_deadline": "recognition_deadline", "nomination_deadline": "nomination_deadline"}


async def campaign_defaults(portal: Portal, caller: Caller, year: int) -> dict[str, str]:
    """What the campaign form is prefilled with from the profile: the commune's name and its usual deadlines
    in `year` (dd/mm/yyyy); nothing when the commune has no profile or it cannot be read now."""
    try:
        found = await profile_of(portal, caller)
    except (ApiOutage, ApiRefusal) as exc:
        log.debug("no campaign defaults: %s", exc)
        return {}
    entry = found.get("profile") or {}
    values = {field: f"{day_month(entry['deadlines'][name])}/{year}"
              for name, field in CAMPAIGN_FIELDS.items() if entry.get("deadlines", {}).get(name)}
    return {**values, **({"commune_name": found["commune_name"]} if found.get("commune_name") else {})}


async def letterhead_in_header(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """The signed-in person's commune as its profile names it ("UBND xã Ninh Giang"), for the header of a page
    (`request.state.letterhead`); kept a few seconds per commune."""
    if request.method == "GET" and not request.url.path.startswith(("/static", "/health", "/ready")):
        session = request.scope.get("session")
        account = account_in(session) if session is not None else None
        if session is not None and account is not None and float(session.get("expires_at", 0)) > time.time():
            request.state.letterhead = await _letterhead(request, account.commune_id, str(session["access_token"]))
    return await call_next(request)


async def _letterhead(request: Request, commune_id: str, token: str) -> str:
    cached = LETTERHEADS.get(commune_id)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    name = ""
    try:
        found = await portal_of(request).api.get("directory", token, commune_path(commune_id, "/profile"))
        name = f"UBND {found['commune_name']}" if found.get("commune_name") else ""
    except (ApiOutage, ApiRefusal, KeyError, ValueError) as exc:
        log.debug("no letterhead: %s", exc)
    if name:  # a commune without a profile yet is asked again on the next page
        LETTERHEADS[commune_id] = (time.monotonic() + LETTERHEAD_SECONDS, name)
    return name
