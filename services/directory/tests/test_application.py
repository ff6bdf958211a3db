"""The directory handlers on the in-memory store: commands, retries, races and imports, no NATS or Mongo."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field

import pytest

from reform_directory.application.commands import DirectoryCommands
from reform_directory.domain import commands as c
from reform_shared.commands import CommandBus, CommandContext
from reform_shared.envelope import Actor
from reform_shared.errors import Conflict, InvalidInput, RuleViolation
from reform_shared.events import build_registry
from reform_shared.events.directory import OfficialEntry, UnitEntry
from reform_shared.idempotency import IdempotencyRecords
from reform_shared.ids import FixedClock, new_id
from reform_shared.memory_store import InMemoryEventStore, InMemoryRecordBucket

pytestmark = pytest.mark.application

VN = dt.timezone(dt.timedelta(hours=7))
C = "ninh-giang"
MAR = dt.date(2026, 3, 1)
HA = Actor(user_id="vhxh-thu-ky", name="Phạm Thu Hà", commune_id=C, roles=("secretary",))


@dataclass
class Directory:
    store: InMemoryEventStore = field(default_factory=lambda: InMemoryEventStore(build_registry()))
    records: InMemoryRecordBucket = field(default_factory=InMemoryRecordBucket)

    def __post_init__(self) -> None:
        self.commands = DirectoryCommands(CommandBus(self.store, IdempotencyRecords(self.records)))

    def ctx(self, key: str | None = None) -> CommandContext:
        return CommandContext(actor=HA, clock=FixedClock(dt.datetime(2026, 3, 10, tzinfo=VN)),
                              correlation_id=new_id(), idempotency_key=key)

    async def events(self) -> int:
        return len((await self.store.load(C, "directory", "main")).events)


async def test_units_officials_and_a_head_are_recorded_on_one_aggregate() -> None:
    d = Directory()
    added = await d.commands.run(d.ctx(), c.AddUnit(commune_id=C, effective=MAR, unit=UnitEntry(
        unit_id="vh-xh", name="Phòng Văn hóa – Xã hội", kind="phong")))
    assert added.body["event_types"] == ["UnitAdded"]
    await d.commands.run(d.ctx(), c.RegisterOfficial(commune_id=C, effective=MAR, official=OfficialEntry(
        official_id="do-minh", full_name="Đỗ Minh", unit_id="vh-xh")))
    await d.commands.run(d.ctx(), c.AppointHead(commune_id=C, effective=MAR, unit_id="vh-xh", official_id="do-minh"))
    view = await d.commands.view(C)
    assert view.head_of("vh-xh", MAR) == "do-minh" and await d.events() == 3


async def test_a_keyed_retry_appends_nothing_and_the_key_with_another_body_is_refused() -> None:
    d = Directory()
    add = c.AddUnit(commune_id=C, effective=MAR, unit=UnitEntry(unit_id="kinh-te", name="Phòng Kinh tế"))
    first = await d.commands.run(d.ctx("k-1"), add)
    again = await d.commands.run(d.ctx("k-1"), add)
    assert again.replayed and again.body == first.body and await d.events() == 1
    other = add.model_copy(update={"unit": UnitEntry(unit_id="kinh-te-2", name="Phòng Kinh tế 2")})
    with pytest.raises(Conflict):
        await d.commands.run(d.ctx("k-1"), other)


async def test_of_two_concurrent_registrations_of_one_id_one_wins_and_the_other_gets_the_rule() -> None:
    d = Directory()

    async def register(name: str) -> object:
        command = c.RegisterOfficial(commune_id=C, effective=MAR, official=OfficialEntry(
            official_id="lan", full_name=name))
        try:
            return await d.commands.run(d.ctx(), command)
        except Conflict as exc:
            return exc.rule

    results = await asyncio.gather(register("Nguyễn Thị Lan"), register("Lê Thị Lan"))
    assert sorted(str(type(r).__name__) if not isinstance(r, str) else r for r in results) == [
        "CommandResult", "official_id_unique"]
    assert await d.events() == 1


async def test_an_import_is_one_event_or_nothing_and_its_dry_run_appends_nothing() -> None:
    d = Directory()
    good = "Họ và tên,Đơn vị,Trưởng đơn vị\nĐỗ Minh,Phòng Văn hóa – Xã hội,x\nNguyễn Thị Lan,Phòng Văn hóa – Xã hội,\n"
    preview = await d.commands.import_sheet(d.ctx(), C, MAR, good.encode(), "danh-ba.csv", dry_run=True)
    assert preview.body["officials_added"] == ["do-minh", "nguyen-thi-lan"] and await d.events() == 0
    done = await d.commands.import_sheet(d.ctx("imp-1"), C, MAR, good.encode(), "danh-ba.csv")
    assert done.body["event_types"] == ["DirectoryImported"] and await d.events() == 1
    assert (await d.commands.view(C)).head_of("phong-van-hoa-xa-hoi", MAR) == "do-minh"
    bad = good + "Trần Văn Hùng,Phòng Văn hóa – Xã hội,x\nLê Văn An,,,\n"
    with pytest.raises(RuleViolation) as caught:
        await d.commands.import_sheet(d.ctx(), C, MAR, bad.encode(), "danh-ba.csv")
    assert caught.value.rule == "import_rows_valid" and [r["row"] for r in caught.value.details["rows"]] == [4]
    assert await d.events() == 1
    with pytest.raises(InvalidInput) as unchanged:
        await d.commands.import_sheet(d.ctx(), C, MAR, good.encode(), "danh-ba.csv")
    assert unchanged.value.rule == "no_change"
