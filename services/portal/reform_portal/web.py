"""What every page uses: the portal's parts, who is signed in (refreshing the token), roles, CSRF, rendering."""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData

from reform_portal import formatting
from reform_portal.api import ServiceApi
from reform_portal.auth.port import Account, SignIn, SignInError, TokenSet
from reform_portal.session import CSRF_FIELD, Session
from reform_portal.settings import PortalSettings

PACKAGE = Path(__file__).parent
STATIC = PACKAGE / "static"
REFRESH_MARGIN_SECONDS = 60.0

NAV: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # in the order of the year's cycle, each for whom it is
    ("/", "Việc cần làm", ()),
    ("/thong-bao", "Thông báo", ()),
    ("/dot-phat-dong", "Đợt phát động", ("submitter", "unit_head")),
    ("/sang-kien-cua-toi", "Sáng kiến của tôi", ("submitter", "unit_head")),
    ("/khen-thuong/cua-toi", "Khen thưởng của tôi", ("submitter", "unit_head")),
    ("/thu-ky/dot-phat-dong", "Quản lý đợt phát động", ("secretary",)),
    ("/thu-ky/ho-so", "Sổ hồ sơ", ("secretary",)),
    ("/thu-ky/hoi-dong", "Hội đồng đánh giá", ("secretary",)),
    ("/cham-diem", "Chấm điểm", ("council_member", "council_chair")),
    ("/tien-do", "Tiến độ chấm điểm", ("council_chair", "secretary")),
    ("/quyet-dinh", "Quyết định công nhận", ("secretary", "chairman")),
    ("/de-nghi-thanh-pho", "Đề nghị lên thành phố", ("secretary", "chairman")),
    ("/khen-thuong", "Khen thưởng", ("secretary", "chairman")),
    ("/bao-cao", "Báo cáo, thống kê", ("secretary", "city_officer")),
    ("/nhan-rong", "Nhân rộng sáng kiến", ("secretary", "chairman", "submitter", "unit_head")),
    ("/thanh-pho/de-nghi", "Đề nghị của các xã", ("city_officer", "city_council")),
    ("/thanh-pho/xep-hang-par", "Xếp hạng PAR", ("city_officer",)),
    ("/thanh-pho/so-noi-vu", "Khen thưởng cấp thành phố", ("city_officer",)),
    ("/thanh-pho/tong-quan", "Tổng quan các xã", ("city_officer",)),
    ("/thanh-pho/quy-dinh-khen-thuong", "Quy định khen thưởng", ("city_officer",)),
    ("/thanh-pho/nhan-rong", "Nhân rộng trong thành phố", ("city_officer", "city_council")),
    ("/danh-ba", "Danh bạ", ("secretary", "administrator", "operator")),
    ("/thong-tin-xa", "Thông tin xã", ("administrator", "secretary")),
    ("/quan-tri/tai-khoan", "Tài khoản đăng nhập", ("administrator",)),
    ("/lien-thong", "Liên thông xã – thành phố", ("administrator", "secretary", "chairman", "city_officer",
                                                   "city_council")),
    ("/van-hanh", "Vận hành", ("operator",)),
    ("/van-hanh/lien-ket", "Liên kết liên thông", ("operator",)),
    ("/van-hanh/truy-vet", "Truy vết sáng kiến", ("operator",)),
)
AUTHORS = ("submitter", "unit_head")
STAFF = ("submitter", "unit_head", "secretary", "council_member", "council_chair", "chairman", "operator",
         "administrator", "city_officer", "city_council")


class NeedsSignIn(Exception):
    """No session, or one whose tokens can no longer be refreshed."""


@dataclass
class NotAllowed(Exception):
    """The page is not for the signed-in user's roles."""

    roles: tuple[str, ...]


class BadCsrf(Exception):
    """A form without this session's CSRF token (an old tab, or another site posting)."""


@dataclass(frozen=True)
class Caller:
    """The signed-in user and the token the portal calls the services with."""

    account: Account
    token: str


class Refresher:
    """Refreshes once per refresh token. A provider that rotates refresh tokens (the node's identity service)
    takes a second use of one as a theft and revokes the whole session; but two requests of one browser (two
    tabs, a double click) can carry the same cookie at once. So the first refresh is shared with every request
    that comes with the same token within `KEEP_SECONDS` (one portal process; several behind one address would
    need a shared store)."""

    KEEP_SECONDS = 60.0

    def __init__(self, sign_in: SignIn | None) -> None:
        self._sign_in = sign_in
        self._done: dict[str, tuple[float, asyncio.Task[TokenSet]]] = {}

    async def refresh(self, refresh_token: str) -> TokenSet:
        if self._sign_in is None:
            raise SignInError("Phiên đăng nhập đã hết hạn", "no identity provider to refresh the session with")
        now = time.monotonic()
        self._done = {k: v for k, v in self._done.items() if now - v[0] < self.KEEP_SECONDS}
        key = hashlib.sha256(refresh_token.encode()).hexdigest()
        if key not in self._done:
            self._done[key] = (now, asyncio.ensure_future(self._sign_in.refresh(refresh_token)))
        return await asyncio.shield(self._done[key][1])


