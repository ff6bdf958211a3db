"""`reform-node`: run a commune node (make run), or issue a token signed with its secret."""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import sys
import time
from pathlib import Path

from reform_node.demo import COMMUNE, load_demo, token
from reform_node.node import SERVICES, CommuneNode, NodeConfig


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


def run(args: argparse.Namespace) -> int:
    config = _config(args)
    node = CommuneNode(config)
    stopping = False

    def _stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    started = time.monotonic()
    print(f"Khởi động nút xã (starting the commune node), data in {config.data_dir.resolve()} ...", flush=True)
    try:
        node.start()
        settings = config.settings()
        if not args.no_demo:
            report = load_demo(settings, config.url("submission"), evaluation_url=config.url("evaluation"))
            state = "loaded" if report["loaded"] else "already present"
            print(f"Demo data ({COMMUNE}, campaign {report['campaign_id']}): {state}")
        print(f"\nReady in {time.monotonic() - started:.1f}s. Services:")
        print(f"  NATS (JetStream)     {config.nats_url}   monitoring http://127.0.0.1:{config.nats_http_port}")
        print(f"  MongoDB wire (SecantusDB) {config.mongo_url}")
        for service in config.service_ports:
            print(f"  {service:<12} {config.url(service)}   docs {config.url(service)}/docs")
        demo = token(settings, "demo-secretary", "Phạm Thu Hà", ["secretary", "operator"])
        print(f"\nDemo token (secretary + operator of {COMMUNE}, 30 days):\n{demo}\n")
        print("Try:\n  curl -H \"Authorization: Bearer $TOKEN\" "
              f"{config.url('reporting')}/api/v1/communes/{COMMUNE}/initiatives")
        print("\nCtrl-C to stop (data is kept).", flush=True)
        while not stopping:
            for name, child in node.services.items():
                if child.proc is not None and child.proc.poll() is not None:
                    print(f"{name} exited with code {child.proc.returncode}; see {child.log_path}", file=sys.stderr)
                    return 1
            time.sleep(0.5)
        return 0
    finally:
        print("\nĐang dừng (stopping) ...", flush=True)
        node.stop()
        print("Stopped.")


def issue(args: argparse.Namespace) -> int:
    settings = NodeConfig(data_dir=Path(args.data_dir)).settings()
    roles = [role.strip() for role in args.roles.split(",") if role.strip()]
    print(token(settings, args.sub, args.name, roles, commune=args.commune, ttl=dt.timedelta(days=args.days)))
    return 0


def main(argv: list[str] | None = None) -> None:
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
    token_parser = sub.add_parser("token", help="issue a token signed with this node's secret")
    token_parser.add_argument("--sub", required=True)
    token_parser.add_argument("--name", default="")
    token_parser.add_argument("--commune", default=COMMUNE)
    token_parser.add_argument("--roles", required=True, help="comma-separated roles")
    token_parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args(argv)
    sys.exit(run(args) if args.command == "run" else issue(args))


if __name__ == "__main__":
    main()
