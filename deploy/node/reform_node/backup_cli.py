"""`reform-node backup` and `reform-node restore`: the commands around reform_node.backup and restore."""

from __future__ import annotations

import argparse
import asyncio
import re
import socket
import sys
import time
from pathlib import Path
from typing import Any

import nats
import nats.errors
from nats.aio.client import Client as NatsClient

from reform_node.backup import run_backup
from reform_node.backup_file import BackupError
from reform_node.credentials import OPERATOR
from reform_node.node import NodeConfig
from reform_node.restore import restore
from reform_node.servers import free_port, start_nats
from reform_shared.nats_auth import redact
from reform_shared.replicas import servers_of
from reform_shared.settings import Settings

LISTEN = re.compile(r'^listen:\s*"?([^"\s]+)"?', re.M)


def add_parsers(sub: Any) -> list[argparse.ArgumentParser]:
    backup = sub.add_parser("backup", help="back up the running node's event stream, idempotency and attachments "
                                           "buckets into one file (the node keeps running)")
    backup.add_argument("--out", required=True, help="the backup file to write (FILE.partial until complete)")
    backup.add_argument("--nats-url", default=None, help="the node's NATS (default: read from the data folder's "
                                                         "nats-server.conf)")
    backup.add_argument("--stream", default=None, help="the event stream (default REFORM_STREAM_NAME, else "
                                                       "REFORM_EVENTS; the city: CITY_EVENTS)")
    restore_parser = sub.add_parser("restore", help="restore a backup file into an empty data folder, then start "
                                                    "the node there (run --no-demo): projections and inboxes "
                                                    "rebuild; the history is not e-mailed again")
    restore_parser.add_argument("--from", dest="source", required=True, help="the backup file")
    restore_parser.add_argument("--nats-url", default=None, help="restore into this running nats-server instead "
                                                                 "(production: its streams absent or empty, before "
                                                                 "provisioning and the services)")
    return [backup, restore_parser]


def node_nats_url(data_dir: Path) -> str:
    """The running node's NATS, as its data folder's nats-server.conf says it listens, signed in as the node's
    operator (its password in the data folder's nats-credentials)."""
    conf = data_dir / "nats" / "nats-server.conf"
    found = LISTEN.search(conf.read_text(encoding="utf-8")) if conf.is_file() else None
    if found is None:
        raise BackupError(f"Không thấy cấu hình NATS của nút tại {conf} — no node NATS config at {conf}: "
                          "pass the node's --data-dir, or --nats-url")
    password = data_dir / "nats-credentials" / f"{OPERATOR}-password"  # never made here: only read
    operator = f"{OPERATOR}:{password.read_text().strip()}@" if password.is_file() else ""
    return f"nats://{operator}{found.group(1)}"  # the node's operator: it reads every stream and bucket


async def _said_below(exc: Exception) -> None:
    """nats-py's default logs each failed attempt's traceback; the command says what failed in one message."""


def backup_command(args: argparse.Namespace) -> int:
    settings = Settings()
    if args.stream:
        settings = settings.model_copy(update={"stream_name": args.stream})
    url = args.nats_url or node_nats_url(Path(args.data_dir))

    async def connect() -> NatsClient:
        # a node that is down is said at once: allow_reconnect=False alone still retries 60 times, 2 s apart
        return await nats.connect(servers_of(url), connect_timeout=5, allow_reconnect=False,
                                  max_reconnect_attempts=1, reconnect_time_wait=0.1, error_cb=_said_below)
    try:
        summary = run_backup(settings, Path(args.out), connect)
    except (BackupError, OSError) as exc:
        print(exc, file=sys.stderr)
        return 2
    except nats.errors.Error as exc:  # no server answered (the node is stopped, or another address)
        print(f"Không sao lưu được: không kết nối được NATS của nút ở {redact(url)}; nút có đang chạy không?\n"
              f"Backup failed: the node's NATS at {redact(url)} did not answer ({exc}). Is the node running? "
              "Nothing was written.", file=sys.stderr)
        return 2
    print(f"Đã sao lưu (backed up) {Path(args.out).resolve()}: {summary['messages']}, "
          f"{summary['bytes']:,} bytes in {summary['seconds']:.1f}s")
    return 0


