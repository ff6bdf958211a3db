"""Reporting rebuild: every projection of the reporting runtime, rebuilt from a realistic stream.

The stream holds the life of the campaigns of several communes over two years, in the order a
node records it (campaigns, submissions, revisions and returns, withdrawals, scores, decisions,
nominations, awards), each event a valid envelope on its own subject. It is published untimed.

Measured on the database the runtime uses:

- raw: `bulk_write` of one plain `UpdateOne` upsert per event (keyed by aggregate), batches of
  `projection_batch_size`, each batch in one transaction with a checkpoint write (as the runner);
- rebuild: `build_runtime(settings, run_projections=False)` of the reporting service, then for
  each runner it holds, one after the other, `rebuild()` + `run_until_caught_up()`.

A projection only receives the event types it declares (the consumer filters on the server), so
its rate is the events it received over its own rebuild time, compared with the raw upserts/s.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import hashlib
import random
import statistics
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

from nats.js.api import DeliverPolicy
from opentelemetry import trace
from pymongo import InsertOne, UpdateOne
from pymongo.errors import PyMongoError

from bench.environment import Environment
from bench.harness import Measurement, Row, Stopwatch
from reform_reporting.bootstrap import SERVICE, build_runtime
from reform_shared.coalesce import WritePlanner
from reform_shared.commands import make_envelope
from reform_shared.entry import rebuild_projections
from reform_shared.envelope import Actor, EventEnvelope, EventPayload
from reform_shared.events import (
    AuthorRef,
    AwardGranted,
    AwardProposed,
    Basis,
    CampaignLaunched,
    Effectiveness,
    Indicator,
    InitiativeContent,
    InitiativeNotRecognized,
    InitiativeRecognized,
    InitiativeReturned,
    InitiativeRevised,
    InitiativeSubmitted,
    InitiativeWithdrawn,
    LegalBasis,
    Nominated,
    Novelty,
    Recipient,
    ScoreRecorded,
    ScoreResult,
    UnitRef,
)
from reform_shared.ids import new_id
from reform_shared.projection import CHECKPOINTS, PARKED, MongoOp, ProjectionRunner
from reform_shared.runtime import ServiceRuntime
from reform_shared.settings import Settings
from reform_shared.store import StoredEvent
from reform_shared.subjects import event_subject

AIM = 0.70
SEED = 2026
PUBLISH_CHUNK = 2000

COMMUNES = (
    "ninh-giang", "an-binh", "tan-phu", "hoa-loc", "phu-my", "thanh-son", "dong-xuan", "vinh-thanh",
    "binh-minh", "long-hoa", "my-an", "tan-hiep", "phuoc-long", "hiep-hoa", "nghia-dan", "quang-trung",
    "le-loi", "hung-dao", "cam-thanh", "duc-hoa",
)
YEARS = (2025, 2026)
UNITS = (
    UnitRef(unit_id="vh-xh", name="Phòng Văn hóa – Xã hội"),
    UnitRef(unit_id="kt", name="Phòng Kinh tế"),
    UnitRef(unit_id="vp", name="Văn phòng HĐND và UBND"),
    UnitRef(unit_id="hcc", name="Trung tâm Phục vụ hành chính công"),
    UnitRef(unit_id="ca", name="Công an xã"),
    UnitRef(unit_id="ytt", name="Trạm Y tế"),
)
FIELDS = ("a", "b", "c", "d", "e", "f", "g")
TOPICS = (
    "Số hóa hồ sơ một cửa", "Tra cứu thủ tục hành chính bằng mã QR", "Hẹn giờ trả kết quả qua Zalo",
    "Chứng thực điện tử bản sao", "Sổ tay hướng dẫn thủ tục đất đai", "Tổ công nghệ số cộng đồng",
    "Thanh toán không dùng tiền mặt phí, lệ phí", "Lưu trữ hồ sơ hộ tịch điện tử", "Khảo sát hài lòng trực tuyến",
    "Liên thông khai sinh – thường trú – bảo hiểm y tế",
)
CRITERIA = (("novelty", 25.0), ("effectiveness", 30.0), ("replicability", 20.0), ("feasibility", 15.0),
            ("creativity", 10.0))
COUNCIL = 5
SCORERS = 3
P_RETURNED, P_REVISED, P_WITHDRAWN, P_EVALUATED = 0.05, 0.12, 0.04, 0.25
NOMINATIONS = 2

_tracer = trace.get_tracer("bench")


# -- the stream -----------------------------------------------------------------------------
@dataclass
class _Planned:
    order: tuple[int, int, float]
    """(year, phase, random rank of the aggregate): the stream is sorted on it, stably."""
    commune: str
    payload: EventPayload
    version: int
    actor: Actor


@dataclass
class _Recognised:
    initiative_id: str
    content: InitiativeContent
    result: ScoreResult
    decision_number: str


class _Commune:
    """The people of one commune who cause its events."""

    def __init__(self, commune: str) -> None:
        self.id = commune
        self.submitters = [
            Actor(user_id=f"{commune}-cb{k}", name=f"Cán bộ {k}", commune_id=commune, roles=("submitter",),
                  unit_id=UNITS[k % len(UNITS)].unit_id)
            for k in range(12)
        ]
        self.secretary = Actor(user_id=f"{commune}-tk", name="Thư ký hội đồng", commune_id=commune,
                               roles=("secretary",))
        self.members = [Actor(user_id=f"{commune}-hd{k}", name=f"Thành viên hội đồng {k}", commune_id=commune,
                              roles=("council_member",)) for k in range(COUNCIL)]
        self.chair = Actor(user_id=f"{commune}-ct", name="Chủ tịch hội đồng", commune_id=commune,
                           roles=("council_chair",))
        self.officer = Actor(user_id=f"{commune}-tdkt", name="Cán bộ thi đua khen thưởng", commune_id=commune,
                             roles=("emulation_officer",))


def _content(rng: random.Random, number: int, submitter: Actor) -> InitiativeContent:
    unit = next(u for u in UNITS if u.unit_id == submitter.unit_id)
    topic = TOPICS[number % len(TOPICS)]
    individual = rng.random() < 0.4
    authors = (AuthorRef(user_id=submitter.user_id, name=submitter.name, position="Chuyên viên",
                         unit_id=unit.unit_id, commune_id=submitter.commune_id),) if individual else ()
    before = float(rng.randint(5, 15))
    return InitiativeContent(
        title=f"{topic} – sáng kiến số {number}",
        unit=unit,
        author_kind="individual" if individual else "collective",
        authors=authors,
        field=rng.choice(FIELDS),
        summary=f"Tóm tắt: {topic.lower()} tại {unit.name.lower()}, rút ngắn thời gian giải quyết hồ sơ.",
        problem="Hồ sơ giấy, người dân phải đi lại nhiều lần, thời gian xử lý kéo dài.",
        solution="Quy trình mới, biểu mẫu điện tử và hướng dẫn trực tuyến cho người dân.",
        novelty=Novelty(where=unit.name, since=dt.date(2024, 3, 1), description="Lần đầu áp dụng tại xã."),
        effectiveness=Effectiveness(
            indicators=(Indicator(name="Thời gian giải quyết", unit="ngày", before=before, after=before / 2),),
            expected_benefit="Tiết kiệm thời gian và chi phí đi lại của người dân.",
        ),
    )


def _scoresheet_id(initiative_id: str, member_id: str) -> str:
    return hashlib.sha256(f"{initiative_id}\x1f{member_id}".encode()).hexdigest()[:32]


def _result(sheets: list[dict[str, float]]) -> ScoreResult:
    totals = [round(sum(w * p[c] / 10 for c, w in CRITERIA), 2) for p in sheets]
    means = {c: round(statistics.fmean(p[c] for p in sheets), 2) for c, _ in CRITERIA}
    return ScoreResult(
        mean_total=round(statistics.fmean(totals), 2), median_total=statistics.median(totals),
        spread=round(max(totals) - min(totals), 2), scored=len(sheets), eligible=COUNCIL, criterion_means=means,
        conditions={"novelty": means["novelty"] >= 5, "effectiveness": means["effectiveness"] >= 5},
    )


def _initiative(rng: random.Random, people: _Commune, year: int, number: int
                ) -> tuple[list[_Planned], _Recognised | None]:
    """One initiative's life: submitted, perhaps revised/returned/withdrawn, perhaps scored and decided."""
    campaign_id = f"cchc-{year}"
    initiative_id = new_id()
    submitter = rng.choice(people.submitters)
    content = _content(rng, number, submitter)
    rank = rng.random()
    events: list[_Planned] = []
    version = 0

    def add(phase: int, payload: EventPayload, actor: Actor, aggregate_version: int | None = None) -> None:
        nonlocal version
        if aggregate_version is None:  # the initiative aggregate
            version += 1
            aggregate_version = version
        events.append(_Planned((year, phase, rank), people.id, payload, aggregate_version, actor))

    add(1, InitiativeSubmitted(initiative_id=initiative_id, campaign_id=campaign_id, content=content), submitter)
    draw = rng.random()
    if draw < P_RETURNED:
        add(2, InitiativeReturned(initiative_id=initiative_id, campaign_id=campaign_id,
                                  reason="Thiếu số liệu chứng minh hiệu quả"), people.secretary)
        if rng.random() < 0.2:
            return events, None  # returned and never resubmitted
        content = content.model_copy(update={"summary": content.summary + " Bổ sung số liệu 6 tháng."})
        add(2, InitiativeRevised(initiative_id=initiative_id, campaign_id=campaign_id, revision=2, content=content,
                                 resubmission=True, note="Đã bổ sung theo yêu cầu"), submitter)
    elif draw < P_RETURNED + P_REVISED:
        content = content.model_copy(update={"solution": content.solution + " Có sơ đồ quy trình kèm theo."})
        add(2, InitiativeRevised(initiative_id=initiative_id, campaign_id=campaign_id, revision=2, content=content),
            submitter)
    if rng.random() < P_WITHDRAWN:
        add(3, InitiativeWithdrawn(initiative_id=initiative_id, campaign_id=campaign_id, reason="Tác giả rút"),
            submitter)
        return events, None
    if rng.random() >= P_EVALUATED:
        return events, None  # not scored yet
    sheets: list[dict[str, float]] = []
    for member in rng.sample(people.members, SCORERS):
        points = {code: float(rng.randint(3, 10)) for code, _ in CRITERIA}
        sheets.append(points)
        add(4, ScoreRecorded(scoresheet_id=_scoresheet_id(initiative_id, member.user_id), initiative_id=initiative_id,
                             campaign_id=campaign_id, member_id=member.user_id, points=points,
                             comment="Đạt yêu cầu về tính mới và hiệu quả",
                             weighted_total=round(sum(w * points[c] / 10 for c, w in CRITERIA), 2)),
            member, 1)
    result = _result(sheets)
    if result.mean_total >= 50 and all(result.conditions.values()):
        add(5, InitiativeRecognized(initiative_id=initiative_id, campaign_id=campaign_id, result=result),
            people.chair, 1)
        return events, _Recognised(initiative_id, content, result, f"{number}/QĐ-HĐSK")
    reasons = tuple(f"không đạt điều kiện {c}" for c, met in result.conditions.items() if not met) or (
        "điểm trung bình dưới ngưỡng",)
    add(5, InitiativeNotRecognized(initiative_id=initiative_id, campaign_id=campaign_id, result=result,
                                   reasons=reasons), people.chair, 1)
    return events, None


