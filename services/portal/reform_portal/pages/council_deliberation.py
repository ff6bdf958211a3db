"""The council's private deliberation on one initiative: the notes and replies (a member sees them only once he
or she has scored), mentions of other members; the chair's "not for the minutes" mark, the disagreement beside
the discussion and reopening scoring with a reason; the secretary's questions to the author and their answers."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from reform_portal.api import ApiRefusal
from reform_portal.formatting import duration_label
from reform_portal.forms import form_values
from reform_portal.pages.evaluation_base import EvaluationReads, Ident, message, notice_in, placed
from reform_portal.reads import settled
from reform_portal.web import Caller, FormDep, PortalDep, for_roles, render

router = APIRouter(prefix="/thao-luan")
TAKING_PART = ("council_member", "council_chair", "secretary")
NOTICES = {"da-ghi": "Đã ghi ý kiến thảo luận.", "da-danh-dau": "Đã đánh dấu: ý kiến không đưa vào biên bản.",
           "da-hoi": "Đã gửi câu hỏi cho tác giả.", "da-mo-lai": "Đã mở lại chấm điểm sáng kiến này; "
           "các thành viên chấm lại."}


async def scene(ev: EvaluationReads, initiative_id: str) -> dict[str, Any]:
    initiative = await ev.reads.initiative(initiative_id)
    thread = await ev.reads.evaluation(f"/initiatives/{initiative_id}/deliberation")
    row = None
    if ev.caller.account.has_any("council_chair", "secretary"):
        progress = await ev.progress(initiative["campaign_id"]) or {}
        row = next((r for r in progress.get("initiatives", []) if r["initiative_id"] == initiative_id), None)
    me = ev.caller.account.user_id
    questions = [{**q, "taken": duration_label(q["seconds_taken"]) if q.get("answer") else None}
                 for q in thread["questions"]]
    return {"initiative": initiative, "thread": thread, "row": row, "questions": questions,
            "others": [m for m in thread["members"] if m["user_id"] != me],
            "names": {m["user_id"]: m["name"] for m in thread["members"]},
            "is_chair": ev.caller.account.has_any("council_chair"),
            "is_secretary": ev.caller.account.has_any("secretary"), "idempotency_key": uuid.uuid4().hex}


async def page(request: Request, ev: EvaluationReads, initiative_id: str, status: int = 200,
               **extra: Any) -> HTMLResponse:
    context = {**await scene(ev, initiative_id), "notice": notice_in(request, NOTICES), "values": {}, "errors": {}}
    return render(request, "deliberation.html", {**context, **extra}, status=status)


@router.get("/{initiative_id}", response_class=HTMLResponse)
async def deliberation(request: Request, portal: PortalDep, initiative_id: Ident,
                       caller: Caller = for_roles(*TAKING_PART)) -> HTMLResponse:
    return await page(request, EvaluationReads(portal, caller), initiative_id)


async def act(request: Request, ev: EvaluationReads, initiative_id: str, rest: str, body: dict[str, Any],
              key: str | None, done: str, field: Callable[[str], str], values: dict[str, str],
              shows: Callable[[], Any] | None = None) -> Response:
    """One command of the deliberation; its refusal beside the input it names, the typed text kept."""
    try:
        await ev.command("POST", f"/initiatives/{initiative_id}{rest}", body, key)
    except ApiRefusal as refusal:
        errors = placed(refusal, field) or {"_form": message(refusal)}
        return await page(request, ev, initiative_id, status=refusal.status, refusal=refusal, values=values,
                          errors=errors)
    if shows is not None:
        await settled(shows)
    return RedirectResponse(f"/thao-luan/{initiative_id}?{done}", status_code=303)


@router.post("/{initiative_id}/y-kien", response_class=HTMLResponse)
async def add_note(request: Request, portal: PortalDep, form: FormDep, initiative_id: Ident,
                   caller: Caller = for_roles(*TAKING_PART)) -> Response:
    values = form_values(form)
    body = {"text": values.get("text", ""), "reply_to": values.get("reply_to") or None,
            "mentions": [str(v) for v in form.getlist("mentions")]}
    return await act(request, EvaluationReads(portal, caller), initiative_id, "/notes", body,
                     values.get("idempotency_key"), "da-ghi",
                     lambda f: "mentions" if f.startswith("mentions") else ("reply_to" if f == "reply_to" else "text"),
                     values)


@router.post("/{initiative_id}/y-kien/{note_id}/khong-dua-bien-ban", response_class=HTMLResponse)
async def keep_from_minutes(request: Request, portal: PortalDep, form: FormDep, initiative_id: Ident, note_id: Ident,
                            caller: Caller = for_roles("council_chair")) -> Response:
    values = form_values(form)
    return await act(request, EvaluationReads(portal, caller), initiative_id, f"/notes/{note_id}/not-for-minutes",
                     {"reason": values.get("reason", "")}, values.get("idempotency_key"), "da-danh-dau",
                     lambda f: "_form", values)


@router.post("/{initiative_id}/hoi-tac-gia", response_class=HTMLResponse)
async def ask(request: Request, portal: PortalDep, form: FormDep, initiative_id: Ident,
              caller: Caller = for_roles("secretary")) -> Response:
    values = form_values(form)
    return await act(request, EvaluationReads(portal, caller), initiative_id, "/questions",
                     {"text": values.get("question", "")}, values.get("idempotency_key"), "da-hoi",
                     lambda f: "question", values)


@router.post("/{initiative_id}/mo-lai", response_class=HTMLResponse)
async def reopen(request: Request, portal: PortalDep, form: FormDep, initiative_id: Ident,
                 caller: Caller = for_roles("council_chair")) -> Response:
    ev, values = EvaluationReads(portal, caller), form_values(form)
    campaign_id = (await ev.reads.initiative(initiative_id))["campaign_id"]

    async def shows() -> bool:
        progress = await ev.progress(campaign_id) or {}
        return any(r["initiative_id"] == initiative_id and r["scored"] == 0 for r in progress.get("initiatives", []))

    return await act(request, ev, initiative_id, "/reopen-scoring", {"reason": values.get("reopen_reason", "")},
                     values.get("idempotency_key"), "da-mo-lai", lambda f: "reopen_reason", values, shows)
