"""The awards commands: strict, and fingerprinted as the requests were before commands existed."""

from __future__ import annotations

import datetime as dt

import pytest

from reform_awards.application.board import AwardBoard
from reform_awards.domain import award as awards
from reform_awards.domain.commands import GrantAward, ProposeAward, RecordParRanking
from reform_awards.entrypoints.http import propose_award
from reform_awards.entrypoints.schemas import ProposalIn
from reform_shared.errors import RuleViolation
from reform_shared.events import AwardGranted, AwardProposed, Basis, ParRankingRecorded, Recipient

pytestmark = pytest.mark.domain

LAN = Recipient(kind="individual", recipient_id="lan", name="Nguyễn Thị Lan", unit_id="tt-phvhcc")


def test_a_proposal_is_fingerprinted_as_its_request_body_was() -> None:
    body = ProposalIn.model_validate({
        "form": "giay-khen-xa", "recipient": {"kind": "individual", "recipient_id": "lan", "name": " Lan "},
        "year": 2026, "basis": {"initiative_ids": ["i-1"], "achievements": [
            {"kind": "advisory", "description": "Tham mưu số hóa"}]}, "par_category": "ward"})
    command = propose_award("ninh-giang", body)
    assert command.request() == body.model_dump(mode="json")
    assert command.award_id.startswith("gkx2026-")


def test_a_ranking_is_fingerprinted_as_its_event_was() -> None:
    command = RecordParRanking(year=2026, category="commune", ranks={"ninh-giang": 3})
    assert command.request() == ParRankingRecorded(year=2026, category="commune",
                                                   ranks={"ninh-giang": 3}).model_dump(mode="json")


def test_a_command_refuses_an_unknown_field_and_the_proposal_an_unknown_form() -> None:
    with pytest.raises(ValueError, match="extra"):
        GrantAward(commune_id="c", award_id="a", decision_number="1", decision_date=dt.date(2026, 11, 1),
                   signer="s", signed=True)  # type: ignore[call-arg]
    unknown = ProposeAward(commune_id="c", award_id="a", form="huan-chuong", recipient=LAN)
    with pytest.raises(RuleViolation) as refused:
        awards.proposal(unknown)
    assert refused.value.rule == "known_form"


def test_the_proposed_event_takes_its_level_from_the_form() -> None:
    command = ProposeAward(commune_id="c", award_id="bktp2026-x", form="bang-khen-tp", recipient=LAN, year=2026,
                           basis=Basis(initiative_ids=("i-1",)))
    assert awards.proposal(command) == AwardProposed(award_id="bktp2026-x", level="city", year=2026,
                                                     form="bang-khen-tp", recipient=LAN,
                                                     basis=Basis(initiative_ids=("i-1",)),
                                                     form_name="Bằng khen của Chủ tịch UBND thành phố")


def test_a_decision_on_an_award_the_aggregate_does_not_hold_changes_nothing() -> None:
    granted = AwardGranted(award_id="elsewhere", level="commune", year=2026, form="giay-khen-xa", recipient=LAN,
                           decision_number="12/QĐ", decision_date=dt.date(2026, 11, 20), signer="Chủ tịch")
    assert awards.fold([granted]) == {}
    assert awards.evolver.event_types == ("AwardProposed", "AwardGranted", "AwardRejected", "AwardRevoked")


def test_the_board_reads_the_event_types_its_table_handles_the_directory_s_included() -> None:
    assert AwardBoard.event_types == ("AwardProposed", "AwardGranted", "AwardRejected", "AwardRevoked",
                                      "CampaignLaunched", "CampaignAmended", "UnitAdded", "UnitUpdated", "UnitClosed",
                                      "UnitHeadAppointed", "UnitHeadVacated", "OfficialRegistered",
                                      "OfficialUpdated", "OfficialMoved", "OfficialRolesChanged", "OfficialLeft",
                                      "DirectoryImported")