def _campaign(rng: random.Random, commune: str, year: int, budget: int, first_number: int) -> list[_Planned]:
    """Exactly `budget` events of one commune's campaign of one year."""
    people = _Commune(commune)
    campaign_id = f"cchc-{year}"
    reserve = min((budget - 1) // 4, NOMINATIONS + 2 * max(1, budget // 150))
    body: list[_Planned] = []
    recognised: list[_Recognised] = []
    number = first_number
    while len(body) < budget - 1 - reserve:
        events, outcome = _initiative(rng, people, year, number)
        number += 1
        room = budget - 1 - reserve - len(body)
        body += events[:room]  # the last one may stop mid-way: submitted, not yet decided
        if outcome is not None and len(events) <= room:
            recognised.append(outcome)
    nominated = recognised[:min(NOMINATIONS, len(recognised))]
    awarded = recognised[:max(0, min(len(recognised), (reserve - len(nominated)) // 2))]
    while len(body) + 1 + len(nominated) + 2 * len(awarded) < budget:  # pad with fresh submissions
        events, _ = _initiative(rng, people, year, number)
        number += 1
        body.append(events[0])
    tail: list[_Planned] = []
    for version, chosen in enumerate(nominated, start=1):
        tail.append(_Planned((year, 6, 0.0), commune, Nominated(
            slate_id=str(year), initiative_id=chosen.initiative_id, campaign_id=campaign_id, year=year,
            title=chosen.content.title, summary=chosen.content.summary, field=chosen.content.field,
            fields=(chosen.content.field,), unit_name=chosen.content.unit.name,
            author_names=tuple(a.name for a in chosen.content.authors), result=chosen.result,
            mean_score=chosen.result.mean_total, decision_number=chosen.decision_number,
            decision_date=dt.date(year, 10, 15)), version, people.secretary))
    for chosen in awarded:
        award_id = f"gkx{year}-{new_id()}"
        recipient = Recipient(kind="collective", recipient_id=chosen.content.unit.unit_id,
                              name=chosen.content.unit.name, unit_id=chosen.content.unit.unit_id)
        rank = rng.random()
        tail.append(_Planned((year, 7, rank), commune, AwardProposed(
            award_id=award_id, level="commune", year=year, form="giay-khen-xa", recipient=recipient,
            basis=Basis(initiative_ids=(chosen.initiative_id,))), 1, people.officer))
        tail.append(_Planned((year, 8, rank), commune, AwardGranted(
            award_id=award_id, level="commune", year=year, form="giay-khen-xa", recipient=recipient,
            decision_number=f"{number}/QĐ-UBND", decision_date=dt.date(year, 11, 30), signer="Chủ tịch UBND xã"),
            2, people.chair))
    launched = CampaignLaunched(
        campaign_id=campaign_id, year=year, title=f"Phát động sáng kiến cải cách hành chính năm {year}",
        commune_name=commune.replace("-", " ").title(),
        legal_basis=LegalBasis(document_number=f"12/KH-UBND-{year}", document_date=dt.date(year, 1, 5)),
        fields=FIELDS, submission_opens_at=dt.datetime(year, 1, 15, tzinfo=dt.UTC),
        submission_closes_at=dt.datetime(year, 9, 25, tzinfo=dt.UTC),
        evaluation_deadline=dt.date(year, 10, 10), recognition_deadline=dt.date(year, 10, 20),
        nomination_deadline=dt.date(year, 10, 31), max_nominations=NOMINATIONS, expected_units=UNITS,
    )
    return [_Planned((year, 0, rng.random()), commune, launched, 1, people.secretary), *body, *tail]


CAMPAIGN_EVENTS = 2500
"""Events of one commune's campaign of a year, at most, where the stream is larger than 20 communes' two years of
that: a campaign of ~170 initiatives. Beyond that more communes take part (a million events: 200 communes), as in a
city's or a province's record; a commune's campaign does not grow to tens of thousands of initiatives."""


def commune_names(count: int) -> list[str]:
    """The first `count` communes: the twenty names, then numbered ones (`ninh-giang-2`, ...)."""
    return [COMMUNES[k % len(COMMUNES)] + (f"-{k // len(COMMUNES) + 1}" if k >= len(COMMUNES) else "")
            for k in range(count)]


def reporting_stream(count: int, communes: int | None = None) -> list[EventEnvelope]:
    """`count` envelopes: the campaigns of `communes` communes (by default twenty, more when the stream is larger
    than twenty communes' campaigns of `CAMPAIGN_EVENTS`) over two years, in recording order."""
    if communes is None:
        communes = max(len(COMMUNES), -(-count // (len(YEARS) * CAMPAIGN_EVENTS)))
    communes = max(1, min(communes, count // (2 * 50) or 1))
    campaigns = [(commune, year) for year in YEARS for commune in commune_names(communes)]
    rng = random.Random(SEED)
    base, extra = divmod(count, len(campaigns))
    planned: list[_Planned] = []
    for index, (commune, year) in enumerate(campaigns):
        budget = base + (1 if index < extra else 0)
        if budget:
            planned += _campaign(rng, commune, year, budget, first_number=1 + index * 100_000)
    planned.sort(key=lambda p: p.order)
    envelopes: list[EventEnvelope] = []
    per_year = Counter(p.order[0] for p in planned)
    seen: Counter[int] = Counter()
    for p in planned[:count]:
        year = p.order[0]
        at = dt.datetime(year, 1, 10, tzinfo=dt.UTC) + dt.timedelta(days=330) * seen[year] / per_year[year]
        seen[year] += 1
        # Built inside a span, as a command handler does, so that each event carries a trace context.
        with _tracer.start_as_current_span("bench command"):
            envelopes.append(make_envelope(p.payload, commune_id=p.commune, version=p.version, actor=p.actor,
                                           occurred_at=at, correlation_id=new_id()))
    return envelopes


async def publish(env: Environment, settings: Settings, envelopes: list[EventEnvelope]) -> list[StoredEvent]:
    """Publish with `publish_async`, a chunk of acknowledgements in flight at a time (untimed)."""
    stored: list[StoredEvent] = []
    for start in range(0, len(envelopes), PUBLISH_CHUNK):
        chunk = envelopes[start:start + PUBLISH_CHUNK]
        subjects = [event_subject(settings.subject_prefix, e) for e in chunk]
        futures = [
            await env.js.publish_async(subject, e.to_json(), stream=settings.stream_name, headers=e.header_fields())
            for subject, e in zip(subjects, chunk, strict=True)
        ]
        acks = await asyncio.gather(*futures)
        stored += [StoredEvent(e, ack.seq, s) for e, ack, s in zip(chunk, acks, subjects, strict=True)]
    info = await env.js.stream_info(settings.stream_name)
    if info.state.messages != len(envelopes):
        raise RuntimeError(f"stream holds {info.state.messages} events, {len(envelopes)} published")
    stored.sort(key=lambda event: event.stream_seq)
    return stored


# -- the measurement ------------------------------------------------------------------------
@dataclass
class _Projection:
    name: str
    event_types: tuple[str, ...]
    expected: int
    """Events of the stream whose type it declares: what its filtered consumer delivers."""
    measurement: Measurement
    rebuild_s: list[float] = field(default_factory=list)
    indexes_s: list[float] = field(default_factory=list)
    delivered: int = 0
    documents: dict[str, int] = field(default_factory=dict)
    parked: int = 0
    parked_errors: list[str] = field(default_factory=list)
    last_error: str | None = None


class ReportingBench:
    def __init__(self, env: Environment, events: int, rounds: int, diagnostics: bool) -> None:
        self.env = env
        self.events = events
        self.rounds = rounds
        self.diagnostics = diagnostics
        self.lines: list[str] = []
        """Printed between the title and the table: the stream and the runtime."""
        self.notes: list[str] = []
        self.raw_us = 0.0

    async def run(self) -> tuple[list[Row], list[Row]]:
        settings = (await self.env.provision("rep")).model_copy(update={"service_name": SERVICE})
        started = time.perf_counter()
        envelopes = reporting_stream(self.events)
        built = time.perf_counter()
        stored = await publish(self.env, settings, envelopes)
        published = time.perf_counter()
        by_type = Counter(e.event_type for e in envelopes)
        communes = len({e.commune_id for e in envelopes})
        mix = ", ".join(f"{t} {n:,}" for t, n in by_type.most_common())
        self.lines.append(f"  stream  : {len(stored):,} events of {communes} communes × {len(YEARS)} years "
                          f"(built in {built - started:.1f}s, published untimed in {published - built:.1f}s)")
        self.lines.append(f"            {mix}")

        runtime = build_runtime(settings, run_projections=False)
        await runtime.start()
        try:
            return await self._measure(runtime, settings, stored, by_type)
        finally:
            await runtime.stop()

    async def _measure(self, runtime: ServiceRuntime, settings: Settings, stored: list[StoredEvent],
                       by_type: Counter[str]) -> tuple[list[Row], list[Row]]:
        runners = list(runtime.runners.values())
        batch = settings.projection_batch_size
        names = ", ".join(f"{r.projection.name} ({len(r.projection.event_types)} types)" for r in runners) or "none"
        self.lines.append(f"  runtime : reporting build_runtime(): {len(runners)} projection(s): {names}; "
                          f"batch_size={batch}")
        raw = Measurement(f"raw      bulk_write UpdateOne upserts, 1/event, {batch}/batch, tx + checkpoint",
                          len(stored))
        projections = []
        for r in runners:
            # A projection without event types reads every subject (the event audit): the whole stream.
            received = sum(by_type[t] for t in set(r.projection.event_types)) if r.projection.event_types \
                else len(stored)
            label = f"rebuild  {r.projection.name}: rebuild() + run_until_caught_up()"
            projections.append(_Projection(r.projection.name, tuple(r.projection.event_types), received,
                                           Measurement(label, received)))
        total = Measurement("rebuild  all projections one after the other: events received / wall",
                            sum(p.expected for p in projections))
        apart = Measurement("rebuild  all at once, a process each (`reform-reporting rebuild all`): events received "
                            "/ wall", total.events)
        walls: list[float] = []
        raw_ops = self._raw_ops(stored)
        limit_s = max(600.0, len(stored) / 50)
        for r in range(self.rounds):
            await self._raw(runtime, raw_ops, batch, raw, r)
            wall_started = time.perf_counter()
            for runner, projection in zip(runners, projections, strict=True):
                await self._rebuild(runtime, runner, projection, limit_s)
            walls.append(time.perf_counter() - wall_started)
        total.seconds = walls
        for runner, projection in zip(runners, projections, strict=True):
            await self._inspect(runtime, runner, projection)
        if len(runners) > 1:
            # What the operator's command does: each projection rebuilt in a process of its own, at once. Then the
            # same inspection: the documents must equal those of the rebuilds one after the other.
            one_after_the_other = [dict(p.documents) for p in projections]
            for _ in range(self.rounds):
                with Stopwatch() as sw:
                    report, failed = await asyncio.to_thread(rebuild_projections, build_runtime, settings,
                                                             [r.projection.name for r in runners])
                apart.seconds.append(sw.seconds)
                if failed:
                    self.notes.append(f"rebuild all at once FAILED for {', '.join(failed)}: {report}")
            for runner, projection, documents in zip(runners, projections, one_after_the_other, strict=True):
                await self._inspect(runtime, runner, projection)
                if projection.documents != documents:
                    self.notes.append(f"rebuild all at once: {projection.name} holds {projection.documents}, "
                                      f"one after the other {documents} — EXPECTED equal")

        self.raw_us = raw.per_event_us
        main = [Row(raw, is_baseline=True)]
        main += [Row(p.measurement, raw, AIM) for p in projections if p.expected]
        if len(runners) > 1:
            main.append(Row(total, raw, AIM))
            main.append(Row(apart, raw, AIM))
        for p in projections:
            self.notes.append(self._describe(p, by_type))
        if runners:
            wall = statistics.median(walls)
            self.notes.append(f"total wall time of the rebuild of all {len(runners)} projection(s): {wall:.1f}s for "
                              f"{len(stored):,} stream events = {len(stored) / wall:,.0f} stream events/s")
        extra: list[Row] = []
        if self.diagnostics:
            for runner, projection in zip(runners, projections, strict=True):
                if projection.expected:
                    try:
                        extra += await self._diagnose(runtime, runner, projection, stored)
                    except PyMongoError as exc:  # the breakdown is extra: the measured table is printed anyway
                        self.notes.append(f"breakdown of {projection.name} not measured: {exc!r}")
        return main, extra

    @staticmethod
    def _raw_ops(stored: list[StoredEvent]) -> list[UpdateOne]:
        return [
            UpdateOne({"_id": f"{e.envelope.commune_id}:{e.envelope.aggregate_type}:{e.envelope.aggregate_id}"},
                      {"$set": {"event_type": e.envelope.event_type, "seq": e.stream_seq,
                                "occurred_at": e.envelope.occurred_at}}, upsert=True)
            for e in stored
        ]

    async def _raw(self, runtime: ServiceRuntime, ops: list[UpdateOne], batch: int, into: Measurement,
                   round_: int) -> None:
        """The baseline, in the runtime's own database (its collections dropped afterwards)."""
        assert runtime.db is not None
        client = self.env.mongo
        db = client[runtime.db.name]  # the bench's own client, on the runtime's database
        target, checkpoints = f"bench_raw_{round_}", f"bench_raw_checkpoints_{round_}"
        await db.create_collection(target)
        await db.create_collection(checkpoints)
        with Stopwatch() as sw:
            for start in range(0, len(ops), batch):
                checkpoint = UpdateOne({"_id": "raw"}, {"$set": {"seq": start + batch,
                                                                 "updated_at": dt.datetime.now(dt.UTC)}}, upsert=True)
                async with client.start_session() as session, await session.start_transaction():
                    await db[target].bulk_write(ops[start:start + batch], ordered=True, session=session)
                    await db[checkpoints].bulk_write([checkpoint], session=session)
        into.seconds.append(sw.seconds)
        await db[target].drop()
        await db[checkpoints].drop()

    async def _rebuild(self, runtime: ServiceRuntime, runner: ProjectionRunner, projection: _Projection,
                       limit_s: float) -> None:
        assert runtime.js is not None
        caught_up = runner._caught_up
        indexes = [0.0]

        async def timed_caught_up() -> None:  # builds the indexes once a rebuild has caught up
            started = time.perf_counter()
            await caught_up()
            indexes[0] += time.perf_counter() - started

        runner._caught_up = timed_caught_up  # type: ignore[method-assign]
        try:
            with Stopwatch() as sw:
                await runner.rebuild()
                rebuilt = time.perf_counter()
                await runner.run_until_caught_up(timeout=limit_s)
        finally:
            del runner._caught_up  # back to the class's method
        projection.measurement.seconds.append(sw.seconds)
        projection.indexes_s.append(indexes[0])
        projection.rebuild_s.append(rebuilt - sw.started)
        info = await runtime.js.consumer_info(runtime.settings.stream_name, runner.consumer)
        projection.delivered = info.delivered.consumer_seq or 0

    async def _inspect(self, runtime: ServiceRuntime, runner: ProjectionRunner, projection: _Projection) -> None:
        assert runtime.db is not None
        for collection in runner.projection.collections:
            projection.documents[collection] = await runtime.db[collection].count_documents({})
        query = {"projection": runner.projection.name}
        projection.parked = await runtime.db[PARKED].count_documents(query)
        async for doc in runtime.db[PARKED].find(query).sort("stream_seq", 1).limit(3):
            projection.parked_errors.append(f"#{doc.get('stream_seq')} {doc.get('event_type')}: "
                                            f"{doc.get('error_kind')} {str(doc.get('error'))[:200]}")
        projection.last_error = runner.last_error
        checkpoint = await runtime.db[CHECKPOINTS].find_one({"_id": runner.projection.name})
        if projection.expected and checkpoint is None:
            projection.last_error = (projection.last_error or "") + " no checkpoint written"

    def _describe(self, p: _Projection, by_type: Counter[str]) -> str:
        present = [t for t in p.event_types if by_type[t]]
        docs = ", ".join(f"{c} {n:,}" for c, n in p.documents.items())
        parts = [f"{p.name}: received {p.expected:,} of the stream's events ({len(present)} of its "
                 f"{len(p.event_types)} declared types occur)"]
        if p.delivered != p.expected:
            parts.append(f"consumer delivered {p.delivered:,} (redeliveries or a short stream?)")
        parts.append(f"rebuild() itself {statistics.median(p.rebuild_s):.2f}s, building the indexes once caught up "
                     f"{statistics.median(p.indexes_s):.2f}s (included)")
        parts.append(f"documents: {docs}")
        parts.append(f"parked: {p.parked}" + ("" if p.parked == 0 else " — EXPECTED 0: " + "; ".join(p.parked_errors)))
        if p.last_error:
            parts.append(f"last error: {p.last_error}")
        return "; ".join(parts)

    async def _diagnose(self, runtime: ServiceRuntime, runner: ProjectionRunner, projection: _Projection,
                        stored: list[StoredEvent]) -> list[Row]:
        """Where the time of one projection goes: its client CPU, its own writes alone, NATS alone."""
        assert runtime.db is not None and runtime.js is not None
        name = runner.projection.name
        types = set(projection.event_types)
        mine = [e for e in stored if e.envelope.event_type in types] if types else list(stored)
        bodies = [e.envelope.to_json() for e in mine]
        registry = runtime.registry
        size = runner.catch_up_batch_size
        cpu = Measurement(f"cpu      {name}: registry.parse + apply + plan, batches of {size:,} from empty", len(mine))
        planner = WritePlanner()
        planner.start_from_empty(runner.projection.collections)
        batches: list[dict[str, list[MongoOp]]] = []
        with Stopwatch() as sw:  # what the runner computes while catching up (one span per batch, not per event)
            for start in range(0, len(mine), size):
                chunk = zip(bodies[start:start + size], mine[start:start + size], strict=True)
                writes = [write for body, event in chunk for write in runner.projection.apply(
                    StoredEvent(registry.parse(body), event.stream_seq, event.subject))]
                batches.append(planner.plan((write.collection, write.op) for write in writes))
        cpu.seconds.append(sw.seconds)
        planned: Counter[str] = Counter()
        for by_collection in batches:
            planned.update({collection: len(ops) for collection, ops in by_collection.items()})
        inserts = sum(isinstance(op, InsertOne) for b in batches for ops in b.values() for op in ops)
        count = sum(planned.values())
        cpu.note = (f"{name} plans {count / len(mine):.2f} writes per event, {inserts:,} of them inserts "
                    f"({', '.join(f'{c} {n:,}' for c, n in planned.most_common())}); the raw baseline 1 upsert")

        # Those writes, batch by batch as the runner commits them, in a scratch database.
        db = self.env.mongo[f"{runtime.db.name}_diag"]
        client = self.env.mongo
        db_only = Measurement(f"db       {name}: its planned writes, bulk_write per collection, tx + checkpoint",
                              len(mine))
        with Stopwatch() as sw:
            for index, by_collection in enumerate(batches):
                checkpoint = UpdateOne({"_id": name}, {"$set": {"seq": index, "updated_at": dt.datetime.now(dt.UTC)}},
                                       upsert=True)
                async with client.start_session() as session, await session.start_transaction():
                    for collection, ops in by_collection.items():
                        await db[collection].bulk_write(ops, ordered=True, session=session)
                    await db[CHECKPOINTS].bulk_write([checkpoint], session=session)
        db_only.seconds.append(sw.seconds)
        await client.drop_database(db.name)
        # NATS alone: the same filtered consumer from the start, fetch + ack.
        js, stream = runtime.js, runtime.settings.stream_name
        config = dataclasses.replace(runner.consumer_config(), durable_name=f"benchnats-{uuid.uuid4().hex[:8]}",
                                     deliver_policy=DeliverPolicy.ALL, opt_start_seq=None)
        batch = size
        nats_only = Measurement(f"nats     {name}: fetch({batch:,}) + ack each, same filtered consumer", len(mine))
        with Stopwatch() as sw:
            await js.add_consumer(stream, config)
            sub = await js.pull_subscribe_bind(config.durable_name or "", stream=stream)
            seen = 0
            while seen < len(mine):
                msgs = await sub.fetch(batch, timeout=5.0)
                for msg in msgs:
                    _ = msg.metadata.sequence.stream
                    await msg.ack()
                seen += len(msgs)
        nats_only.seconds.append(sw.seconds)
        await sub.unsubscribe()
        await js.delete_consumer(stream, config.durable_name or "")
        if db_only.rate:
            share = projection.measurement.rate / db_only.rate
            serial_s = (nats_only.median_seconds + cpu.median_seconds + db_only.median_seconds
                        + statistics.median(projection.indexes_s))
            serial = len(mine) / serial_s
            db_only.note = (f"the rebuild of {name} runs at {share:.0%} of the rate of its planned writes alone, "
                            f"and at {projection.measurement.rate / serial:.0%} of what fetching, computing, writing "
                            f"and building the indexes one after the other would give ({serial:,.0f}/s): the next "
                            f"batch is fetched and prepared while one commits")

        return [Row(cpu), Row(db_only), Row(nats_only)]
