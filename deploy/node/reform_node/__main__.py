"""`reform-node`: run a commune node (make run), or issue a token signed with its secret."""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from reform_node.backup_cli import backup_command, restore_command
from reform_node.cli import federation_ports, issue, parse
from reform_node.demo import COMMUNE, load_demo, token
from reform_node.demo_accounts import demo_accounts, demo_city_accounts, demo_password, print_accounts
from reform_node.demo_city_directory import load_city_directory
from reform_node.demo_flow import advance_to_nominations
from reform_node.federation import LocalFederation
from reform_node.hub_cluster import hub_servers
from reform_node.join_cli import JoinWatch, join_command, join_package_command
from reform_node.joining import joined_config
from reform_node.node import SERVICES, CommuneNode, NodeConfig
from reform_node.onboarding import CommuneSetup, SetupError, add_commune, hosted, print_added, print_hosted
from reform_shared.federation import FederatedNode
from reform_shared.nats_auth import redact


def _config(args: argparse.Namespace) -> NodeConfig:
    ports = dict(SERVICES)
    for service in ports:
        value = getattr(args, f"{service}_port", None)
        if value:
            ports[service] = value
    return NodeConfig(
        data_dir=Path(args.data_dir),
        nats_port=args.nats_port,
        nats_http_port=args.nats_http_port,
        mongo_port=args.mongo_port,
        service_ports=ports,
        otlp_endpoint=args.otlp_endpoint,
    )


def stop_on_signals() -> threading.Event:
    """Ctrl-C and SIGTERM only ask to stop: the launcher then stops its children in order."""
    stopping = threading.Event()
    signal.signal(signal.SIGINT, lambda _signum, _frame: stopping.set())
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stopping.set())
    return stopping


def serve_until_stopped(stopping: threading.Event, nodes: list[CommuneNode], tick: Callable[[], None] | None = None
                        ) -> int:
    """Wait for a stop signal; 1 as soon as any service process of any node exits by itself. `tick`: between
    looks (a join package applied meanwhile)."""
    while not stopping.is_set():
        if tick is not None:
            tick()
        for node in nodes:
            for name, child in node.services.items():
                if child.proc is not None and child.proc.poll() is not None:
                    print(f"{node.config.node_id}/{name} exited with code {child.proc.returncode}; "
                          f"see {child.log_path}", file=sys.stderr)
                    return 1
        stopping.wait(0.5)
    return 0


def run(args: argparse.Namespace) -> int:
    base = _config(args)
    config = joined_config(base)  # a join package applied: a federated commune node (reform_node.joining)
    node = CommuneNode(config)
    watch: JoinWatch | None = None
    stopping = stop_on_signals()
    started = time.monotonic()
    print(f"Khởi động nút xã (starting the commune node), data in {config.data_dir.resolve()} ...", flush=True)
    try:
        node.start()
        settings = config.settings()
        if not args.no_demo:
            report = load_demo(settings, config.url("submission"), evaluation_url=config.url("evaluation"),
                               directory_url=config.url("directory"))
            state = "loaded" if report["loaded"] else "already present"
            print(f"Demo data ({COMMUNE}, campaign {report['campaign_id']}): {state}")
        else:
            first_start(config, args.commune_file)
        print(f"\nReady in {time.monotonic() - started:.1f}s.")
        if "portal" in config.service_ports:
            print(f"\n  ➜ Mở trình duyệt (open in a browser): {config.url('portal')}   "
                  "— cổng cán bộ (the officials' portal)")
        if "identity" in config.service_ports:
            accounts = [] if args.no_demo else demo_accounts(config)
            print_accounts(accounts, config.url("identity"), demo_password(config.data_dir), COMMUNE)
            if args.no_demo:
                print_hosted(config)
        print("\nServices (APIs for scripts and operators):")
        print(f"  NATS (JetStream)     {redact(config.nats_url)}   monitoring http://127.0.0.1:{config.nats_http_port}")
        print(f"                       operator password in {config.credentials.folder / 'operator-password'}; "
              "each service signs in with its own NKEY there")
        print(f"  MongoDB wire (SecantusDB) {config.mongo_url}")
        for service in config.service_ports:
            docs = "" if service == "portal" else f"   docs {config.url(service)}/docs"
            print(f"  {service:<12} {config.url(service)}{docs}")
        demo = token(settings, "demo-secretary", "Phạm Thu Hà", ["secretary", "operator"])
        print(f"\nScript token (HS256, development only; secretary + operator of {COMMUNE}, 30 days):\n{demo}\n")
        print("Try:\n  curl -H \"Authorization: Bearer $TOKEN\" "
              f"{config.url('reporting')}/api/v1/communes/{COMMUNE}/initiatives")
        print("\nCtrl-C to stop (data is kept).", flush=True)
        watch = JoinWatch(node, base)
        return serve_until_stopped(stopping, [node], tick=watch.tick)
    except SetupError as exc:
        print(f"\n{exc}", file=sys.stderr)
        return 2
    finally:
        print("\nĐang dừng (stopping) ...", flush=True)
        if watch is not None:
            watch.stop()
        node.stop()
        print("Stopped.")


