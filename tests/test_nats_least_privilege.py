"""A node's NATS against real connections: nothing anonymous, each service writes only its own aggregates'
subjects, uses only its own consumers and buckets (reform_shared.nats_auth), identities kept in the data folder."""

from __future__ import annotations

import asyncio
import json
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.errors import Error as NatsError
from nats.js.errors import NotFoundError

from reform_node.node import CommuneNode, NodeConfig
from reform_node.restore import matches
from reform_node.servers import free_port
from reform_shared.events import build_registry
from reform_shared.nats_auth import PROJECTIONS, Scope, connect_options, durables, service_permissions
from reform_shared.nats_auth import SERVICES as NATS_SERVICES
from reform_shared.provisioning import NOTIFICATIONS_CONSUMER
from reform_shared.restores import NODE_SCOPE, last_restore, mark_restored
from reform_shared.settings import Settings
from reform_shared.store import JetStreamEventStore
from tests.support import submitted

pytestmark = pytest.mark.system

COMMUNE = "ninh-giang"


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommuneNode]:
    config = NodeConfig(data_dir=tmp_path_factory.mktemp("least-privilege"), nats_port=free_port(),
                        nats_http_port=free_port(), service_ports={})
    commune = CommuneNode(config)
    commune.start_nats()
    commune.provision()
    yield commune
    commune.stop()


async def _connect(node: CommuneNode, service: str) -> tuple[Any, list[Exception]]:
    errors: list[Exception] = []

    async def collect(exc: Exception) -> None:
        errors.append(exc)

    settings = node.config.settings(service)
    nc = await nats.connect(settings.nats_url, error_cb=collect, allow_reconnect=False,
                            **connect_options(settings))
    return nc, errors


def refusals(errors: list[Exception], subject: str) -> bool:
    """The server answered a permissions violation for `subject` (nats-py reports it in lower case)."""
    return any(f'permissions violation for publish to "{subject}' in str(e).lower() for e in errors)


async def _in_stream(node: CommuneNode, subject: str) -> bool:
    nc = await nats.connect(node.config.nats_url)
    try:
        await nc.jetstream().get_last_msg(node.config.stream_name, subject)
        return True
    except NotFoundError:
        return False
    finally:
        await nc.close()


def test_nothing_connects_anonymously_or_with_a_wrong_password(node: CommuneNode) -> None:
    async def attempt(url: str) -> str:
        try:
            nc = await nats.connect(url, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=2)
        except Exception as exc:  # noqa: BLE001 - the refusal is what is asserted
            return str(exc)
        await nc.close()
        return "connected"

    port = node.config.nats_port
    assert "authorization violation" in asyncio.run(attempt(f"nats://127.0.0.1:{port}")).lower()
    assert "authorization violation" in asyncio.run(attempt(f"nats://operator:wrong@127.0.0.1:{port}")).lower()
    assert "no_auth_user" not in (node.config.data_dir / "nats" / "nats-server.conf").read_text()


def test_a_service_writes_its_own_aggregates_and_not_anothers(node: CommuneNode) -> None:
    async def scenario() -> tuple[str, str, list[Exception]]:
        own = submitted(title="Sáng kiến của dịch vụ tiếp nhận", commune=COMMUNE)
        forged = submitted(title="Sáng kiến do dịch vụ khác ghi", commune=COMMUNE)
        submission, _ = await _connect(node, "submission")
        evaluation, errors = await _connect(node, "evaluation")
        try:
            store = JetStreamEventStore(submission.jetstream(timeout=5), build_registry(), "REFORM_EVENTS", "reform")
            await store.append(await store.load(COMMUNE, "initiative", own.aggregate_id), [own])
            rogue = JetStreamEventStore(evaluation.jetstream(timeout=2), build_registry(), "REFORM_EVENTS", "reform")
            with pytest.raises(Exception):  # noqa: B017 - no PubAck ever comes: the server dropped it
                await rogue.append(await rogue.load(COMMUNE, "initiative", forged.aggregate_id), [forged])
        finally:
            await submission.close()
            await evaluation.close()
        return own.aggregate_id, forged.aggregate_id, errors

    own, forged, errors = asyncio.run(scenario())
    assert asyncio.run(_in_stream(node, f"reform.{COMMUNE}.initiative.{own}.*"))
    assert not asyncio.run(_in_stream(node, f"reform.{COMMUNE}.initiative.{forged}.*"))
    assert refusals(errors, f"reform.{COMMUNE}.initiative.{forged}"), errors


