"""Accounts of the directory's officials: passwords (Argon2id), lockout, the administrator's resets.

An account is the official of the directory: its name, unit and roles are the directory's, read at every
sign-in and refresh; this service keeps only the credentials (its own collection, never the event stream),
and an official who left is refused whatever the password.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from reform_identity.application.audit import DURABLE, AuditLog
from reform_identity.application.directory import DirectoryReader
from reform_identity.config import IdentityConfig
from reform_identity.domain.passwords import Passwords, one_time_password, policy_breaches
from reform_identity.domain.roles import grantable
from reform_shared.directory_view import OfficialRecord
from reform_shared.errors import Forbidden, InvalidInput, NotFound
from reform_shared.ids import Clock

ACCOUNTS = "accounts"
VN = dt.timezone(dt.timedelta(hours=7))


@dataclass(frozen=True)
class Principal:
    """Who a token is for: the claims the services read."""

    subject: str
    commune_id: str
    name: str
    roles: tuple[str, ...]
    unit_id: str | None = None


@dataclass(frozen=True)
class SignInOutcome:
    ok: bool
    reason: str = ""
    """bad_credentials, locked, left, no_role, ambiguous"""
    principal: Principal | None = None
    must_change: bool = False
    locked_until: dt.datetime | None = None


class Accounts:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], directory: DirectoryReader, audit: AuditLog,
                 config: IdentityConfig, clock: Clock) -> None:
        self._accounts = db.get_collection(ACCOUNTS, write_concern=DURABLE)
        self._directory = directory
        self._audit = audit
        self._config = config
        self._clock = clock
        self.passwords = Passwords(config.argon2_time_cost, config.argon2_memory_kib, config.argon2_parallelism)

    async def create_indexes(self) -> None:
        await self._accounts.create_index([("official_id", ASCENDING)])

    def today(self) -> dt.date:
        return self._clock.now().astimezone(VN).date()

    async def principal(self, commune_id: str, official_id: str) -> Principal | None:
        """The official as the directory has them today, or None when unknown, left or holding no role."""
        today = self.today()
        view = await self._directory.view(commune_id)
        official = view.official(official_id, today)
        if official is None or not official.active:
            return None
        roles = grantable(commune_id, view.effective_roles(official_id, today))
        return Principal(official_id, commune_id, official.full_name, roles, official.unit_id) if roles else None

    async def official(self, commune_id: str, official_id: str) -> OfficialRecord | None:
        """The official as the directory has them today (left ones included), or None."""
        return (await self._directory.view(commune_id)).official(official_id, self.today())

    async def locate(self, user_name: str) -> tuple[str, str] | None:
        """`lan` or `lan@ninh-giang` → (commune, official) when one commune knows that user name."""
        official_id, _, commune = user_name.strip().partition("@")
        if commune:
            return commune, official_id
        communes = await self._directory.communes_knowing(official_id)
        return (communes[0], official_id) if len(communes) == 1 else None

    async def sign_in(self, user_name: str, password: str, *, client_id: str | None, ip: str | None
                      ) -> SignInOutcome:
        now = self._clock.now()
        located = await self.locate(user_name)
        account = await self._accounts.find_one({"_id": f"{located[0]}:{located[1]}"}) if located else None
        audit = {"client_id": client_id, "ip": ip}
        if located is None or account is None:
            self.passwords.verify(None, password)  # the same time whether or not the account exists
            await self._audit.record("sign_in_failed", commune_id=located[0] if located else None,
                                     subject=user_name[:80], reason="unknown_account", **audit)
            return SignInOutcome(False, "bad_credentials")
        commune_id, official_id = located
        who = {"commune_id": commune_id, "subject": official_id, **audit}
        locked_until = _aware(account.get("locked_until"))
        if locked_until is not None and locked_until > now:
            await self._audit.record("sign_in_refused", reason="locked", **who)
            return SignInOutcome(False, "locked", locked_until=locked_until)
        if not self.passwords.verify(account.get("password_hash"), password):
            return await self._failed(account, now, who)
        principal = await self.principal(commune_id, official_id)
        if principal is None:
            official = await self.official(commune_id, official_id)
            reason = "left" if official is None or not official.active else "no_role"
            await self._audit.record("sign_in_refused", reason=reason, **who)
            return SignInOutcome(False, reason)
        update: dict[str, Any] = {"failures": 0, "locked_until": None, "last_sign_in": now}
        if self.passwords.needs_rehash(account["password_hash"]):
            update["password_hash"] = self.passwords.hash(password)
        await self._accounts.update_one({"_id": account["_id"]}, {"$set": update})
        must_change = bool(account.get("must_change"))
        await self._audit.record("sign_in", must_change=must_change, **who)
        return SignInOutcome(True, principal=principal, must_change=must_change)

    async def upstream_sign_in(self, claims: dict[str, Any], *, claim: str, commune_id: str | None, issuer: str,
                               client_id: str | None, ip: str | None) -> SignInOutcome:
        """A person the upstream provider vouched for (its ID token verified): the official of the directory
        its `claim` names (an id, or an e-mail address), with the directory's roles today."""
        value = claims.get(claim)
        audit = {"client_id": client_id, "ip": ip, "via": "upstream", "upstream_issuer": issuer}
        found = await self._match(str(value), claim, commune_id) if isinstance(value, str) and value else []
        if len(found) != 1:
            named = str(value)[:80] if value else None
            reason = "unknown_account" if not found else "ambiguous"
            await self._audit.record("sign_in_refused", commune_id=commune_id, subject=named, reason=reason,
                                     claim=claim, **audit)
            return SignInOutcome(False, "unknown" if not found else "ambiguous")
        commune, official = found[0]
        who = {"commune_id": commune, "subject": official.official_id, **audit}
        principal = await self.principal(commune, official.official_id)
        if principal is None:
            reason = "left" if not official.active else "no_role"
            await self._audit.record("sign_in_refused", reason=reason, **who)
            return SignInOutcome(False, reason)
        await self._audit.record("sign_in", must_change=False, **who)
        return SignInOutcome(True, principal=principal)

    async def _match(self, value: str, claim: str, commune_id: str | None) -> list[tuple[str, OfficialRecord]]:
        today = self.today()
        if claim != "email":
            communes = [commune_id] if commune_id else await self._directory.communes_knowing(value)
            found = [(c, (await self._directory.view(c)).official(value, today)) for c in communes]
            return [(c, o) for c, o in found if o is not None]
        communes = [commune_id] if commune_id else await self._directory.communes()
        matches = []
        for commune in communes:
            view = await self._directory.view(commune)
            matches += [(commune, o) for o in view.officials(today)
                        if o.email and o.email.strip().lower() == value.strip().lower()]
        return matches

    async def _failed(self, account: dict[str, Any], now: dt.datetime, who: dict[str, Any]) -> SignInOutcome:
        counted = await self._accounts.find_one_and_update(
            {"_id": account["_id"]}, {"$inc": {"failures": 1}}, return_document=ReturnDocument.AFTER)
        failures = int((counted or {}).get("failures", 1))
        await self._audit.record("sign_in_failed", reason="bad_password", failures=failures, **who)
        if failures >= self._config.lockout_failures:
            until = now + dt.timedelta(minutes=self._config.lockout_minutes)
            await self._accounts.update_one({"_id": account["_id"]}, {"$set": {"locked_until": until, "failures": 0}})
            await self._audit.record("locked", until=until.isoformat(), after_failures=failures, **who)
            return SignInOutcome(False, "locked", locked_until=until)
        return SignInOutcome(False, "bad_credentials")

    async def set_password(self, commune_id: str, official_id: str, password: str | None, *, temporary: bool,
                           by: str, via: str = "api", require_role: str | None = None) -> str:
        """The administrator's reset: a one-time password (made here unless given) the official must change
        at the next sign-in; the account is unlocked. Returns the password, shown to the administrator once.
        `require_role`: the official must hold it in the directory today (the console's first administrator)."""
        official = await self.official(commune_id, official_id)
        if official is None:
            raise NotFound(f"Không có cán bộ '{official_id}' trong danh bạ của xã/phường",
                           f"no official '{official_id}' in the commune's directory", field="official_id")
        if require_role is not None:
            principal = await self.principal(commune_id, official_id)
            if principal is None or require_role not in principal.roles:
                raise Forbidden(f"Cán bộ '{official_id}' không giữ vai trò {require_role} trong danh bạ (hoặc đã thôi "
                                "công tác)", f"'{official_id}' does not hold {require_role} in the directory (or has "
                                "left)", field="official_id", rule="role_required")
        chosen = password or one_time_password()
        if password is not None:
            self._check_policy(official_id, password)
        await self._accounts.update_one({"_id": f"{commune_id}:{official_id}"}, {"$set": {
            "commune_id": commune_id, "official_id": official_id, "password_hash": self.passwords.hash(chosen),
            "must_change": temporary, "failures": 0, "locked_until": None, "reset_at": self._clock.now()}},
            upsert=True)
        await self._audit.record("password_reset", commune_id=commune_id, subject=official_id, by=by,
                                 must_change=temporary, via=via)
        return chosen

    async def change_own_password(self, user_name: str, current: str, new_password: str, *, ip: str | None
                                  ) -> SignInOutcome:
        """A signed-in official changes their password: the current one is checked as at sign-in (a wrong one
        counts towards the lockout), then the policy. Raises InvalidInput (field new_password) on a breach."""
        located = await self.locate(user_name)
        account = await self._accounts.find_one({"_id": f"{located[0]}:{located[1]}"}) if located else None
        if located is None or account is None:
            self.passwords.verify(None, current)
            await self._audit.record("password_change_failed", commune_id=located[0] if located else None,
                                     subject=user_name[:80], reason="unknown_account", ip=ip)
            return SignInOutcome(False, "bad_credentials")
        commune_id, official_id = located
        who = {"commune_id": commune_id, "subject": official_id, "ip": ip}
        now = self._clock.now()
        locked_until = _aware(account.get("locked_until"))
        if locked_until is not None and locked_until > now:
            await self._audit.record("password_change_failed", reason="locked", **who)
            return SignInOutcome(False, "locked", locked_until=locked_until)
        if not self.passwords.verify(account.get("password_hash"), current):
            outcome = await self._failed(account, now, {**who, "client_id": None})
            await self._audit.record("password_change_failed", reason="bad_password", **who)
            return outcome
        principal = await self.principal(commune_id, official_id)
        if principal is None:
            await self._audit.record("password_change_failed", reason="left_or_no_role", **who)
            return SignInOutcome(False, "left")
        await self._accounts.update_one({"_id": account["_id"]}, {"$set": {"failures": 0}})
        await self.change_password(commune_id, official_id, new_password, via="self")
        return SignInOutcome(True, principal=principal)

    async def change_password(self, commune_id: str, official_id: str, new_password: str, via: str = "must_change"
                              ) -> None:
        self._check_policy(official_id, new_password)
        account = await self._accounts.find_one({"_id": f"{commune_id}:{official_id}"})
        if account and self.passwords.verify(account.get("password_hash"), new_password):
            raise InvalidInput("Mật khẩu mới phải khác mật khẩu hiện tại",
                               "the new password must differ from the current one", field="new_password",
                               rule="password_new")
        await self._accounts.update_one({"_id": f"{commune_id}:{official_id}"}, {"$set": {
            "password_hash": self.passwords.hash(new_password), "must_change": False,
            "changed_at": self._clock.now()}})
        await self._audit.record("password_changed", commune_id=commune_id, subject=official_id, by=official_id,
                                 via=via)

    def _check_policy(self, official_id: str, password: str) -> None:
        breaches = policy_breaches(password, official_id, self._config.min_password_length)
        if breaches:
            rule, vi, en = breaches[0]
            raise InvalidInput(vi, en, field="password", rule=rule)

    async def unlock(self, commune_id: str, official_id: str, by: str) -> None:
        found = await self._accounts.update_one({"_id": f"{commune_id}:{official_id}"},
                                                {"$set": {"failures": 0, "locked_until": None}})
        if found.matched_count == 0:
            raise NotFound(f"Cán bộ '{official_id}' chưa có tài khoản", f"'{official_id}' has no account yet",
                           field="official_id")
        await self._audit.record("unlocked", commune_id=commune_id, subject=official_id, by=by)

    async def listing(self, commune_id: str) -> list[dict[str, Any]]:
        today = self.today()
        view = await self._directory.view(commune_id)
        accounts = {doc["official_id"]: doc async for doc in self._accounts.find({"commune_id": commune_id})}
        now = self._clock.now()
        rows = []
        for official in view.officials(today):
            account = accounts.get(official.official_id, {})
            locked_until = _aware(account.get("locked_until"))
            roles = grantable(commune_id, view.effective_roles(official.official_id, today))
            rows.append({
                "official_id": official.official_id, "full_name": official.full_name, "unit_id": official.unit_id,
                "active": official.active, "roles": list(roles),
                "has_password": bool(account.get("password_hash")), "must_change": bool(account.get("must_change")),
                "locked_until": locked_until.isoformat() if locked_until and locked_until > now else None})
        return rows


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
