"""Codes, tokens and service accounts: what the token endpoint hands out and takes back.

Access tokens carry exactly the claims the services read (sub, name, commune, roles, unit, iss, aud, exp,
iat, jti), signed RS256 with the current key; they live minutes. Codes (60 s) and refresh tokens are
random, stored hashed (SHA-256), used once: a refresh token used twice means it leaked, and its whole
family is revoked (OAuth 2.0 Security BCP, refresh token rotation). A code used twice revokes the
refresh tokens it gave.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

import jwt
from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from reform_identity.adapters.keys import KeyStore
from reform_identity.application.accounts import Accounts, Principal
from reform_identity.application.audit import DURABLE, AuditLog
from reform_identity.config import IdentityConfig
from reform_identity.domain.roles import grantable
from reform_shared.auth.tokens import CITY_ROLES
from reform_shared.errors import Forbidden, InvalidInput, NotFound
from reform_shared.ids import Clock, new_id

CODES, REFRESH, SERVICE_ACCOUNTS = "codes", "refresh_tokens", "service_accounts"


class GrantError(Exception):
    """An OAuth error of the token endpoint (RFC 6749 §5.2)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).decode().rstrip("=")


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    expires_in: int
    refresh_token: str | None = None
    id_token: str | None = None
    scope: str = "openid"

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"access_token": self.access_token, "token_type": "Bearer",
                                "expires_in": self.expires_in, "scope": self.scope}
        if self.refresh_token:
            body["refresh_token"] = self.refresh_token
        if self.id_token:
            body["id_token"] = self.id_token
        return body