def _refuse_used_databases(data_dir: Path) -> None:
    mongo = data_dir / "mongo"
    if mongo.is_dir() and any(mongo.iterdir()):
        raise BackupError(
            f"Từ chối khôi phục: {mongo} đã có cơ sở dữ liệu. Hãy khôi phục vào một thư mục dữ liệu mới, trống.\n"
            f"Restore refused: {mongo} already holds databases (their projections would not match the restored "
            "stream). Restore into a new, empty data folder; nothing was changed.")


def _refuse_running_node(data_dir: Path) -> None:
    """A nats-server that still answers at the folder's address: the node runs (a second server on the same
    store is not refused by nats-server itself)."""
    try:
        host, port = node_nats_url(data_dir).removeprefix("nats://").rsplit("@", 1)[-1].rsplit(":", 1)
    except BackupError:
        return  # no config there: no node ever ran in this folder
    with socket.socket() as sock:
        sock.settimeout(1)
        if sock.connect_ex((host, int(port))) == 0:
            raise BackupError(
                f"Từ chối khôi phục: nút ở {data_dir} đang chạy (NATS trả lời ở {host}:{port}). Hãy dừng nút.\n"
                f"Restore refused: the node of {data_dir} is running (its NATS answers at {host}:{port}); "
                "nothing was changed.")


def restore_command(args: argparse.Namespace) -> int:
    """Start the data folder's nats-server alone (on free ports), refill it from the file, stop it."""
    data_dir, source = Path(args.data_dir), Path(args.source)
    started = time.monotonic()
    server = None
    try:
        if not source.is_file():
            raise BackupError(f"Không có tệp sao lưu {source} — no backup file {source}")
        if args.nats_url:
            summary = asyncio.run(_restore(args.nats_url, source))
            print(f"Đã khôi phục (restored) into {redact(args.nats_url)}: {summary['messages']} in "
                  f"{time.monotonic() - started:.1f}s. {_marked(summary)}\nStart provisioning and the services; "
                  "rebuild every projection whose database was kept (python -m reform_<service> rebuild all).")
            return 0
        _refuse_running_node(data_dir)
        _refuse_used_databases(data_dir)
        config = NodeConfig(data_dir=data_dir)
        port = free_port()
        # Flushed once, when the server stops cleanly, rather than fsync'd message by message (ten times faster
        # here): nothing is acknowledged to anyone before that; a restore cut short is simply done again.
        server = start_nats(data_dir / "nats", port, free_port(), config.node_id, sync_always=False)
        summary = asyncio.run(_restore(f"nats://127.0.0.1:{port}", source))
        server.stop()
        server = start_nats(data_dir / "nats", port, free_port(), config.node_id)  # as the node will
        asyncio.run(_check(f"nats://127.0.0.1:{port}", summary["held"]))
    except (BackupError, OSError) as exc:
        print(exc, file=sys.stderr)
        return 2
    finally:
        if server is not None:
            server.stop()
    print(f"Đã khôi phục (restored) into {data_dir.resolve()}: {summary['messages']} in "
          f"{time.monotonic() - started:.1f}s (backup of {summary['created_at']}).\n{_marked(summary)}\n"
          f"Start the node: reform-node run --data-dir {data_dir} --no-demo (its projections rebuild from the "
          "restored stream)")
    return 0


def _marked(summary: dict[str, Any]) -> str:
    marker = summary.get("marker")
    if not marker:
        return "Không có luồng sự kiện trong tệp: không cần đánh dấu (no event stream in the file: nothing marked)."
    return (f"Đã ghi dấu khôi phục (restore marked: NodeRestored at sequence {marker['seq']}): thông báo về các sự "
            f"kiện đến số {marker['up_to_seq']} vẫn có trong hộp thư của cán bộ nhưng không gửi lại e-mail — notices "
            f"of the events up to {marker['up_to_seq']} are in the officials' inboxes again, never e-mailed again; "
            "later events are e-mailed as usual.")


async def _check(url: str, counts: dict[str, int]) -> None:
    """After the restart: every stream holds what was restored, the restore's marker included (the clean stop
    flushed it all)."""
    nc = await nats.connect(url, connect_timeout=5)
    try:
        for name, count in counts.items():
            held = (await nc.jetstream(timeout=10).stream_info(name)).state.messages
            if held != count:
                raise BackupError(f"{name}: {held} messages after the restart, {count} restored")
    finally:
        await nc.close()


async def _restore(url: str, source: Path) -> dict[str, Any]:
    nc = await nats.connect(servers_of(url), connect_timeout=5)
    try:
        return await restore(nc, source)
    finally:
        await nc.close()
