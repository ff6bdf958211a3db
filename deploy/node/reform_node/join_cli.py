"""`reform-node join-package` (the city issues a node's join package), `reform-node join` (the commune's
administrator applies it), and what the running node does when a package arrives (JoinWatch)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reform_node.joining import communes_file, federation_folder, hub_addresses, issue_package, joined_config
from reform_node.link_keeper import LinkKeeper
from reform_node.node import CommuneNode, NodeConfig, wait_ready
from reform_shared.federation import FederatedNode
from reform_shared.join_package import PackageRefused, applied_package, apply_package, hosted_communes


def add_join_parsers(sub: argparse._SubParsersAction) -> list[argparse.ArgumentParser]:  # type: ignore[type-arg]
    issue = sub.add_parser("join-package", help="(the city) register a commune node in the city's federation and "
                                                "write its join package (--data-dir: the city's, as given to "
                                                "`reform-node city` or `federation`; default var/federation)")
    issue.add_argument("--commune", action="append", required=True, help="a commune the node hosts (repeat)")
    issue.add_argument("--node", default=None, help="the node's id (its JetStream domain; default: the commune)")
    issue.add_argument("--output", required=True, help="the package file to write (0600: it holds the node's key)")
    issue.add_argument("--hub-url", action="append", default=None,
                       help="a hub server's leafnode address host:port (repeat); default: the running city's")
    apply = sub.add_parser("join", help="(the commune) apply the city's join package to this node (--data-dir: "
                                        "the node's); a running node restarts its NATS and services on it")
    apply.add_argument("--package", required=True, help="the join package file from the city")
    return [issue, apply]


def join_package_command(args: argparse.Namespace) -> int:
    city_dir = Path(args.data_dir) / "city"
    hubs = args.hub_url or hub_addresses(city_dir)
    if not hubs:
        print(f"Không biết địa chỉ hub của thành phố: hãy chạy thành phố trước (reform-node city) hoặc ghi --hub-url "
              f"(no hub address in {city_dir}: start the city first, or pass --hub-url host:port)", file=sys.stderr)
        return 2
    try:
        node = FederatedNode(node_id=args.node or args.commune[0], communes=args.commune)
        package = issue_package(city_dir, node, hubs, Path(args.output))
    except ValueError as exc:
        print(f"Không cấp được gói (cannot issue the package): {exc}", file=sys.stderr)
        return 2
    print(f"Đã đăng ký nút {node.node_id} (xã {', '.join(node.communes)}) vào liên thông của thành phố và ghi gói "
          f"tham gia: {Path(args.output).resolve()}\n"
          f"  Tệp chỉ chủ sở hữu đọc được (0600): nó chứa khóa riêng của nút — chuyển cho quản trị viên xã qua kênh "
          f"an toàn (it holds the node's private key: hand it over safely).\n"
          f"  Dấu vân tay chứng thư (certificate SHA-256): {package.fingerprint}\n"
          f"  Hết hạn (expires): {package.expires:%d/%m/%Y}\n"
          f"  Hub: {', '.join(package.hub_urls)}\n"
          "  Thành phố đang chạy sẽ nhận nút trong vài giây (the running city admits the node within seconds).")
    return 0


def join_command(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir)
    try:
        raw = Path(args.package).read_bytes()
        package, changed = apply_package(federation_folder(data_dir), raw, hosted_communes(communes_file(data_dir)))
    except OSError as exc:
        print(f"Không đọc được tệp gói (cannot read the package): {exc}", file=sys.stderr)
        return 2
    except PackageRefused as refused:
        print(f"Gói bị từ chối — không có gì thay đổi (package refused, nothing changed) [{refused.rule}]:\n"
              f"  {refused.message_vi}\n  {refused.message_en}", file=sys.stderr)
        return 2
    if not changed:
        print(f"Gói này đã được áp dụng cho nút {package.node.node_id} (already applied; nothing changed).")
        return 0
    print(f"Đã áp dụng gói: nút {package.node.node_id} (xã {', '.join(package.node.communes)}) tham gia liên thông "
          f"với thành phố qua {', '.join(package.hub_urls)}.\n  Nút đang chạy sẽ khởi động lại NATS và các dịch vụ "
          "trong vài giây; nút chưa chạy dùng gói ở lần chạy tới (a running node restarts its NATS and services "
          "on it within seconds; a stopped one uses it at its next start).")
    return 0


class JoinWatch:
    """Beside the running node: a new package restarts its nats-server and services (not the portal, which
    only reads); the link keeper runs while the node holds a package."""

    def __init__(self, node: CommuneNode, base: NodeConfig) -> None:
        self.node, self.base = node, base
        self.fingerprint = self._held()
        self.keeper = self._keeper()

    def _held(self) -> str | None:
        package = applied_package(federation_folder(self.base.data_dir))
        return package.fingerprint if package else None

    def _keeper(self) -> LinkKeeper | None:
        package = applied_package(federation_folder(self.base.data_dir))
        if package is None:
            return None
        print(f"Liên thông với thành phố (federated): nút {package.node.node_id}, hub {', '.join(package.hub_urls)}; "
              "tình trạng kết nối ở trang Liên thông xã – thành phố (/lien-thong)", flush=True)
        return LinkKeeper(self.node.config, package).start()

    def tick(self) -> None:
        if self._held() == self.fingerprint:
            return
        self.fingerprint = self._held()
        print("\nGói tham gia liên thông mới: khởi động lại NATS và các dịch vụ của nút (a new join package: "
              "restarting the node's NATS and services) ...", flush=True)
        self.stop()
        node = self.node
        kept = {name: child for name, child in node.services.items() if name == "portal"}
        for name, child in reversed(list(node.services.items())):
            if name not in kept:
                child.stop()
        if node.nats is not None:
            node.nats.stop()
        node.config = joined_config(self.base)
        node.start_nats()
        node.provision()
        node.services = dict(kept)
        for service in node.config.service_ports:
            if service not in kept:
                node.start_service(service)
        for service, child in node.services.items():
            wait_ready(node.config.url(service), 90, child)
        self.keeper = self._keeper()
        print(f"Nút {node.config.node_id} đã tham gia liên thông (the node runs federated).", flush=True)

    def stop(self) -> None:
        if self.keeper is not None:
            self.keeper.stop()
            self.keeper = None