class Grants:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], keys: KeyStore, accounts: Accounts, audit: AuditLog,
                 config: IdentityConfig, clock: Clock, issuer: str, audience: str) -> None:
        self._codes = db.get_collection(CODES, write_concern=DURABLE)
        self._refresh = db.get_collection(REFRESH, write_concern=DURABLE)
        self._services = db.get_collection(SERVICE_ACCOUNTS, write_concern=DURABLE)
        self._keys, self._accounts, self._audit = keys, accounts, audit
        self._config, self._clock = config, clock
        self.issuer, self.audience = issuer, audience

    async def create_indexes(self) -> None:
        await self._refresh.create_index([("family", ASCENDING)])
        await self._services.create_index([("commune_id", ASCENDING)])

    def now(self) -> dt.datetime:
        return self._clock.now()

    def read_id_token(self, token: str) -> dict[str, Any]:
        """An ID token this provider signed (for logout's id_token_hint: it may have expired). ValueError if not."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = next(k for k in self._keys.keys if k.kid == kid)
            claims: dict[str, Any] = jwt.decode(token, key.private.public_key(), algorithms=["RS256"],
                                                issuer=self.issuer, options={"verify_exp": False, "verify_aud": False})
        except (jwt.PyJWTError, StopIteration) as exc:
            raise ValueError("not an ID token of this provider") from exc
        return claims

    # -- signing ---------------------------------------------------------------------------------------------

    def sign(self, claims: dict[str, Any]) -> str:
        key = self._keys.current
        return jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": key.kid, "typ": "JWT"})

    def access_token(self, principal: Principal, now: dt.datetime) -> tuple[str, str]:
        jti = new_id()
        claims: dict[str, Any] = {
            "sub": principal.subject, "name": principal.name, "commune": principal.commune_id,
            "roles": list(principal.roles), "iss": self.issuer, "aud": self.audience, "iat": now,
            "exp": now + dt.timedelta(seconds=self._config.access_token_seconds), "jti": jti}
        if principal.unit_id:
            claims["unit"] = principal.unit_id
        return self.sign(claims), jti

    def id_token(self, principal: Principal, client_id: str, nonce: str | None, auth_time: dt.datetime,
                 now: dt.datetime) -> str:
        claims: dict[str, Any] = {
            "iss": self.issuer, "sub": principal.subject, "aud": client_id, "iat": now,
            "exp": now + dt.timedelta(seconds=self._config.id_token_seconds),
            "auth_time": int(auth_time.timestamp()), "name": principal.name, "commune": principal.commune_id,
            "preferred_username": principal.subject}
        if nonce:
            claims["nonce"] = nonce
        return self.sign(claims)

    # -- authorization code ----------------------------------------------------------------------------------

    async def issue_code(self, principal: Principal, *, client_id: str, redirect_uri: str, code_challenge: str,
                         nonce: str | None, scope: str, auth_time: dt.datetime) -> str:
        code = secrets.token_urlsafe(32)
        now = self._clock.now()
        await self._codes.insert_one({
            "_id": digest(code), "client_id": client_id, "redirect_uri": redirect_uri,
            "code_challenge": code_challenge, "nonce": nonce, "scope": scope, "subject": principal.subject,
            "commune_id": principal.commune_id, "auth_time": auth_time, "used": False, "family": new_id(),
            "expires_at": now + dt.timedelta(seconds=self._config.code_seconds)})
        return code

    async def redeem_code(self, code: str, *, client_id: str, redirect_uri: str, verifier: str, ip: str | None
                          ) -> TokenSet:
        now = self._clock.now()
        doc = await self._codes.find_one_and_update({"_id": digest(code), "used": False}, {"$set": {"used": True}})
        if doc is None:
            used = await self._codes.find_one({"_id": digest(code)})
            if used is not None:  # replayed: what it gave is revoked too
                await self._refresh.update_many({"family": used["family"]}, {"$set": {"revoked": True}})
                await self._audit.record("token_refused", commune_id=used["commune_id"], subject=used["subject"],
                                         client_id=client_id, ip=ip, reason="code_reused")
            raise GrantError("invalid_grant", "the authorization code is unknown, expired or already used")
        who = {"commune_id": doc["commune_id"], "subject": doc["subject"], "client_id": client_id, "ip": ip}
        if _aware(doc["expires_at"]) < now:
            await self._audit.record("token_refused", reason="code_expired", **who)
            raise GrantError("invalid_grant", "the authorization code has expired")
        if doc["client_id"] != client_id or doc["redirect_uri"] != redirect_uri:
            await self._audit.record("token_refused", reason="code_client_mismatch", **who)
            raise GrantError("invalid_grant", "the code was issued to another client or redirect_uri")
        if not verifier or not hmac.compare_digest(s256(verifier), doc["code_challenge"]):
            await self._audit.record("token_refused", reason="pkce_mismatch", **who)
            raise GrantError("invalid_grant", "code_verifier does not match the code_challenge (PKCE S256)")
        principal = await self._accounts.principal(doc["commune_id"], doc["subject"])
        if principal is None:
            await self._audit.record("token_refused", reason="account_revoked", **who)
            raise GrantError("invalid_grant", "the account may no longer sign in")
        return await self._tokens(principal, client_id=client_id, family=doc["family"], nonce=doc["nonce"],
                                  scope=doc["scope"], auth_time=_aware(doc["auth_time"]), ip=ip, grant="code")

    async def _tokens(self, principal: Principal, *, client_id: str, family: str, nonce: str | None, scope: str,
                      auth_time: dt.datetime, ip: str | None, grant: str) -> TokenSet:
        now = self._clock.now()
        access, jti = self.access_token(principal, now)
        refresh = None
        if "offline_access" in scope.split() or grant in ("code", "refresh_token"):
            refresh = secrets.token_urlsafe(32)
            await self._refresh.insert_one({
                "_id": digest(refresh), "family": family, "client_id": client_id, "subject": principal.subject,
                "commune_id": principal.commune_id, "scope": scope, "auth_time": auth_time, "used": False,
                "revoked": False, "expires_at": now + dt.timedelta(seconds=self._config.refresh_token_seconds)})
        id_token = self.id_token(principal, client_id, nonce, auth_time, now) if "openid" in scope.split() else None
        await self._audit.record("token_issued", commune_id=principal.commune_id, subject=principal.subject,
                                 client_id=client_id, ip=ip, grant=grant, jti=jti, roles=list(principal.roles))
        return TokenSet(access, self._config.access_token_seconds, refresh, id_token, scope)

    # -- refresh ---------------------------------------------------------------------------------------------

    async def refresh(self, token: str, *, client_id: str, ip: str | None) -> TokenSet:
        now = self._clock.now()
        doc = await self._refresh.find_one_and_update(
            {"_id": digest(token), "used": False}, {"$set": {"used": True, "used_at": now}},
            return_document=ReturnDocument.BEFORE)
        if doc is None:
            reused = await self._refresh.find_one({"_id": digest(token)})
            if reused is not None:
                await self._refresh.update_many({"family": reused["family"]}, {"$set": {"revoked": True}})
                await self._audit.record("refresh_reused", commune_id=reused["commune_id"], subject=reused["subject"],
                                         client_id=client_id, ip=ip, family=reused["family"])
            raise GrantError("invalid_grant", "the refresh token is unknown or was already used")
        who = {"commune_id": doc["commune_id"], "subject": doc["subject"], "client_id": client_id, "ip": ip}
        if doc["revoked"] or _aware(doc["expires_at"]) < now or doc["client_id"] != client_id:
            await self._audit.record("token_refused", reason="refresh_invalid", **who)
            raise GrantError("invalid_grant", "the refresh token is revoked, expired or not this client's")
        principal = await self._accounts.principal(doc["commune_id"], doc["subject"])
        if principal is None:
            await self._refresh.update_many({"family": doc["family"]}, {"$set": {"revoked": True}})
            await self._audit.record("token_refused", reason="account_revoked", **who)
            raise GrantError("invalid_grant", "the account may no longer sign in")
        return await self._tokens(principal, client_id=client_id, family=doc["family"], nonce=None,
                                  scope=doc["scope"], auth_time=_aware(doc["auth_time"]), ip=ip,
                                  grant="refresh_token")

    async def revoke_subject(self, commune_id: str, subject: str, client_id: str | None = None) -> int:
        query: dict[str, Any] = {"commune_id": commune_id, "subject": subject, "revoked": False}
        if client_id:
            query["client_id"] = client_id
        result = await self._refresh.update_many(query, {"$set": {"revoked": True}})
        return result.modified_count

    # -- service accounts ------------------------------------------------------------------------------------

    async def create_service_account(self, commune_id: str, name: str, roles: list[str], by: str
                                     ) -> dict[str, Any]:
        city_roles = sorted(CITY_ROLES.intersection(roles))
        if city_roles and commune_id != "city":
            raise Forbidden(f"Vai trò {', '.join(city_roles)} chỉ dành cho tài khoản cấp thành phố",
                            f"the roles {', '.join(city_roles)} belong to city accounts only", field="roles",
                            rule="city_account_only")
        granted = grantable(commune_id, roles)
        if not granted or len(granted) != len(set(roles)):
            raise InvalidInput("Vai trò không hợp lệ hoặc trống", "the roles are empty or unknown", field="roles",
                               rule="known_roles")
        client_id = f"svc-{commune_id}-{secrets.token_hex(4)}"
        secret = secrets.token_urlsafe(32)
        doc = {"_id": client_id, "client_id": client_id, "commune_id": commune_id, "name": name,
               "roles": list(granted), "secret_hash": self._accounts.passwords.hash(secret), "active": True,
               "created_at": self._clock.now(), "created_by": by}
        await self._services.insert_one(doc)
        await self._audit.record("service_account_created", commune_id=commune_id, subject=client_id, by=by,
                                 roles=list(granted))
        return {**public_service_account(doc), "client_secret": secret}

    async def service_accounts(self, commune_id: str) -> list[dict[str, Any]]:
        return [public_service_account(doc) async for doc in self._services.find({"commune_id": commune_id})]

    async def disable_service_account(self, commune_id: str, client_id: str, by: str) -> None:
        result = await self._services.update_one({"_id": client_id, "commune_id": commune_id},
                                                 {"$set": {"active": False}})
        if result.matched_count == 0:
            raise NotFound(f"Không có tài khoản dịch vụ '{client_id}'", f"no service account '{client_id}'",
                           field="client_id")
        await self._audit.record("service_account_disabled", commune_id=commune_id, subject=client_id, by=by)

    async def client_credentials(self, client_id: str, secret: str, ip: str | None) -> TokenSet:
        doc = await self._services.find_one({"_id": client_id})
        if doc is None or not doc["active"] or not self._accounts.passwords.verify(doc["secret_hash"], secret):
            if doc is None:
                self._accounts.passwords.verify(None, secret)
            await self._audit.record("token_refused", commune_id=doc["commune_id"] if doc else None,
                                     subject=client_id, client_id=client_id, ip=ip, reason="client_auth")
            raise GrantError("invalid_client", "unknown client, disabled, or wrong secret", 401)
        principal = Principal(client_id, doc["commune_id"], doc["name"], tuple(doc["roles"]))
        now = self._clock.now()
        return await self._tokens(principal, client_id=client_id, family=new_id(), nonce=None, scope="",
                                  auth_time=now, ip=ip, grant="client_credentials")


def public_service_account(doc: dict[str, Any]) -> dict[str, Any]:
    return {"client_id": doc["client_id"], "commune_id": doc["commune_id"], "name": doc["name"],
            "roles": doc["roles"], "active": doc["active"], "created_at": _aware(doc["created_at"]).isoformat(),
            "created_by": doc["created_by"]}


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
