"""One dossier: its state, the reason it was returned, its content and files; the secretary returns it here."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reform_portal.api import ApiRefusal, commune_path
from reform_portal.formatting import duration_label
from reform_portal.forms import form_values
from reform_portal.reads import Reads
from reform_portal.web import STAFF, Caller, FormDep, Portal, PortalDep, for_roles, render

router = APIRouter()
Ident = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
NOTICES = {"da-nop": "Đã nộp hồ sơ sáng kiến.", "da-sua": "Đã lưu phiên bản mới của hồ sơ.",
           "da-tra-lai": "Đã trả lại hồ sơ cho tác giả kèm lý do.", "da-rut": "Đã rút hồ sơ sáng kiến.",
           "da-tra-loi": "Đã gửi câu trả lời cho hội đồng."}


def may_act(caller: Caller, initiative: dict[str, Any]) -> bool:
    """Whether to offer revise and withdraw (the service decides again when they are used)."""
    a = caller.account
    authors = {x.get("user_id") for x in initiative["content"].get("authors", [])}
    own = a.user_id in authors or a.user_id == initiative.get("submitted_by")
    heads = a.has_any("unit_head") and a.unit_id == initiative["content"]["unit"]["unit_id"]
    return initiative["status"] != "withdrawn" and (own or heads)


def with_taken(item: dict[str, Any]) -> dict[str, Any]:
    """The time an answer took, in words."""
    taken = item.get("seconds_taken")
    return {**item, "taken": duration_label(taken)} if taken is not None else item


async def dossier_page(request: Request, portal: Portal, caller: Caller, initiative: dict[str, Any],
                       status: int = 200, **extra: Any) -> HTMLResponse:
    notice = next((text for key, text in NOTICES.items() if key in request.query_params), None)
    rest = f"/initiatives/{initiative['initiative_id']}"
    reads = Reads(portal.api, caller)
    history = await reads.optional("submission", f"{rest}/history")
    asked = await reads.optional("evaluation", f"{rest}/questions")  # the council's, to the authors
    authors = {x.get("user_id") for x in initiative["content"].get("authors", [])}
    return render(request, "dossier.html", {
        "initiative": initiative, "content": initiative["content"], "notice": notice,
        "history": [with_taken(e) for e in reversed((history or {}).get("events", []))],
        "questions": [with_taken(q) for q in (asked or {}).get("questions", [])],
        "may_answer": caller.account.user_id in authors,
        "may_act": may_act(caller, initiative), "may_return": caller.account.has_any("secretary")
        and initiative["status"] == "submitted", "idempotency_key": uuid.uuid4().hex, **extra}, status=status)


@router.get("/ho-so/{initiative_id}", response_class=HTMLResponse)
async def dossier(request: Request, portal: PortalDep, initiative_id: Ident,
                  caller: Caller = for_roles(*STAFF)) -> HTMLResponse:
    return await dossier_page(request, portal, caller, await Reads(portal.api, caller).initiative(initiative_id))


@router.post("/ho-so/{initiative_id}/tra-lai", response_class=HTMLResponse)
async def return_dossier(request: Request, portal: PortalDep, form: FormDep, initiative_id: Ident,
                         caller: Caller = for_roles("secretary")) -> Response:
    values = form_values(form)
    path = commune_path(caller.account.commune_id, f"/initiatives/{initiative_id}/return")
    try:
        await portal.api.command("submission", caller.token, "POST", path, {"reason": values.get("reason", "")},
                                 idempotency_key=values.get("idempotency_key") or None)
    except ApiRefusal as refusal:
        initiative = await Reads(portal.api, caller).initiative(initiative_id)
        errors = {refusal.field or "reason": {"vi": refusal.message_vi, "en": refusal.message_en}}
        return await dossier_page(request, portal, caller, initiative, status=refusal.status, values=values,
                                  errors=errors, refusal=refusal)
    return RedirectResponse(f"/ho-so/{initiative_id}?da-tra-lai", status_code=303)


@router.post("/ho-so/{initiative_id}/tra-loi/{question_id}", response_class=HTMLResponse)
async def answer(request: Request, portal: PortalDep, form: FormDep, initiative_id: Ident, question_id: Ident,
                 caller: Caller = for_roles(*STAFF)) -> Response:
    """The author answers the council's question in the dossier."""
    values = form_values(form)
    name = f"answer-{question_id}"
    path = commune_path(caller.account.commune_id, f"/initiatives/{initiative_id}/questions/{question_id}/answer")
    try:
        await portal.api.command("evaluation", caller.token, "POST", path, {"text": values.get(name, "")},
                                 idempotency_key=values.get("idempotency_key") or None)
    except ApiRefusal as refusal:
        initiative = await Reads(portal.api, caller).initiative(initiative_id)
        errors = {name: {"vi": refusal.message_vi, "en": refusal.message_en}}
        return await dossier_page(request, portal, caller, initiative, status=refusal.status, values=values,
                                  answer_errors=errors, answer_refusal=refusal)
    return RedirectResponse(f"/ho-so/{initiative_id}?da-tra-loi", status_code=303)


@router.get("/ho-so/{initiative_id}/tep/{attachment_id}")
async def attachment(portal: PortalDep, initiative_id: Ident, attachment_id: Ident,
                     caller: Caller = for_roles(*STAFF)) -> Response:
    path = commune_path(caller.account.commune_id, f"/attachments/{attachment_id}")
    answer = await portal.api.download("submission", caller.token, path)
    return Response(answer.content, media_type=answer.headers.get("content-type"), headers={
        "Content-Disposition": answer.headers.get("content-disposition", "attachment")})


@router.get("/ho-so/{initiative_id}/ban-in.docx")
async def printable(portal: PortalDep, initiative_id: Ident, caller: Caller = for_roles(*STAFF),
                    phien_ban: Annotated[int | None, Query(ge=1, le=1000)] = None) -> Response:
    """The printable dossier, as it is or as a version of its history was."""
    path = commune_path(caller.account.commune_id, f"/initiatives/{initiative_id}/dossier.docx")
    answer = await portal.api.download("submission", caller.token, path, {"revision": phien_ban} if phien_ban else None)
    filename = quote(f"ho-so-sang-kien-{initiative_id}{f'-phien-ban-{phien_ban}' if phien_ban else ''}.docx")
    return Response(answer.content, media_type=answer.headers.get("content-type"),
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{filename}"})
