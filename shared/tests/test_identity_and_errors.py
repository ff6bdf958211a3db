"""Tokens, settings safety and the wording of validation errors."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest
from pydantic import SecretStr, ValidationError

from reform_shared.auth.tokens import TokenVerifier, issue_token
from reform_shared.errors import Unauthenticated
from reform_shared.http.errors import describe_validation_error, status_of
from reform_shared.settings import Settings

pytestmark = pytest.mark.domain

SECRET = "a-node-secret-0123456789-0123456789-abcdef"
verifier = TokenVerifier(secret=SECRET, issuer="reform-node", audience="reform")


def a_token(**overrides: object) -> str:
    values: dict[str, object] = {"subject": "u1", "name": "Phạm Thu Hà", "commune_id": "ninh-giang",
                                 "roles": ["secretary"], "issuer": "reform-node", "audience": "reform"}
    values.update(overrides)
    return issue_token(SECRET, **values)  # type: ignore[arg-type]


def test_a_valid_token_becomes_an_actor() -> None:
    actor = verifier.verify(a_token(roles=["secretary", "operator"]))
    assert (actor.user_id, actor.name, actor.commune_id, actor.roles) == (
        "u1", "Phạm Thu Hà", "ninh-giang", ("secretary", "operator"))


@pytest.mark.parametrize(
    ("token", "rule"),
    [
        (lambda: a_token(ttl=dt.timedelta(seconds=-1)), "token_expired"),
        (lambda: a_token(audience="another-system"), "token_invalid"),
        (lambda: a_token(issuer="someone-else"), "token_invalid"),
        (lambda: a_token()[:-4] + "AAAA", "token_signature"),
        (lambda: "not-a-jwt", "token_invalid"),
        (lambda: jwt.encode({"sub": "u", "iss": "reform-node", "aud": "reform",
                             "exp": dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)}, SECRET), "token_claims"),
    ],
)
def test_a_bad_token_is_refused_with_the_reason(token, rule: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Unauthenticated) as caught:
        verifier.verify(token())
    assert caught.value.rule == rule
    assert status_of(caught.value) == 401


def test_unknown_roles_cannot_be_issued() -> None:
    with pytest.raises(ValueError, match="unknown roles"):
        a_token(roles=["admin"])


def test_production_needs_an_issuer_and_never_accepts_the_node_secret() -> None:
    with pytest.raises(ValidationError, match="REFORM_OIDC_ISSUER"):
        Settings(environment="production")
    with pytest.raises(ValidationError, match="REFORM_OIDC_ISSUER"):
        Settings(environment="production", jwt_secret=SecretStr(SECRET))
    assert Settings(environment="production", jwks_url="https://issuer.example/jwks").jwks_url
    production = Settings(environment="production", oidc_issuer="https://id.example", jwt_secret=SecretStr(SECRET))
    assert not production.accepts_hs256 and Settings().accepts_hs256
    strict = TokenVerifier(secret=SECRET, issuer="reform-node", audience="reform", allow_hs256=False,
                           oidc_issuer="https://id.example")
    with pytest.raises(Unauthenticated) as caught:
        strict.verify(a_token())
    assert caught.value.rule == "token_algorithm"


def test_a_validation_error_names_the_field_and_rule_in_vietnamese_and_english() -> None:
    described = describe_validation_error(
        {"type": "string_too_long", "loc": ("body", "authors", 0, "name"), "msg": "String should have at most 300 "
         "characters", "ctx": {"max_length": 300}}
    )
    assert described["field"] == "authors.0.name"
    assert described["rule"] == "string_too_long"
    assert described["message_vi"] == "Trường 'authors.0.name' quá dài (tối đa 300 ký tự)"
    assert "at most 300" in described["message_en"]


def test_malformed_json_says_where_the_parser_stopped_and_names_no_field() -> None:
    described = describe_validation_error(
        {"type": "json_invalid", "loc": ("body", 10), "msg": "JSON decode error", "ctx": {"error": "Expecting value"}})
    assert (described["field"], described["rule"]) == ("body", "json_invalid")
    assert "Trường '10'" not in described["message_vi"] and "field '10'" not in described["message_en"]
    assert described["message_vi"] == "Nội dung gửi lên không phải JSON hợp lệ (lỗi ở ký tự thứ 10)"
    assert described["message_en"] == "the request body is not valid JSON (at character 10): Expecting value"