def test_only_the_operator_marks_a_restore_and_the_notifications_service_reads_it(node: CommuneNode) -> None:
    """The restore's marker decides what is never e-mailed: written by the node's operator (`reform-node
    restore`), read by the notifications service, and no service may forge one (it would silence the e-mails)."""
    subject = f"reform-ops.{NODE_SCOPE}.node.restores.NodeRestored"
    scope = Scope.of(node.config.settings())
    for service in NATS_SERVICES:
        allowed = service_permissions(service, scope)["publish"]["allow"]
        assert not [p for p in allowed if matches(subject, p)], service

    def ops(nc: Any, timeout: float) -> JetStreamEventStore:
        return JetStreamEventStore(nc.jetstream(timeout=timeout), build_registry(), "REFORM_EVENTS", "reform-ops")

    async def scenario() -> tuple[Any, Any, list[Exception]]:
        operator = await nats.connect(node.config.nats_url)
        notifications, _ = await _connect(node, "notifications")
        reporting, errors = await _connect(node, "reporting")
        try:
            marked = await mark_restored(ops(operator, 5), "REFORM_EVENTS", up_to_seq=1, file_sha256="ab" * 32)
            read = await last_restore(ops(notifications, 5))
            with pytest.raises(Exception):  # noqa: B017 - no PubAck ever comes: the server dropped it
                await mark_restored(ops(reporting, 2), "REFORM_EVENTS", up_to_seq=10**6, file_sha256="cd" * 32)
            return marked.envelope.payload, read, errors
        finally:
            for nc in (operator, notifications, reporting):
                await nc.close()

    marked, read, errors = asyncio.run(scenario())
    assert read == marked
    assert refusals(errors, subject.lower()), errors


def test_a_service_cannot_read_another_services_consumer(node: CommuneNode) -> None:
    async def scenario() -> tuple[int, list[Exception]]:
        operator = await nats.connect(node.config.nats_url)
        try:  # the notifications' consumer exists (provisioned); evaluation tries to take its messages
            js = operator.jetstream()
            event = submitted(commune=COMMUNE)
            await js.publish(f"reform.{COMMUNE}.initiative.{event.aggregate_id}.InitiativeSubmitted",
                             event.model_dump_json().encode(), headers={"Nats-Msg-Id": event.event_id})
        finally:
            await operator.close()
        evaluation, errors = await _connect(node, "evaluation")
        got = 0
        try:
            ejs = evaluation.jetstream(timeout=2)
            with pytest.raises(NatsError):
                await ejs.consumer_info(node.config.stream_name, NOTIFICATIONS_CONSUMER)
            with pytest.raises(NatsError):
                await ejs.delete_consumer(node.config.stream_name, NOTIFICATIONS_CONSUMER)
            # Nor rewrite it through the unnamed create, whose body names the consumer (its filter would change).
            hijack = {"stream_name": node.config.stream_name, "config": {
                "name": NOTIFICATIONS_CONSUMER, "ack_policy": "explicit", "filter_subject": "reform.nowhere.>"}}
            with pytest.raises(NatsError):
                await evaluation.request(f"$JS.API.CONSUMER.CREATE.{node.config.stream_name}",
                                         json.dumps(hijack).encode(), timeout=2)
            sub = await evaluation.subscribe(evaluation.new_inbox())
            await evaluation.publish(f"$JS.API.CONSUMER.MSG.NEXT.{node.config.stream_name}.{NOTIFICATIONS_CONSUMER}",
                                     b'{"batch": 10, "expires": 1000000000}', reply=sub.subject)
            with pytest.raises(NatsError):
                await sub.next_msg(timeout=2)
            got = sub.pending_msgs
        finally:
            await evaluation.close()
        return got, errors

    got, errors = asyncio.run(scenario())
    assert got == 0
    assert refusals(errors, "$js.api.consumer.msg.next.reform_events.notifications"), errors
    assert refusals(errors, "$js.api.consumer.create.reform_events"), errors
    info = asyncio.run(_consumer_pending(node, NOTIFICATIONS_CONSUMER))
    assert info >= 1  # still there, nothing taken
    assert asyncio.run(_consumer_filters(node, NOTIFICATIONS_CONSUMER)) == ["reform.>", "reform-ops.>"]


async def _consumer_pending(node: CommuneNode, durable: str) -> int:
    nc = await nats.connect(node.config.nats_url)
    try:
        info = await nc.jetstream().consumer_info(node.config.stream_name, durable)
        return int(info.num_pending or 0) + int(info.num_ack_pending or 0)
    finally:
        await nc.close()


async def _consumer_filters(node: CommuneNode, durable: str) -> list[str]:
    nc = await nats.connect(node.config.nats_url)
    try:
        config = (await nc.jetstream().consumer_info(node.config.stream_name, durable)).config
        return list(config.filter_subjects or [config.filter_subject or ""])
    finally:
        await nc.close()