class Portal:
    """The portal's parts, built once in `bootstrap`."""

    def __init__(self, settings: PortalSettings, api: ServiceApi, sign_in: SignIn | None) -> None:
        self.settings = settings
        self.api = api
        self.sign_in = sign_in
        self.refresher = Refresher(sign_in)
        self.assets = {path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:12] for path in STATIC.iterdir()}
        self.templates = Environment(loader=FileSystemLoader(PACKAGE / "templates"),
                                     autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
        self.templates.filters.update(vn_date=formatting.vn_date, vn_datetime=formatting.vn_datetime,
                                      vn_number=formatting.vn_number, vn_points=formatting.vn_points,
                                      field_label=formatting.field_label,
                                      status_label=formatting.status_label, dom_id=dom_id,
                                      role_label=formatting.role_label, unit_kind_label=formatting.unit_kind_label,
                                      category_label=formatting.category_label,
                                      history_label=formatting.history_label)
        self.templates.globals.update(asset=self.asset_url, CSRF_FIELD=CSRF_FIELD)

    def asset_url(self, name: str) -> str:
        """Pinned: the URL changes with the content, so browsers may keep it for a year."""
        return f"/static/{self.assets[name]}/{name}"


def dom_id(name: str) -> str:
    return "f-" + name.replace(".", "-").replace("_", "-")


def portal_of(request: Request) -> Portal:
    portal: Portal = request.app.state.portal
    return portal


def session_of(request: Request) -> Session:
    session: Session = request.scope["session"]
    return session


async def _portal(request: Request) -> Portal:
    """As a dependency: `async`, so FastAPI does not hand it to its thread pool."""
    return portal_of(request)


async def _session(request: Request) -> Session:
    return session_of(request)


PortalDep = Annotated[Portal, Depends(_portal)]
SessionDep = Annotated[Session, Depends(_session)]


def keep_tokens(session: Session, tokens: TokenSet) -> None:
    a = tokens.account
    session.set("access_token", tokens.access_token)
    session.set("refresh_token", tokens.refresh_token)
    if tokens.id_token or not session.get("id_token"):  # a refresh need not bring a new ID token
        session.set("id_token", tokens.id_token)
    session.set("expires_at", tokens.expires_at)
    session.set("account", {"user_id": a.user_id, "name": a.name, "commune_id": a.commune_id,
                            "roles": list(a.roles), "unit_id": a.unit_id})


def account_in(session: Session) -> Account | None:
    raw = session.get("account")
    if not isinstance(raw, dict) or not session.get("access_token"):
        return None
    return Account(raw["user_id"], raw["name"], raw["commune_id"], tuple(raw["roles"]), raw.get("unit_id"))


async def current_caller(request: Request, portal: PortalDep, session: SessionDep) -> Caller:
    """The signed-in user, the access token refreshed when it is about to expire."""
    account = account_in(session)
    if account is None:
        raise NeedsSignIn
    if float(session.get("expires_at", 0)) - time.time() < REFRESH_MARGIN_SECONDS:
        refresh_token = session.get("refresh_token")
        if not refresh_token or portal.sign_in is None:
            session.clear_all()
            raise NeedsSignIn
        try:
            keep_tokens(session, await portal.refresher.refresh(str(refresh_token)))
        except SignInError as exc:
            session.clear_all()
            raise NeedsSignIn from exc
        account = account_in(session)
        assert account is not None
    return Caller(account, str(session["access_token"]))


CallerDep = Annotated[Caller, Depends(current_caller)]


def for_roles(*roles: str) -> Any:
    """A dependency: the caller, if he or she holds one of `roles`; else the 403 page."""

    async def allowed(caller: CallerDep) -> Caller:
        if roles and not caller.account.has_any(*roles):
            raise NotAllowed(roles)
        return caller

    return Depends(allowed)


async def checked_form(request: Request, session: SessionDep) -> FormData:
    """The posted form, once its CSRF token is this session's."""
    form = await request.form(max_files=20, max_fields=300)
    if not session.csrf_ok(str(form.get(CSRF_FIELD) or "")):
        raise BadCsrf
    return form


FormDep = Annotated[FormData, Depends(checked_form)]


def render(request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200,
           headers: dict[str, str] | None = None) -> HTMLResponse:
    portal, session = portal_of(request), session_of(request)
    account = account_in(session)
    nav = [(href, label) for href, label, roles in NAV
           if account is not None and (not roles or account.has_any(*roles))]
    values = {"request": request, "account": account, "nav": nav, "csrf_token": session.csrf_token(),
              "path": request.url.path, "errors": {}, "values": {}, **(context or {})}
    html = portal.templates.get_template(template).render(values)
    return HTMLResponse(html, status_code=status, headers=headers)


def sign_in_location(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/dang-nhap?next={quote(target, safe='')}"
