"""`reform-node city`: the city node alone — its hub (one nats-server or a cluster of three), its database and
its services — from a data folder, as the federation's city (reform_node.federation.LocalFederation with no
commune node of its own). Commune nodes run on their own machines and join with packages the city's officer
issues (`reform-node join-package --data-dir` the same folder); the city admits each within seconds."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from reform_node.cli import federation_ports
from reform_node.demo import token
from reform_node.federation import LocalFederation
from reform_node.hub_cluster import hub_servers


def city_federation(args: argparse.Namespace) -> LocalFederation:
    at = federation_ports(args, 0)["city"]
    return LocalFederation(Path(args.data_dir), args.mongo_port, args.leaf_port, at, hub_size=args.hub_servers,
                           hub_ports=hub_servers(args.hub_servers, at.nats, at.nats_http, args.leaf_port,
                                                 numbered=True), city_only=True)


def run_city(args: argparse.Namespace) -> int:
    from reform_node.__main__ import serve_until_stopped, stop_on_signals

    stopping = stop_on_signals()
    fed = city_federation(args)
    started = time.monotonic()
    print(f"Khởi động nút thành phố (starting the city node), data in {Path(args.data_dir).resolve()} ...", flush=True)
    try:
        fed.start([])
        assert fed.city is not None
        hub = fed.city.config
        print(f"\nReady in {time.monotonic() - started:.1f}s.")
        print("Hub (leafnodes): " + ", ".join(f"127.0.0.1:{s.leaf_port}" for s in fed.hub_servers))
        for service in hub.service_ports:
            print(f"  {service:<12} {hub.url(service)}")
        officer = token(hub.settings(), "city-officer", "Cán bộ thành phố", ["city_officer", "operator"],
                        commune="city")
        print(f"City token (city officer + operator):\n{officer}")
        print(f"\nA commune joins: reform-node join-package --data-dir {args.data_dir} --commune <id> --output "
              "<id>.join.json, then on its node: reform-node join --package <id>.join.json")
        print("\nCtrl-C to stop (data is kept).", flush=True)
        return serve_until_stopped(stopping, [fed.city])
    finally:
        print("\nĐang dừng (stopping) ...", flush=True)
        fed.stop()
        print("Stopped.")
