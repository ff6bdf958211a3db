"""The city hub's `accounts { ... }` block for nats-server: the CITY account and one account per commune node,
with the imports and exports the federation's JetStream sources need (reform_shared.federation) and a leaf user
per node that may publish nothing into the hub."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from reform_shared.federation import CITY_PREFIX, COMMUNE_PREFIX, FILES, FederatedNode, FederationConfig, city_filters


def _secret(value: str | None, env: str) -> str:
    """A literal (quoted) password, or an unquoted $ENV reference nats-server resolves at start."""
    return json.dumps(value) if value is not None else f"${env}"


def leaf_user(node: FederatedNode) -> str:
    return f"leaf-{node.node_id}"


LEAF_DENIED = [
    # The node may use its hub account's JetStream only as its streams' sources need (consumers,
    # info, flow control); streams there are the city's to create, change or delete.
    "$JS.*.API.STREAM.CREATE.>", "$JS.*.API.STREAM.UPDATE.>", "$JS.*.API.STREAM.DELETE.>",
    "$JS.*.API.STREAM.PURGE.>", "$JS.*.API.STREAM.MSG.DELETE.>", "$JS.*.API.STREAM.RESTORE.>",
    "$JS.API.>",
    # Events travel by JetStream sources only, never as plain publishes into the hub.
    f"{COMMUNE_PREFIX}.>", f"{CITY_PREFIX}.>", f"{COMMUNE_PREFIX}{FILES}.>", f"{CITY_PREFIX}{FILES}.>",
]


def hub_accounts(cfg: FederationConfig, *, city_password: str | None = None,
                 leaf_passwords: Mapping[str, str] | None = None, city_users: Sequence[str] = (),
                 leaf_users: Mapping[str, str] | None = None) -> str:
    """The `accounts { ... }` block of the city hub. Passwords given are written in; missing ones
    become $CITY_NATS_PASSWORD / $LEAF_<ACCOUNT>_PASSWORD environment references. `city_users`: more
    users of the CITY account (the city services' NKEY users, reform_shared.nats_auth); `leaf_users`:
    a node's leaf user named otherwise, without a password (its TLS certificate's subject, which the
    hub's `verify_and_map` matches)."""
    leaf_passwords = leaf_passwords or {}
    leaf_users = leaf_users or {}
    # The city's exports do not list the importing accounts: adding a node must not change them
    # (a reload did not rewire a new account's import of a changed export). Only this file's
    # imports, which the city alone writes, decide what each node account may reach.
    city_exports = [
        f'      {{ service: "$JS.FC.{cfg.city_stream}.>" }}',
        f'      {{ service: "$JS.API.CONSUMER.CREATE.{cfg.city_stream}.*.{CITY_PREFIX}.*.>" }}',
        f'      {{ service: "$JS.API.CONSUMER.CREATE.{cfg.city_stream}.*.{CITY_PREFIX}{FILES}.{CITY_PREFIX}.>" }}',
        '      { stream: "deliver.out.*.>" }',
    ]
    city_imports = []
    blocks = []
    for node in cfg.nodes:
        acc = node.account
        city_imports += [
            f'      {{ service: {{ account: {acc}, subject: "$JS.API.>" }}, to: "{node.api_import}.>" }}',
            f'      {{ service: {{ account: {acc}, subject: "$JS.FC.{node.fed_stream}.>" }} }}',
            f'      {{ stream: {{ account: {acc}, subject: "deliver.fed.{node.node_id}.>" }} }}',
        ]
        imports = [
            f'      {{ service: {{ account: CITY, subject: "$JS.API.CONSUMER.CREATE.{cfg.city_stream}.*.'
            f'{f}" }}, to: "$JS.cityev-{node.node_id}.API.CONSUMER.CREATE.{cfg.city_stream}.*.{f}" }}'
            for f in city_filters(node)
        ]
        imports += [
            f'      {{ service: {{ account: CITY, subject: "$JS.FC.{cfg.city_stream}.>" }} }}',
            f'      {{ stream: {{ account: CITY, subject: "deliver.out.{node.node_id}.>" }} }}',
        ]
        denied = ", ".join(json.dumps(s) for s in LEAF_DENIED)
        mapped = leaf_users.get(node.node_id)
        credential = (f"user: {json.dumps(mapped)}" if mapped is not None else f"user: {leaf_user(node)}, password: "
                      + _secret(leaf_passwords.get(node.node_id), f"LEAF_{acc}_PASSWORD"))
        blocks.append(
            f"  # node {node.node_id}: communes {', '.join(node.communes)}\n"
            f"  {acc} {{\n"
            "    jetstream: enabled\n"
            f"    users: [\n"
            f"      {{ {credential}, allowed_connection_types: [\"LEAFNODE\"],\n"
            f"        permissions: {{ publish: {{ deny: [{denied}] }} }} }}\n"
            "    ]\n"
            "    exports: [\n"
            '      { service: "$JS.API.>", accounts: [CITY] }\n'
            f'      {{ service: "$JS.FC.{node.fed_stream}.>", accounts: [CITY] }}\n'
            f'      {{ stream: "deliver.fed.{node.node_id}.>", accounts: [CITY] }}\n'
            "    ]\n"
            "    imports: [\n" + "\n".join(imports) + "\n    ]\n"
            "  }\n"
        )
    city = (
        "  CITY {\n"
        "    jetstream: enabled\n"
        f"    users: [ {{ user: city, password: {_secret(city_password, 'CITY_NATS_PASSWORD')} }}"
        + "".join(f"\n      {user}" for user in city_users) + " ]\n"
        "    exports: [\n" + "\n".join(city_exports) + "\n    ]\n"
        "    imports: [\n" + "\n".join(city_imports) + "\n    ]\n"
        "  }\n"
    )
    return "accounts {\n" + city + "".join(blocks) + "}\n"
