"""The submission handlers on the in-memory store: the pattern of every service's application tests.

`SubmissionCommands` runs on a `CommandBus` over `InMemoryEventStore` and in-memory idempotency
records, exactly as bootstrap wires it over JetStream: no NATS, no Mongo, no HTTP. The store contract
(tests/test_event_store.py) is what makes a pass here mean the same on the stream; the service tests
(test_http.py) keep checking the routes, the tokens and the projections on real servers.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest

from reform_shared.commands import CommandBus, CommandContext
from reform_shared.envelope import Actor
from reform_shared.errors import Conflict, Forbidden, RuleViolation, ServiceUnavailable
from reform_shared.events import AuthorRef, CampaignTerms, InitiativeContent, UnitRef, build_registry
from reform_shared.idempotency import CommandResult, IdempotencyRecords, scoped_key
from reform_shared.ids import FixedClock, new_id
from reform_shared.memory_store import InMemoryEventStore, InMemoryRecordBucket
from reform_shared.ports import AggregateHistory
from reform_submission.application.commands import SubmissionCommands
from reform_submission.domain.commands import (
    LaunchCampaign,
    ReturnInitiative,
    ReviseInitiative,
    SubmitInitiative,
    WithdrawInitiative,
)

pytestmark = pytest.mark.application

VN = dt.timezone(dt.timedelta(hours=7))
OPENS = dt.datetime(2026, 9, 1, 8, 0, tzinfo=VN)
CLOSES = dt.datetime(2026, 9, 25, 17, 0, tzinfo=VN)
DURING = dt.datetime(2026, 9, 10, 9, 0, tzinfo=VN)
COMMUNE = "ninh-giang"
AN = Actor(user_id="user-1", name="Nguyễn Văn An", commune_id=COMMUNE, roles=("submitter",))
BINH = Actor(user_id="user-2", name="Lê Thị Bình", commune_id=COMMUNE, roles=("submitter",))
SECRETARY = Actor(user_id="ha", name="Phạm Thu Hà", commune_id=COMMUNE, roles=("secretary",))


def content(**overrides: Any) -> InitiativeContent:
    values: dict[str, Any] = {
        "title": "Số hóa hồ sơ một cửa", "unit": UnitRef(unit_id="vh-xh", name="Phòng Văn hóa – Xã hội"),
        "author_kind": "individual", "authors": (AuthorRef(user_id="user-1", name="Nguyễn Văn An"),),
        "field": "g", "summary": "Quét và lưu hồ sơ điện tử ngay khi tiếp nhận.",
    }
    values.update(overrides)
    return InitiativeContent(**values)


@dataclass
class Submission:
    """The handlers on memory, with the clock and the records a test moves or loses."""

    clock: FixedClock = field(default_factory=lambda: FixedClock(DURING))
    store: InMemoryEventStore = field(default_factory=lambda: InMemoryEventStore(build_registry()))
    records: InMemoryRecordBucket = field(default_factory=InMemoryRecordBucket)

    def __post_init__(self) -> None:
        self.commands = SubmissionCommands(CommandBus(self.store, IdempotencyRecords(self.records)))

    def ctx(self, actor: Actor = AN, key: str | None = None) -> CommandContext:
        return CommandContext(actor=actor, clock=self.clock, correlation_id=new_id(), idempotency_key=key)

    async def launch(self, campaign_id: str = "cchc-2026") -> CommandResult:
        terms = CampaignTerms(title="Phát động sáng kiến CCHC năm 2026", fields=("a", "c", "g"),
                              submission_opens_at=OPENS, submission_closes_at=CLOSES)
        launch = LaunchCampaign(campaign_id=campaign_id, year=2026, terms=terms)
        return await self.commands.launch_campaign(self.ctx(SECRETARY), COMMUNE, launch)

    async def submit(self, written: InitiativeContent | None = None, actor: Actor = AN,
                     key: str | None = None) -> CommandResult:
        written = written or content()
        command = SubmitInitiative(campaign_id="cchc-2026", content=written)
        return await self.commands.submit_initiative(self.ctx(actor, key), COMMUNE, command)

    async def submitted_id(self, written: InitiativeContent | None = None) -> str:
        result = await self.submit(written)
        assert not result.replayed
        return str(result.body["id"])

    async def revise(self, initiative_id: str, written: InitiativeContent, actor: Actor = AN) -> CommandResult:
        command = ReviseInitiative(initiative_id=initiative_id, content=written, note="Bổ sung")
        return await self.commands.revise_initiative(self.ctx(actor), COMMUNE, command)

    async def events(self) -> list[str]:
        return [(await self.store.read_at(seq)).envelope.event_type for seq in range(1, self.store.last_seq + 1)]


@pytest.fixture
async def app() -> Submission:
    submission = Submission()
    assert not (await submission.launch()).replayed
    return submission


# -- campaigns ---------------------------------------------------------------------------------
async def test_a_launched_campaign_is_loaded_back(app: Submission) -> None:
    campaign = await app.commands.load_campaign(COMMUNE, "cchc-2026")
    assert campaign is not None and campaign.year == 2026 and campaign.fields == ("a", "c", "g")
    assert await app.events() == ["CampaignLaunched"]


async def test_launching_the_same_campaign_twice_is_refused(app: Submission) -> None:
    with pytest.raises(Conflict) as caught:
        await app.launch()
    assert caught.value.rule == "campaign_unique"
    assert await app.events() == ["CampaignLaunched"]


# -- submitting ----------------------------------------------------------------------------------
async def test_a_submission_in_the_window_claims_its_title_and_is_appended(app: Submission) -> None:
    result = await app.submit()
    assert (result.body["version"], result.replayed) == (1, False)
    assert await app.events() == ["CampaignLaunched", "TitleClaimed", "InitiativeSubmitted"]
    state = await app.commands.load_initiative(COMMUNE, result.body["id"])
    assert state is not None and state.status == "submitted" and state.content.title == "Số hóa hồ sơ một cửa"


class Overlapping(InMemoryEventStore):
    """The in-memory store, counting how many loads are in flight at once (each yields to the loop once)."""

    def __init__(self) -> None:
        super().__init__(build_registry())
        self.in_flight = self.most_at_once = 0

    async def load(self, commune_id: str, aggregate_type: str, aggregate_id: str) -> AggregateHistory:
        self.in_flight += 1
        self.most_at_once = max(self.most_at_once, self.in_flight)
        try:
            await asyncio.sleep(0)
            return await super().load(commune_id, aggregate_type, aggregate_id)
        finally:
            self.in_flight -= 1


async def test_a_submission_reads_its_initiative_campaign_and_title_claim_at_once() -> None:
    """One wait for the three reads instead of three in a row (on a node, three round trips to NATS)."""
    overlapping = Overlapping()
    app = Submission(store=overlapping)
    await app.launch()
    overlapping.most_at_once = 0
    result = await app.submit(key="k-1")
    assert overlapping.most_at_once == 3
    assert await app.events() == ["CampaignLaunched", "TitleClaimed", "InitiativeSubmitted"]
    assert (await app.submit(key="k-1")).body == result.body


async def test_a_retry_with_the_same_key_gets_the_first_answer(app: Submission) -> None:
    first = await app.submit(key="lan-nop-1")
    again = await app.submit(key="lan-nop-1")
    assert (again.body, again.replayed) == (first.body, True)
    assert len(await app.events()) == 3


async def test_a_retry_whose_first_answer_was_lost_gets_it_from_the_events(app: Submission) -> None:
    first = await app.submit(key="lan-mat")
    app.records.purge(scoped_key(COMMUNE, AN.user_id, "submit_initiative", "lan-mat"))

    again = await app.submit(key="lan-mat")

    assert (again.body, again.replayed) == (first.body, True)  # not 409 initiative_unique
    app.records.purge(scoped_key(COMMUNE, AN.user_id, "submit_initiative", "lan-mat"))
    with pytest.raises(Conflict) as caught:
        await app.submit(content(title="Một sáng kiến khác"), key="lan-mat")
    assert caught.value.rule == "idempotency_key_reuse"
    assert len(await app.events()) == 3


async def test_a_submission_after_the_deadline_is_refused(app: Submission) -> None:
    app.clock.at = CLOSES + dt.timedelta(minutes=1)
    with pytest.raises(RuleViolation) as caught:
        await app.submit()
    assert caught.value.rule == "submission_deadline"
    assert await app.events() == ["CampaignLaunched"]


async def test_the_same_title_from_the_same_unit_is_refused_without_case_or_diacritics(app: Submission) -> None:
    first = await app.submitted_id()
    with pytest.raises(RuleViolation) as caught:
        await app.submit(content(title="SO HOA HO SO MOT CUA"))
    assert caught.value.rule == "unique_title_per_unit" and first in caught.value.message_vi
    other_unit = content(title="SO HOA HO SO MOT CUA", unit=UnitRef(unit_id="kinh-te", name="Phòng Kinh tế"))
    assert not (await app.submit(other_unit)).replayed


async def test_concurrent_submissions_of_one_title_let_exactly_one_in(app: Submission) -> None:
    results = await asyncio.gather(*[app.submit() for _ in range(4)], return_exceptions=True)

    assert sum(isinstance(r, CommandResult) for r in results) == 1
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 3 and all(isinstance(r, RuleViolation) for r in refused)
    assert {r.rule for r in refused if isinstance(r, RuleViolation)} == {"unique_title_per_unit"}
    assert await app.events() == ["CampaignLaunched", "TitleClaimed", "InitiativeSubmitted"]


# -- revising, returning, withdrawing ------------------------------------------------------------
async def test_every_revision_is_kept(app: Submission) -> None:
    initiative_id = await app.submitted_id()
    revised = await app.revise(initiative_id, content(summary="Quét, ký số và lưu hồ sơ điện tử."))

    assert (revised.body["version"], revised.replayed) == (2, False)
    history = await app.commands.initiative_history(COMMUNE, initiative_id)
    assert [e.envelope.event_type for e in history.events] == ["InitiativeSubmitted", "InitiativeRevised"]
    state = await app.commands.load_initiative(COMMUNE, initiative_id)
    assert state is not None and (state.revision, state.status) == (2, "submitted")


async def test_revising_someone_elses_initiative_is_refused(app: Submission) -> None:
    initiative_id = await app.submitted_id()
    before = await app.events()
    with pytest.raises(Forbidden) as caught:
        await app.revise(initiative_id, content(title="Đổi tên khác"), actor=BINH)
    assert caught.value.rule == "own_initiative_only"
    assert await app.events() == before


async def test_a_returned_dossier_is_completed_and_resubmitted_after_the_deadline(app: Submission) -> None:
    initiative_id = await app.submitted_id()
    returned = await app.commands.return_initiative(app.ctx(SECRETARY), COMMUNE, ReturnInitiative(
        initiative_id=initiative_id, reason="Thiếu bảng số liệu trước và sau khi áp dụng"))
    assert not returned.replayed
    state = await app.commands.load_initiative(COMMUNE, initiative_id)
    assert state is not None and state.status == "returned"

    app.clock.at = CLOSES + dt.timedelta(days=2)
    resubmitted = await app.revise(initiative_id, content(summary="Có bảng số liệu: 5 ngày còn 2 ngày."))

    assert not resubmitted.replayed
    state = await app.commands.load_initiative(COMMUNE, initiative_id)
    assert state is not None and state.status == "submitted" and state.content.summary.startswith("Có bảng")


async def test_a_withdrawn_initiative_cannot_be_acted_on_and_frees_its_title(app: Submission) -> None:
    initiative_id = await app.submitted_id()
    withdrawn = await app.commands.withdraw_initiative(app.ctx(), COMMUNE, WithdrawInitiative(
        initiative_id=initiative_id, reason="Trùng ý tưởng"))
    assert not withdrawn.replayed
    before = await app.events()

    with pytest.raises(Conflict) as caught:
        await app.revise(initiative_id, content(title="Tên mới hơn"))
    assert caught.value.rule == "withdrawn_is_final"
    assert await app.events() == before
    assert not (await app.submit()).replayed  # the title is free again


async def test_a_command_while_the_store_is_down_is_refused_at_once(app: Submission) -> None:
    app.store.available = False
    with pytest.raises(ServiceUnavailable):
        await app.submit()
    app.store.available = True
    assert await app.events() == ["CampaignLaunched"]


def test_a_keyed_submission_is_fingerprinted_by_the_body_its_author_sent() -> None:
    """Records and events written before commands existed fingerprint the HTTP body: a retry still matches."""
    from reform_shared.events import AttachmentRef
    from reform_shared.idempotency import fingerprint
    from reform_submission.application.commands import written
    from reform_submission.entrypoints.schemas import InitiativeIn

    body = InitiativeIn.model_validate({**content().model_dump(mode="json", exclude={"attachments"}),
                                  "attachment_ids": ["a-1"]})
    ref = AttachmentRef(attachment_id="a-1", filename="bang.pdf", media_type="application/pdf", size=3, sha256="x")
    resolved = content(attachments=(ref,))
    assert fingerprint(written(resolved)) == fingerprint(body.model_dump(mode="json"))


# -- causation -----------------------------------------------------------------------------------
async def envelopes(app: Submission) -> list[Any]:
    return [(await app.store.read_at(seq)).envelope for seq in range(1, app.store.last_seq + 1)]


async def test_a_submission_follows_its_title_claim_and_a_new_aggregate_follows_nothing(app: Submission) -> None:
    await app.submit()
    launched, claimed, submitted = await envelopes(app)
    assert launched.causation_id is None, "a campaign opens its aggregate: it follows from no event"
    assert submitted.causation_id == claimed.event_id, "the initiative follows from the claim of its title"


async def test_a_return_follows_the_submission_and_the_revision_follows_the_return(app: Submission) -> None:
    initiative_id = await app.submitted_id()
    returned = ReturnInitiative(initiative_id=initiative_id, reason="Thiếu số liệu hiệu quả")
    await app.commands.return_initiative(app.ctx(SECRETARY), COMMUNE, returned)
    await app.revise(initiative_id, content(summary="Quét, ký số và lưu hồ sơ điện tử."))
    submitted, sent_back, revised = (await app.commands.initiative_history(COMMUNE, initiative_id)).envelopes
    assert sent_back.causation_id == submitted.event_id
    assert revised.causation_id == sent_back.event_id
    await app.revise(initiative_id, content(title="Số hóa toàn bộ hồ sơ một cửa"))
    renamed = (await app.commands.initiative_history(COMMUNE, initiative_id)).envelopes[-1]
    claims = [e for e in await envelopes(app) if e.event_type == "TitleClaimed"]
    assert renamed.causation_id == claims[-1].event_id, "under a new title, the revision follows its new claim"
