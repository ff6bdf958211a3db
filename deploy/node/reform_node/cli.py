"""`reform-node`'s command line: its options, and the script token signed with the running node's own secret.

Every option `make run ARGS="…"` passes goes after the command (`reform-node run --data-dir … --no-demo`); the
data folder may also come first (`reform-node --data-dir … run`). A token is signed with the secret the node
made in its data folder: when that folder has none (the node never ran there, or the command was run from
another directory), `token` refuses and says where it looked — a token signed with a new secret would only be
refused by the running node (401).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from reform_node.backup_cli import add_parsers
from reform_node.demo import COMMUNE, token
from reform_node.federation import Ports
from reform_node.join_cli import add_join_parsers
from reform_node.node import SERVICES, NodeConfig

MAX_PORT = 65535
NODE_SECRET = "node-secret"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="reform-node")
    parser.add_argument("--data-dir", default="var/node", help="where NATS, the database and logs keep their data")
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="run the commune node in the foreground")
    run_parser.add_argument("--nats-port", type=int, default=4222)
    run_parser.add_argument("--nats-http-port", type=int, default=8222)
    run_parser.add_argument("--mongo-port", type=int, default=27017)
    for service, port in SERVICES.items():
        run_parser.add_argument(f"--{service}-port", type=int, default=port)
    run_parser.add_argument("--otlp-endpoint", default=None, help="e.g. http://127.0.0.1:4318 (Jaeger)")
    run_parser.add_argument("--no-demo", action="store_true", help="do not load the demo data")
    run_parser.add_argument("--commune-file", default=None,
                            help="with --no-demo: the commune and its first administrator as JSON (see README, "
                                 "'A commune starts its own node'); without it the first start asks for them")
    fed_parser = sub.add_parser("federation", help="run a local federation: the city node and two commune nodes")
    fed_parser.add_argument("--mongo-port", type=int, default=27017)
    fed_parser.add_argument("--leaf-port", type=int, default=7422, help="the city hub's leafnode port")
    fed_parser.add_argument("--port-offset", type=int, default=0,
                            help="move every NATS, monitoring and service port of the federation by this much "
                                 "(e.g. 1000: the city's NATS on 5312, its portal on 9198); the leafnode and "
                                 "database ports have their own options")
    fed_parser.add_argument("--no-demo", action="store_true", help="do not load the demo data")
    fed_parser.add_argument("--hub-servers", type=int, choices=(1, 3), default=3,
                            help="nats-servers of the city hub: 3, a JetStream cluster (the others on the next "
                                 "NATS, monitoring and leafnode ports; routes on the NATS ports + 2000), or 1")
    token_parser = sub.add_parser("token", help="issue a token signed with the running node's secret (its data "
                                                "folder's; refused when that folder has none)")
    token_parser.add_argument("--sub", required=True, help="the user id recorded as the actor")
    token_parser.add_argument("--name", default=None, help="the actor's name recorded in events (default: --sub)")
    token_parser.add_argument("--commune", default=COMMUNE)
    token_parser.add_argument("--roles", required=True, help="comma-separated roles")
    token_parser.add_argument("--days", type=int, default=30)
    admin_parser = sub.add_parser("admin-password", help="a one-time password for an administrator of the "
                                                         "directory (the node's running identity service's store)")
    admin_parser.add_argument("--official", required=True, help="the official's id in the directory")
    admin_parser.add_argument("--commune", default=COMMUNE)
    rotate_parser = sub.add_parser("rotate-key", help="rotate the identity service's signing key")
    first_parser = sub.add_parser("first-administrator", help="register a commune's first administrator in its "
                                                              "directory (then admin-password gives them a password)")
    first_parser.add_argument("--official", required=True, help="their id, which is their user name")
    first_parser.add_argument("--name", required=True, help="their full name")
    first_parser.add_argument("--email", default=None)
    first_parser.add_argument("--commune", default=COMMUNE)
    add_parser = sub.add_parser("add-commune", help="add a commune to the running node: its profile (name, level) "
                                                     "and first administrator, with a one-time password")
    add_parser.add_argument("--file", default=None, help="the commune as JSON (else the questions are asked)")
    add_parser.add_argument("--directory-port", type=int, default=SERVICES["directory"])
    add_parser.add_argument("--identity-port", type=int, default=SERVICES["identity"])
    add_parser.add_argument("--portal-port", type=int, default=SERVICES["portal"])
    for command in (admin_parser, rotate_parser, first_parser):
        command.add_argument("--nats-port", type=int, default=4222)
        command.add_argument("--mongo-port", type=int, default=27017)
    city_parser = sub.add_parser("city", help="run the city node alone (the hub, the city's services): commune "
                                              "nodes join it with join packages (reform-node join-package)")
    city_parser.add_argument("--mongo-port", type=int, default=27017)
    city_parser.add_argument("--leaf-port", type=int, default=7422, help="the city hub's leafnode port")
    city_parser.add_argument("--port-offset", type=int, default=0, help="as `federation`'s")
    city_parser.add_argument("--hub-servers", type=int, choices=(1, 3), default=3, help="as `federation`'s")
    backups = add_parsers(sub) + add_join_parsers(sub)
    for command in (run_parser, fed_parser, token_parser, admin_parser, rotate_parser, first_parser,
                    add_parser, city_parser, *backups):  # also after
        command.add_argument("--data-dir", default=argparse.SUPPRESS, help="as before the command")
    return parser


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command in ("federation", "city", "join-package"):
        if args.data_dir == "var/node":
            args.data_dir = "var/federation"
        if args.command == "join-package":
            return args
        used = [port for p in federation_ports(args).values() for port in (p.nats, p.nats_http, *p.services.values())]
        if min(used) < 1 or max(used) > MAX_PORT:
            parser.error(f"--port-offset {args.port_offset} moves a port outside 1–{MAX_PORT}")
    return args


def federation_ports(args: argparse.Namespace, communes: int = 2) -> dict[str, Ports]:
    """The ports of the local federation: the city (index 9) and each commune node (0, 1, …), moved together."""
    offset = getattr(args, "port_offset", 0)
    return {"city": Ports.numbered(9).moved(offset),
            **{str(i): Ports.numbered(i).moved(offset) for i in range(communes)}}


def issue(args: argparse.Namespace) -> int:
    """A script token signed with the node's own secret; refused when the data folder holds none."""
    data_dir = Path(args.data_dir)
    secret_file = data_dir / NODE_SECRET
    if not secret_file.is_file():
        print(f"Không tìm thấy khóa bí mật của nút tại {secret_file.resolve()}: hãy chạy `make run` trước, hoặc chỉ "
              f"đúng thư mục dữ liệu của nút đang chạy bằng --data-dir.\n"
              f"No node secret at {secret_file.resolve()}: start the node first (make run), or pass the running "
              f"node's --data-dir (a token signed with a new secret would be refused with 401).", file=sys.stderr)
        return 2
    settings = NodeConfig(data_dir=data_dir).settings()
    roles = [role.strip() for role in args.roles.split(",") if role.strip()]
    name = args.name if args.name else args.sub
    print(token(settings, args.sub, name, roles, commune=args.commune, ttl=dt.timedelta(days=args.days)))
    return 0
