"""Who may sign in, with which roles, on which day (the shared directory fold, as identity reads it), the
passwords and the signing keys' file."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pytest

from reform_identity.adapters.keys import KeyStore
from reform_identity.domain.passwords import Passwords, policy_breaches
from reform_identity.domain.roles import grantable
from reform_shared.directory_view import DirectoryView
from reform_shared.events.directory import (
    DirectoryImported,
    HeadEntry,
    OfficialEntry,
    OfficialLeft,
    OfficialMoved,
    OfficialRegistered,
    OfficialRolesChanged,
    UnitHeadAppointed,
    UnitHeadVacated,
)

pytestmark = pytest.mark.domain
D1, D2, D3 = dt.date(2026, 1, 1), dt.date(2026, 3, 1), dt.date(2026, 6, 1)
LAN = OfficialEntry(official_id="lan", full_name="Nguyễn Thị Lan", unit_id="vp", roles=("submitter",))
EVENTS = [
    OfficialRegistered(effective=D1, official=LAN),
    UnitHeadAppointed(effective=D2, unit_id="vp", official_id="lan"),
    OfficialRolesChanged(effective=D2, official_id="lan", roles=("submitter", "secretary")),
    OfficialMoved(effective=D3, official_id="lan", unit_id="tt"),
]


def test_roles_and_headship_follow_the_effective_dates() -> None:
    view = DirectoryView.fold(EVENTS)
    assert view.effective_roles("lan", D1) == ("submitter",)
    assert view.effective_roles("lan", D2) == ("submitter", "secretary", "unit_head")
    assert view.effective_roles("lan", D3) == ("submitter", "secretary")  # a head who moves stops heading
    official = view.official("lan", D3)
    assert official is not None and official.unit_id == "tt"


def test_an_official_who_left_holds_no_role_and_a_vacated_unit_no_head() -> None:
    left = DirectoryView.fold([*EVENTS[:2], OfficialLeft(effective=D3, official_id="lan", reason="nghỉ hưu")])
    official = left.official("lan", D3)
    assert official is not None and not official.active and left.effective_roles("lan", D3) == ()
    vacated = DirectoryView.fold([*EVENTS[:2], UnitHeadVacated(effective=D3, unit_id="vp")])
    assert vacated.effective_roles("lan", D3) == ("submitter",)


def test_an_import_registers_and_appoints() -> None:
    imported = DirectoryImported(effective=D1, import_id="i1", officials=(LAN,),
                                 heads=(HeadEntry(unit_id="vp", official_id="lan"),))
    assert DirectoryView.fold([imported]).effective_roles("lan", D1) == ("submitter", "unit_head")


def test_city_roles_are_granted_to_city_accounts_only() -> None:
    assert grantable("ninh-giang", ["secretary", "city_officer", "nonsense"]) == ("secretary",)
    assert grantable("city", ["city_officer"]) == ("city_officer",)


def test_passwords_are_argon2id_and_the_policy_says_why() -> None:
    passwords = Passwords(1, 1024, 1)
    hashed = passwords.hash("Hoa-sen-2026!")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify(hashed, "Hoa-sen-2026!") and not passwords.verify(hashed, "x")
    assert not passwords.verify(None, "Hoa-sen-2026!") and not passwords.verify("broken", "x")
    assert [rule for rule, _, _ in policy_breaches("lan12", "lan", 10)] == ["password_length",
                                                                            "password_not_user_name"]


def test_the_key_file_is_made_once_kept_0600_and_rotation_keeps_the_previous_key(tmp_path: Path) -> None:
    path = tmp_path / "identity" / "signing-keys.json"
    first = KeyStore(path, 2048)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = KeyStore(path, 2048)
    assert again.current.kid == first.current.kid
    kid = first.current.kid
    rotated = again.rotate()
    kids = [key["kid"] for key in KeyStore(path, 2048).jwks()["keys"]]
    assert kids == [rotated.kid, kid]
    assert all("d" not in key for key in again.jwks()["keys"]), "no private part published"


def test_a_retired_key_stays_published_until_its_tokens_have_expired(tmp_path: Path) -> None:
    now = [dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.UTC)]
    path = tmp_path / "signing-keys.json"
    keys = KeyStore(path, 2048, keep_seconds=660, now=lambda: now[0])
    first = keys.current.kid
    second = keys.rotate().kid
    now[0] += dt.timedelta(seconds=600)
    assert [k["kid"] for k in keys.jwks()["keys"]] == [second, first]
    third = keys.rotate().kid  # two rotations within a token's life: both previous keys kept
    assert [k["kid"] for k in keys.jwks()["keys"]] == [third, second, first]
    now[0] += dt.timedelta(seconds=61)
    assert [k["kid"] for k in keys.jwks()["keys"]] == [third, second]  # the first one's tokens have expired
    assert keys.current.kid == third
    other = KeyStore(path, 2048, keep_seconds=660, now=lambda: now[0])  # another process reads the same file
    assert [k.kid for k in other.keys] == [third, second]
    other.rotate()
    assert keys.current.kid == other.current.kid, "the running service follows the file"
