"""The commune's profile as every service folds it: the names in force on a day, and who held office."""

from __future__ import annotations

import datetime as dt

import pytest

from reform_shared.commune_profile import ProfileView, require_signer
from reform_shared.errors import Conflict
from reform_shared.events.profile import (
    CommuneProfileSet,
    ProfileEntry,
    SignerAppointed,
    SignerEntry,
    SignerLeftOffice,
)

pytestmark = pytest.mark.domain

JAN, JUNE, JULY = dt.date(2026, 1, 1), dt.date(2026, 6, 15), dt.date(2026, 7, 1)
VIEW = ProfileView.fold([
    CommuneProfileSet(effective=JULY, profile=ProfileEntry(name="Ninh Giang", level="phuong")),
    CommuneProfileSet(effective=JAN, profile=ProfileEntry(name="Ninh Giang")),  # back-dated, recorded later
    SignerAppointed(effective=JAN, signer=SignerEntry(signer_id="hue", full_name="Nguyễn Thị Huê")),
    SignerAppointed(effective=JAN, signer=SignerEntry(signer_id="binh", full_name="Trần Văn Bình",
                                                      role="vice_chairman")),
    SignerAppointed(effective=JUNE, signer=SignerEntry(signer_id="duc", full_name="Phạm Văn Đức")),
    SignerLeftOffice(effective=JULY, signer_id="binh", reason="nghỉ hưu"),
])


def test_the_profile_in_force_is_the_last_set_on_or_before_the_day() -> None:
    assert VIEW.title_on(dt.date(2026, 6, 30), "?") == "xã Ninh Giang"
    assert VIEW.title_on(JULY, "?") == "phường Ninh Giang"
    assert VIEW.title_on(dt.date(2025, 12, 1), "?") == "xã Ninh Giang"  # before any: the first one
    assert ProfileView().title_on(JULY, "xã Cũ") == "xã Cũ"  # none recorded: the caller's name


def test_a_new_chairman_ends_the_previous_term_the_day_before() -> None:
    hue = next(t for t in VIEW.terms if t.signer.signer_id == "hue")
    assert (hue.since, hue.until) == (JAN, dt.date(2026, 6, 14))
    assert [t.signer.full_name for t in VIEW.signers_on(dt.date(2026, 6, 14))] == ["Nguyễn Thị Huê", "Trần Văn Bình"]
    assert [t.signer.full_name for t in VIEW.signers_on(JULY)] == ["Phạm Văn Đức"]  # the vice chairman left
    chairman = VIEW.chairman_on(JUNE)
    assert chairman is not None and chairman.title == "Chủ tịch"


def test_a_signer_not_in_office_that_day_is_refused_by_name_ignoring_case_and_diacritics() -> None:
    term = require_signer(VIEW, "tran van binh", dt.date(2026, 6, 30))
    assert term is not None and term.title == "Phó Chủ tịch"
    with pytest.raises(Conflict) as refused:
        require_signer(VIEW, "Nguyễn Thị Huê", JULY)
    assert (refused.value.field, refused.value.rule) == ("signer", "signer_in_office")
    assert "Phạm Văn Đức" in refused.value.message_vi
    assert require_signer(ProfileView(), "Ai cũng được", JULY) is None  # a commune recording no signers
