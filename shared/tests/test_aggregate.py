"""The shared fold: a table of mutators, one per event type."""

from __future__ import annotations

import pytest
from support import submitted

from reform_shared.aggregate import Evolver
from reform_shared.commands import Command
from reform_shared.events import InitiativeSubmitted, InitiativeWithdrawn

pytestmark = pytest.mark.domain


def test_a_fold_applies_each_event_through_its_mutator_and_leaves_others_alone() -> None:
    counts: Evolver[tuple[int, int]] = Evolver(initial=(0, 0))

    @counts.on(InitiativeSubmitted)
    def _submitted(state: tuple[int, int], event: InitiativeSubmitted) -> tuple[int, int]:
        return state[0] + 1, state[1]

    @counts.on(InitiativeWithdrawn)
    def _withdrawn(state: tuple[int, int], event: InitiativeWithdrawn) -> tuple[int, int]:
        return state[0], state[1] + 1

    one, two = submitted().payload, submitted().payload
    withdrawn = InitiativeWithdrawn(initiative_id="i-1", campaign_id="cchc-2026", reason="Rút hồ sơ")
    assert counts.fold([one, two, withdrawn]) == (2, 1)
    assert counts.fold([]) == (0, 0)
    assert counts.event_types == ("InitiativeSubmitted", "InitiativeWithdrawn")


def test_one_event_type_has_one_mutator() -> None:
    table: Evolver[int] = Evolver(initial=0)
    table.on(InitiativeSubmitted)(lambda state, event: state + 1)
    with pytest.raises(ValueError, match="InitiativeSubmitted"):
        table.on(InitiativeSubmitted)(lambda state, event: state)


def test_a_command_is_strict_and_frozen() -> None:
    class WithdrawInitiative(Command):
        initiative_id: str
        reason: str

    command = WithdrawInitiative(initiative_id="i-1", reason="Trùng lặp")
    with pytest.raises(ValueError, match="extra"):
        WithdrawInitiative(initiative_id="i-1", reason="x", reasn="typo")  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        command.reason = "khác"  # type: ignore[misc]


def test_an_event_is_strict_when_produced_and_tolerant_when_read() -> None:
    import json

    from pydantic import ValidationError

    from reform_shared.events import UnitRef, build_registry

    with pytest.raises(ValidationError, match="reasn"):
        InitiativeWithdrawn(initiative_id="i-1", campaign_id="c", reasn="lỗi gõ")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="nmae"):
        UnitRef(unit_id="vh-xh", nmae="Phòng Văn hóa")  # type: ignore[call-arg]

    written = json.loads(submitted().to_json())
    written["payload"]["added_by_a_newer_producer"] = 1
    written["payload"]["content"]["unit"]["building"] = "A"
    read = build_registry().parse(json.dumps(written))  # a newer producer's fields are ignored on reading
    assert read.payload.content.unit.unit_id == "vh-xh"  # type: ignore[attr-defined]
