"""Adoption and results on the in-memory store: once per commune and initiative, retries answered once,
refusals naming the field and the rule, nothing appended when refused; the city's relay publishing an entry's
revision once and never an older one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from reform_replication.application.commands import ReplicationCommands
from reform_replication.application.relay import Relay
from reform_replication.domain.adoption import AdoptInitiative, ReportResults
from reform_replication.domain.catalogue import entry_of, public_content
from reform_shared.commands import CommandBus, CommandContext
from reform_shared.envelope import Actor
from reform_shared.errors import Conflict, RuleViolation
from reform_shared.events import build_registry
from reform_shared.events.submission import Indicator, InitiativeContent, UnitRef
from reform_shared.idempotency import IdempotencyRecords
from reform_shared.ids import FixedClock, new_id
from reform_shared.memory_store import InMemoryEventStore, InMemoryRecordBucket

pytestmark = pytest.mark.application

VN = dt.timezone(dt.timedelta(hours=7))
A, B = "ninh-giang", "an-lao"
ENTRY = {"entry_id": f"{A}--i1", "origin_commune_id": A, "initiative_id": "i1", "title": "Số hóa hồ sơ",
         "indicators": [{"name": "Thời gian tra cứu hồ sơ", "unit": "giờ", "before": 16, "after": 0.25}]}
SECRETARY = Actor(user_id="thu-ky", name="Thư ký", commune_id=B, roles=("secretary",))


@dataclass
class FakeCatalogue:
    entries: dict[str, dict[str, Any]] = field(default_factory=lambda: {ENTRY["entry_id"]: ENTRY})

    async def entry_or_none(self, entry_id: str) -> dict[str, Any] | None:
        return self.entries.get(entry_id)


@dataclass
class Replication:
    store: InMemoryEventStore = field(default_factory=lambda: InMemoryEventStore(build_registry()))
    records: InMemoryRecordBucket = field(default_factory=InMemoryRecordBucket)

    def __post_init__(self) -> None:
        self.commands = ReplicationCommands(CommandBus(self.store, IdempotencyRecords(self.records)), FakeCatalogue())

    def ctx(self, key: str | None = None) -> CommandContext:
        return CommandContext(actor=SECRETARY, clock=FixedClock(dt.datetime(2026, 12, 1, 9, tzinfo=VN)),
                              correlation_id=new_id(), idempotency_key=key)

    async def events(self) -> list[str]:
        history = await self.store.load(B, "adoption", str(ENTRY["entry_id"]))
        return [e.envelope.event_type for e in history.events]


def adopt(**changes: Any) -> AdoptInitiative:
    fields: dict[str, Any] = {"commune_id": B, "entry_id": ENTRY["entry_id"],
                              "unit": UnitRef(unit_id="mot-cua", name="Bộ phận một cửa"),
                              "responsible": "Phó Chủ tịch UBND xã", "since": dt.date(2026, 11, 1),
                              "adaptation": "Áp dụng cho hộ tịch"}
    return AdoptInitiative(**{**fields, **changes})


def results(name: str = "thời gian tra cuu ho so", after: float | None = 1.0, on: dt.date = dt.date(2026, 11, 30)
            ) -> ReportResults:
    return ReportResults(commune_id=B, entry_id=str(ENTRY["entry_id"]), measured_on=on,
                         indicators=(Indicator(name=name, unit="giờ", before=12, after=after),))


async def test_an_adoption_is_recorded_once_and_a_retry_gets_the_first_answer() -> None:
    r = Replication()
    first = await r.commands.adopt(r.ctx("k1"), adopt())
    again = await r.commands.adopt(r.ctx("k1"), adopt())
    assert again.replayed and again.body == first.body
    with pytest.raises(Conflict) as twice:
        await r.commands.adopt(r.ctx("k2"), adopt())
    assert twice.value.rule == "adopted_once"
    assert await r.events() == ["InitiativeAdopted"]


@pytest.mark.parametrize(("command", "field", "rule"), [
    (adopt(entry_id="unknown"), "entry_id", "in_catalogue"),
    (adopt(since=dt.date(2027, 1, 1)), "since", "since_not_in_future"),
])
async def test_an_adoption_refused_names_its_field_and_rule(command: AdoptInitiative, field: str, rule: str) -> None:
    r = Replication()
    with pytest.raises(RuleViolation) as refused:
        await r.commands.adopt(r.ctx(), command)
    assert (refused.value.field, refused.value.rule) == (field, rule)
    assert refused.value.message_vi and refused.value.message_en
    assert await r.events() == []


async def test_a_commune_does_not_adopt_its_own_initiative() -> None:
    r = Replication()
    own = adopt(commune_id=A)
    with pytest.raises(RuleViolation) as refused:
        await r.commands.adopt(CommandContext(actor=SECRETARY.model_copy(update={"commune_id": A}),
                                              clock=FixedClock(dt.datetime(2026, 12, 1, tzinfo=VN)),
                                              correlation_id=new_id()), own)
    assert refused.value.rule == "adopt_another_communes_initiative"


async def test_results_use_the_originals_indicators_measured_after_the_adoption() -> None:
    r = Replication()
    with pytest.raises(RuleViolation) as early:
        await r.commands.report(r.ctx(), results())
    assert early.value.rule == "adopted_first"
    await r.commands.adopt(r.ctx(), adopt())
    refusals = [(results(name="Số cây xanh"), "indicators[0].name", "same_indicators_as_original"),
                (results(after=None), "indicators[0].after", "measured_before_and_after"),
                (results(on=dt.date(2026, 10, 1)), "measured_on", "measured_after_adoption")]
    for command, named, rule in refusals:
        with pytest.raises(RuleViolation) as refused:
            await r.commands.report(r.ctx(), command)
        assert (refused.value.field, refused.value.rule) == (named, rule)
    reported = await r.commands.report(r.ctx("r1"), results())
    assert reported.body["event_type"] == "AdoptionResultsReported"
    assert await r.events() == ["InitiativeAdopted", "AdoptionResultsReported"]


async def test_the_relay_publishes_each_revision_once_and_never_an_older_one() -> None:
    r = Replication()
    relay = Relay(None, CommandBus(r.store, IdempotencyRecords(r.records)),  # type: ignore[arg-type]
                  FixedClock(dt.datetime(2026, 12, 1, tzinfo=VN)))
    content = InitiativeContent(title="Số hóa hồ sơ", unit=UnitRef(unit_id="u", name="Một cửa"),
                                author_kind="collective", field="c", summary="Số hóa")
    source = {"_id": ENTRY["entry_id"], "origin_commune_id": A, "initiative_id": "i1",
              "content": public_content(content), "recognition_number": "15/QĐ-UBND"}
    third, second = entry_of({**source, "revision": 3}), entry_of({**source, "revision": 2})
    assert third is not None and second is not None
    assert await relay.publish(third) is True
    assert await relay.publish(third) is False  # a relay run again, or restarted
    assert await relay.publish(second) is False  # a projection being rebuilt counts up from zero again
    history = await r.store.load("city", "catalogue", str(ENTRY["entry_id"]))
    assert [e.envelope.payload.revision for e in history.events] == [3]  # type: ignore[attr-defined]