def first_start(config: NodeConfig, commune_file: str | None) -> None:
    """Without demo data: the commune of `--commune-file`, or asked on a terminal when the node hosts none."""
    if commune_file is None and (hosted(config.data_dir) or not sys.stdin.isatty()):
        return
    print("\nLần khởi động đầu (first start): thông tin xã và quản trị viên đầu tiên "
          "(the commune and its first administrator)")
    setup = CommuneSetup.from_file(Path(commune_file)) if commune_file else CommuneSetup.asked(input)
    if any(c["commune_id"] == setup.commune_id for c in hosted(config.data_dir)):
        print(f"{setup.commune_id}: đã có trên nút (already on this node)")
        return
    print_added(add_commune(config, setup), config)


def add_commune_command(args: argparse.Namespace) -> int:
    """`reform-node add-commune`: another commune on the running node (its data folder's secret)."""
    ports = {**SERVICES, "directory": args.directory_port, "identity": args.identity_port, "portal": args.portal_port}
    config = NodeConfig(data_dir=Path(args.data_dir), service_ports=ports)
    if not (config.data_dir / "node-secret").is_file():
        print(f"Không tìm thấy nút tại {config.data_dir.resolve()} (no node there): start it first (make run), "
              "or pass its --data-dir", file=sys.stderr)
        return 2
    try:
        setup = CommuneSetup.from_file(Path(args.file)) if args.file else CommuneSetup.asked(input)
        if any(c["commune_id"] == setup.commune_id for c in hosted(config.data_dir)):
            raise SetupError(f"{setup.commune_id}: đã có trên nút (already on this node)")
        print_added(add_commune(config, setup), config)
    except SetupError as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


FEDERATION_DEMO = [("ninh-giang", "xã Ninh Giang"), ("an-lao", "xã An Lão")]