def test_buckets_are_open_to_their_users_only(node: CommuneNode) -> None:
    async def scenario() -> list[Exception]:
        submission, _ = await _connect(node, "submission")
        reporting, errors = await _connect(node, "reporting")
        try:
            kv = await submission.jetstream(timeout=5).key_value("REFORM_IDEMPOTENCY")
            await kv.put("submission.kprobe", b"first")  # its own records (JetStreamRecordBucket's scope)
            planted = await reporting.jetstream(timeout=2).key_value("REFORM_IDEMPOTENCY")
            with pytest.raises(Exception):  # noqa: B017 - no PubAck: the server dropped the put
                await planted.put("submission.kprobe", b"a forged first answer")
            assert (await kv.get("submission.kprobe")).value == b"first"
            attachments = await submission.jetstream(timeout=5).object_store("REFORM_ATTACHMENTS")
            await attachments.put("probe.txt", "minh chứng".encode())
            assert (await attachments.get("probe.txt")).data == "minh chứng".encode()
            with pytest.raises(Exception):  # noqa: B017 - refused by the server's permissions
                await reporting.jetstream(timeout=2).object_store("REFORM_ATTACHMENTS")
        finally:
            await submission.close()
            await reporting.close()
        return errors

    errors = asyncio.run(scenario())
    assert refusals(errors, "$js.api.stream.info.obj_reform_attachments"), errors
    assert refusals(errors, "$kv.reform_idempotency.submission.kprobe"), errors


def test_identities_are_kept_private_and_reused(node: CommuneNode) -> None:
    folder = node.config.data_dir / "nats-credentials"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = sorted(folder.iterdir())
    assert {f.name for f in files} >= {"operator-password", "submission.nk", "notifications.nk"}
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)
    assert stat.S_IMODE((node.config.data_dir / "nats" / "nats-server.conf").stat().st_mode) == 0o600
    again = NodeConfig(data_dir=node.config.data_dir)
    assert again.credentials.public_key("awards") == node.config.credentials.public_key("awards")
    seed = (folder / "awards.nk").read_text()
    assert seed.startswith("SU")
    assert seed.strip() not in (node.config.data_dir / "nats" / "nats-server.conf").read_text()


def test_a_rotated_key_works_after_a_reload_and_the_old_one_no_more(node: CommuneNode, tmp_path: Path) -> None:
    """Rotation as the README says: a new seed, the server's config written anew and reloaded (SIGHUP)."""
    old = tmp_path / "old.nk"
    old.write_text(node.config.credentials.seed_file("identity").read_text())
    new = node.config.credentials.rotate("identity")
    node.reload_nats()

    async def signs_in(seed: Path) -> bool:
        try:
            nc = await nats.connect(node.config.service_nats_url, nkeys_seed=str(seed), allow_reconnect=False,
                                    max_reconnect_attempts=0, connect_timeout=2)
        except Exception:  # noqa: BLE001 - refused
            return False
        await nc.close()
        return True

    deadline = time.monotonic() + 20
    while asyncio.run(signs_in(old)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not asyncio.run(signs_in(old))
    assert asyncio.run(signs_in(new))


def test_the_permissions_name_every_projection_a_service_runs() -> None:
    from reform_awards.bootstrap import build_runtime as awards
    from reform_directory.bootstrap import build_runtime as directory
    from reform_evaluation.bootstrap import build_runtime as evaluation
    from reform_identity.bootstrap import build_runtime as identity
    from reform_notifications.bootstrap import build_runtime as notifications
    from reform_replication.bootstrap import build_runtime as replication
    from reform_reporting.bootstrap import build_runtime as reporting
    from reform_submission.bootstrap import build_runtime as submission

    builders = {"awards": awards, "directory": directory, "evaluation": evaluation, "identity": identity,
                "reporting": reporting, "submission": submission, "notifications": notifications,
                "replication": replication}
    for service, build in builders.items():
        runtime = build(Settings(service_name=service), run_projections=False)
        assert sorted(p.name for p in runtime._projections) == sorted(PROJECTIONS[service]), service
    assert durables("notifications") == [NOTIFICATIONS_CONSUMER]
    assert durables("reporting") == ["reporting-pipeline", "reporting-event_audit"]


def test_every_aggregate_has_one_owner_and_every_service_an_identity() -> None:
    """A new aggregate type or a new service must be given its place in reform_shared.nats_auth, or its
    events are refused on every node (their publish has no allow)."""
    import importlib
    import inspect
    import pkgutil

    import reform_shared.events as events
    from reform_node.node import SERVICES as NODE_SERVICES
    from reform_shared.nats_auth import FILE_AGGREGATES, OWNED_AGGREGATES, SERVICES

    types = set()
    for module in pkgutil.iter_modules(events.__path__):
        loaded = importlib.import_module(f"{events.__name__}.{module.name}")
        types |= {cls.aggregate_type for _, cls in inspect.getmembers(loaded, inspect.isclass)
                  if isinstance(getattr(cls, "aggregate_type", None), str) and cls.__module__ == loaded.__name__}
    owned = [aggregate for owner in (OWNED_AGGREGATES, FILE_AGGREGATES) for aggregates in owner.values()
             for aggregate in aggregates]  # the catalogue's files under <prefix>-files
    # Under <prefix>-ops: the parked notices (every service), the restores (the node's operator alone, no service).
    assert sorted(owned) == sorted(types - {"projection", "node"})
    assert set(SERVICES) == set(NODE_SERVICES) - {"portal"}  # the portal never connects to NATS
