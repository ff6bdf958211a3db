"""Who may do what on a node's NATS: one identity per service, allowed only what that service does.

Each service publishes the subjects of the aggregates it owns (`<prefix>.<commune>.<aggregate>.>`: a
JetStream publish is a plain publish the stream captures, its PubAck comes back on an `_INBOX.` reply),
the node's operational events (a projection parked an event), its own idempotency records
(`$KV.<bucket>.<service>.>`), and of the JetStream API only what its store, its projections' durable consumers
and its buckets need. Reading the stream is open to every
service (aggregates are loaded through short-lived consumers, projections read other services' events);
using another service's durable consumer is not: its name is denied in every consumer subject
(`$JS.API.CONSUMER.<op>.<stream>.<durable>`, `...MSG.NEXT...`, `$JS.ACK.<stream>.<durable>.>`).

The node's operator identity (provisioning, the keeper, `reform-node` commands, backups) has no such
limits: it creates streams, consumers and buckets. Nothing connects anonymously.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import nkeys

from reform_shared.audit import AUDIT
from reform_shared.provisioning import NOTIFICATIONS_CONSUMER
from reform_shared.settings import Settings

OWNED_AGGREGATES: dict[str, tuple[str, ...]] = {
    "submission": ("campaign", "initiative", "title"),
    "evaluation": ("council", "evaluation", "scoresheet", "slate", "cityappraisal"),
    "awards": ("par", "award", "basis", "awardrules", "quota"),
    "directory": ("directory", "profile"),
    "replication": ("adoption", "catalogue"),
    "reporting": (),
    "identity": (),
    "notifications": (),
}
"""The aggregate types whose events each service appends (shared/reform_shared/events/*): nobody else may."""
FILE_AGGREGATES: dict[str, tuple[str, ...]] = {"replication": ("catalogfile",)}
"""The aggregate types a service appends under the node's files prefix (`reform-files`, Settings.files_prefix): the
catalogue's documents in transit, outside the subjects of events (reform_replication.application.files)."""

PROJECTIONS: dict[str, tuple[str, ...]] = {
    "submission": ("dossiers",),
    "evaluation": ("board", "city"),
    "awards": ("awards",),
    "directory": ("directory",),
    "reporting": ("pipeline", AUDIT),
    "identity": ("identity_directory_view",),
    "notifications": (),
    "replication": ("replication",),
}
"""The projections each service runs (its bootstrap): their durable consumers are its own."""

OBJECT_BUCKET_WRITERS = ("submission",)
"""The service that writes the attachments' object store (and reads it)."""
OBJECT_BUCKET_READERS = ("replication",)
"""The services that only read it (the PAR evidence pack holds the recognised initiatives' files)."""

SERVICES = tuple(OWNED_AGGREGATES)


def durables(service: str) -> list[str]:
    """The durable consumers of a service: `<service>-<projection>` (ProjectionRunner), and notifications'."""
    own = [f"{service}-{name}".replace(".", "_") for name in PROJECTIONS[service]]
    return own + ([NOTIFICATIONS_CONSUMER] if service == "notifications" else [])


@dataclass(frozen=True)
class Scope:
    """The names a node's permissions are written with (from the node's settings)."""

    prefix: str
    stream: str
    kv_bucket: str
    object_bucket: str

    @classmethod
    def of(cls, settings: Settings) -> Scope:
        return cls(settings.subject_prefix, settings.stream_name, settings.idempotency_bucket,
                   settings.attachments_bucket)


def _consumers_of(stream: str, own: list[str], *, unnamed: bool = False) -> list[str]:
    """Short-lived consumers on `stream` (named in the subject: nats-py names them) and the service's own durables.

    The unnamed `CONSUMER.CREATE.<stream>` carries the consumer's name in its body only, where no subject
    permission sees it: through it a service rewrote another service's durable (its filters). It is allowed
    only where no other service has a consumer (`unnamed`: the attachments' object store)."""
    api = "$JS.API.CONSUMER"
    return [*([f"{api}.CREATE.{stream}"] if unnamed else []), f"{api}.CREATE.{stream}.>", f"{api}.INFO.{stream}.*",
            f"{api}.DELETE.{stream}.*", f"{api}.MSG.NEXT.{stream}.*",
            *[f"{api}.DURABLE.CREATE.{stream}.{d}" for d in own],
            *[s for d in own for s in (f"$JS.ACK.{stream}.{d}.>", f"$JS.ACK.*.*.{stream}.{d}.>")]]


def _foreign(stream: str, others: list[str]) -> list[str]:
    return [s for d in others for s in (f"$JS.API.CONSUMER.*.{stream}.{d}", f"$JS.API.CONSUMER.*.{stream}.{d}.>",
                                         f"$JS.API.CONSUMER.*.*.{stream}.{d}", f"$JS.ACK.{stream}.{d}.>",
                                         f"$JS.ACK.*.*.{stream}.{d}.>")]


def _reads(stream: str) -> list[str]:
    return [f"$JS.API.STREAM.INFO.{stream}", f"$JS.API.STREAM.MSG.GET.{stream}", f"$JS.API.DIRECT.GET.{stream}",
            f"$JS.API.DIRECT.GET.{stream}.>"]


def service_permissions(service: str, scope: Scope) -> dict[str, Any]:
    """The `permissions` of a service's user in nats-server's config."""
    p, s = scope.prefix, scope.stream
    own = durables(service)
    others = [d for name in SERVICES if name != service for d in durables(name)]
    publish = [f"{p}.*.{aggregate}.>" for aggregate in OWNED_AGGREGATES[service]]
    publish += [f"{p}-files.*.{aggregate}.>" for aggregate in FILE_AGGREGATES.get(service, ())]
    publish += [f"{p}-ops.*.projection.>", "$JS.API.INFO", "$JS.API.STREAM.NAMES", *_reads(s), *_consumers_of(s, own)]
    kv = f"KV_{scope.kv_bucket}"
    publish += [f"$KV.{scope.kv_bucket}.{service}.>", *_reads(kv)]  # its own records only (idempotency.py)
    if service in OBJECT_BUCKET_WRITERS + OBJECT_BUCKET_READERS:
        obj = f"OBJ_{scope.object_bucket}"
        publish += [*_reads(obj), *_consumers_of(obj, [], unnamed=True), f"$JS.FC.{obj}.>"]
        if service in OBJECT_BUCKET_WRITERS:
            publish += [f"$O.{scope.object_bucket}.>", f"$JS.API.STREAM.PURGE.{obj}"]
    return {"publish": {"allow": publish, "deny": _foreign(s, others)}, "subscribe": {"allow": ["_INBOX.>"]}}


def user_entry(public_key: str, permissions: Mapping[str, Any] | None) -> str:
    """One `users` entry of nats-server's config: an NKEY user (challenge signed with its seed)."""
    entry = f"{{ nkey: {public_key}"
    if permissions is not None:
        entry += f", permissions: {json.dumps(permissions)}"
    return entry + " }"


def service_users(public_keys: Mapping[str, str], scope: Scope) -> list[str]:
    """The services' users of a node, one per service in `public_keys` (service -> NKEY public key)."""
    return [f"# {service}\n      " + user_entry(key, service_permissions(service, scope))
            for service, key in public_keys.items()]


def new_user_seed() -> str:
    """A fresh NKEY user seed (`SU...`): the identity of one service."""
    from nacl.signing import SigningKey  # pynacl, which nkeys (nats-py[nkeys]) depends on

    return str(nkeys.encode_seed(bytes(SigningKey.generate()), nkeys.PREFIX_BYTE_USER).decode())


def public_key(seed: str) -> str:
    """The NKEY public key (`U...`) of a user seed: what the server's config names."""
    return str(nkeys.from_seed(seed.strip().encode()).public_key.decode())


def connect_options(settings: Settings) -> dict[str, Any]:
    """nats.connect's keyword arguments for the process's identity: an NKEY seed file or a creds file
    (REFORM_NATS_NKEY_SEED_FILE / REFORM_NATS_CREDS), or nothing (a user and password in the URL)."""
    if settings.nats_creds is not None:
        return {"user_credentials": str(settings.nats_creds)}
    if settings.nats_nkey_seed_file is not None:
        return {"nkeys_seed": str(settings.nats_nkey_seed_file)}
    return {}


def redact(url: str) -> str:
    """The URL without its password, fit for a log line (each of a comma-separated list of servers)."""
    if "," in url:
        return ",".join(redact(server.strip()) for server in url.split(",") if server.strip())
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def nkey_variable(service: str, scope_name: str = "") -> str:
    """The environment variable a deployed server reads a service's NKEY public key from: NKEY_SUBMISSION
    on a commune node, CITY_NKEY_SUBMISSION on the city hub."""
    return f"{scope_name}NKEY_{service.upper()}"


def env_service_users(scope: Scope, scope_name: str = "") -> list[str]:
    """The services' users with their public keys as unquoted $ENV references (deploy/nats)."""
    return service_users({s: f"${nkey_variable(s, scope_name)}" for s in SERVICES}, scope)


COMMUNE_SCOPE = Scope(prefix="reform", stream="REFORM_EVENTS", kv_bucket="REFORM_IDEMPOTENCY",
                      object_bucket="REFORM_ATTACHMENTS")
CITY_SCOPE = Scope(prefix="city", stream="CITY_EVENTS", kv_bucket="REFORM_IDEMPOTENCY",
                   object_bucket="REFORM_ATTACHMENTS")


def commune_accounts() -> str:
    """The `accounts` block of a deployed commune node (deploy/nats/commune-accounts.conf): the operator `reform`
    ($REFORM_NATS_PASSWORD) and one NKEY user per service ($NKEY_<SERVICE>), all in account REFORM, which the
    leafnode remote binds to the node's account at the hub."""
    users = ["{ user: reform, password: $REFORM_NATS_PASSWORD }", *env_service_users(COMMUNE_SCOPE)]
    return ("accounts {\n  REFORM {\n    jetstream: enabled\n    users: [\n      "
            + "\n      ".join(users) + "\n    ]\n  }\n}\n")