def run_federation(args: argparse.Namespace) -> int:
    """A city node and two commune nodes, each with demo data taken to its nominations to the city."""
    stopping = stop_on_signals()
    ports = federation_ports(args, len(FEDERATION_DEMO))
    at = ports["city"]
    fed = LocalFederation(Path(args.data_dir), args.mongo_port, args.leaf_port, at, hub_size=args.hub_servers,
                          hub_ports=hub_servers(args.hub_servers, at.nats, at.nats_http, args.leaf_port, numbered=True))
    nodes = [FederatedNode(node_id=commune, communes=[commune]) for commune, _ in FEDERATION_DEMO]
    started = time.monotonic()
    print(f"Khởi động liên thông (starting a local federation: the city and {len(nodes)} communes), "
          f"data in {Path(args.data_dir).resolve()} ...", flush=True)
    try:
        fed.start(nodes, ports={n.node_id: ports[str(i)] for i, n in enumerate(nodes)})
        assert fed.city is not None
        if not args.no_demo:
            city = fed.city.config
            load_city_directory(city.settings(), city.url("directory"), dt.datetime.now(dt.UTC))
            for commune, name in FEDERATION_DEMO:
                node = fed.nodes[commune].config
                load_demo(node.settings(), node.url("submission"), evaluation_url=node.url("evaluation"),
                          commune=commune, commune_name=name, directory_url=node.url("directory"))
                done = advance_to_nominations(node.settings(), submission_url=node.url("submission"),
                                              evaluation_url=node.url("evaluation"), commune=commune,
                                              commune_name=name)
                print(f"Demo {name}: campaign {done['campaign_id']}, {len(done['initiatives'])} initiatives, "
                      f"{len(done['recognised'])} recognised, nominated to the city: {', '.join(done['nominated'])}")
        print(f"\nReady in {time.monotonic() - started:.1f}s.")
        assert fed.city is not None
        hub = fed.city.config
        servers = ", ".join(f"{s.name} 127.0.0.1:{s.port} (leafnodes {s.leaf_port})" for s in fed.hub_servers)
        print(f"\nThành phố (city node): NATS hub {servers}, JetStream domain city")
        for service in hub.service_ports:
            docs = "" if service == "portal" else f"   docs {hub.url(service)}/docs"
            print(f"  {service:<12} {hub.url(service)}{docs}")
        officer = token(hub.settings(), "city-officer", "Lê Minh Tuấn", ["city_officer", "city_council", "operator"],
                        commune="city")
        print(f"City token (city officer + city council + operator):\n{officer}")
        if "identity" in hub.service_ports:
            city_accounts = [] if args.no_demo else demo_city_accounts(hub)
            print_accounts(city_accounts, hub.url("identity"), demo_password(hub.data_dir), "city",
                           portal_url=hub.url("portal") if "portal" in hub.service_ports else None)
        for commune, name in FEDERATION_DEMO:
            node = fed.nodes[commune].config
            print(f"\n{name} (commune node {commune}): NATS {redact(node.nats_url)} (JetStream domain {commune})")
            for service in node.service_ports:
                print(f"  {service:<12} {node.url(service)}")
            secretary = token(node.settings(), "demo-secretary", "Thư ký", ["secretary", "operator"],
                              commune=commune)
            print(f"Token (secretary + operator of {commune}):\n{secretary}")
            if "identity" in node.service_ports:
                accounts = [] if args.no_demo else demo_accounts(node, commune, name)
                print_accounts(accounts, node.url("identity"), demo_password(node.data_dir), commune,
                               portal_url=node.url("portal") if "portal" in node.service_ports else None)
        print("\nTry (city view of every commune; the nominations reached the city):\n"
              f"  curl -H \"Authorization: Bearer $CITY_TOKEN\" "
              f"{hub.url('evaluation')}/api/v1/city/nominations?year=2027\n"
              f"  curl -H \"Authorization: Bearer $CITY_TOKEN\" {hub.url('reporting')}/api/v1/city/2026")
        print("\nCtrl-C to stop (data is kept).", flush=True)
        return serve_until_stopped(stopping, [fed.city, *fed.nodes.values()])
    finally:
        print("\nĐang dừng (stopping) ...", flush=True)
        fed.stop()
        print("Stopped.")


def identity_console(args: argparse.Namespace) -> int:
    """`reform-identity admin-password|rotate-key` on this node's data (its database and key file)."""
    from reform_identity.config import IdentityConfig
    from reform_identity.console import main as console

    config = NodeConfig(data_dir=Path(args.data_dir), mongo_port=args.mongo_port, nats_port=args.nats_port)
    identity = IdentityConfig(key_file=(config.data_dir / "identity" / "signing-keys.json").resolve())
    argv = [args.command] + (["--commune", args.commune, "--official", args.official]
                             if args.command == "admin-password" else [])
    return console(argv, config.settings("identity"), identity)


def directory_console(args: argparse.Namespace) -> int:
    """`reform-directory first-administrator` on this node's data: the first administrator of a commune."""
    from reform_directory.console import main as console

    config = NodeConfig(data_dir=Path(args.data_dir), mongo_port=args.mongo_port, nats_port=args.nats_port)
    argv = ["first-administrator", "--commune", args.commune, "--official", args.official, "--name", args.name]
    if args.email:
        argv += ["--email", args.email]
    return console(argv, config.settings("directory"))


def city_command(args: argparse.Namespace) -> int:
    from reform_node.city_cli import run_city

    return run_city(args)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    commands = {"run": run, "federation": run_federation, "token": issue, "admin-password": identity_console,
                "rotate-key": identity_console, "first-administrator": directory_console,
                "add-commune": add_commune_command, "backup": backup_command, "restore": restore_command,
                "city": city_command, "join-package": join_package_command, "join": join_command}
    sys.exit(commands[args.command](args))


if __name__ == "__main__":
    main()
