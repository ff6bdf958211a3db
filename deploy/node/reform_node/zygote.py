"""A commune node's services forked from one process that has already imported what they share.

Nine Python services each import the same libraries (FastAPI, pydantic, PyMongo, nats-py, OpenTelemetry, uvicorn)
and the same seedwork before doing anything of their own: ~45 MB of objects each, read-only once imported. Started
as nine interpreters, the machine holds nine copies. Forked from a process that imported them once (and froze them
out of the collector's reach, so that no collection writes to their pages), the children share those pages until one
writes to them: measured here, the eight back-end services importing their code held 226 MB (PSS, the zygote
included) against 464 MB started apart.

`python -m reform_node.zygote` reads one request a line on its standard input (JSON: module, argv, env, log) and
forks a child that becomes `python -m <module> <argv…>` in a session of its own, its output in the log file; it
answers `{"started": pid}`, and `{"exited": pid, "code": n}` when a child ends (negative: the signal that ended it,
as `subprocess.Popen.returncode`). It imports no service's own package, holds no connection and starts no thread:
what it shares is code and constants. It exits when its standard input closes (the launcher stopped or died); its
children go on, as children started by `subprocess.Popen(start_new_session=True)` do.

The launcher's side (`Zygote`, `ForkedProcess`) looks like `subprocess.Popen` to `ChildProcess`: signals go through
a pidfd (never to a reused pid), the exit code comes from the zygote, which reaps its children."""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import runpy
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

PRELOAD = (
    "asyncio", "ssl", "uvloop", "pydantic", "pydantic_settings", "fastapi", "starlette.middleware.base", "httpx", "jwt",
    "pymongo", "nats", "nats.js", "nkeys", "opentelemetry.sdk.trace", "opentelemetry.instrumentation.fastapi",
    "opentelemetry.instrumentation.pymongo", "uvicorn", "uvicorn.loops.uvloop", "uvicorn.protocols.http.httptools_impl",
    "reform_shared.entry", "reform_shared.runtime", "reform_shared.commands", "reform_shared.events",
    "reform_shared.http.app", "reform_shared.projection", "reform_shared.store",
)
"""What every back-end service imports before its own code (measured: the modules at least six of the nine load)."""
ENABLED_ENV = "REFORM_NODE_FORK"
"""`0`: every service started as an interpreter of its own (to measure against, or where fork is unwelcome)."""


def enabled() -> bool:
    return os.environ.get(ENABLED_ENV, "1") != "0"


# --- the zygote process ------------------------------------------------------------------------------------------


def _preload() -> None:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]  # httpx's CLI: rich and pygments, unused
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError as exc:  # a slimmer install: the child imports what it needs itself
            print(f"zygote: {name} not preloaded: {exc}", file=sys.stderr, flush=True)
    gc.collect()
    gc.freeze()  # the preloaded objects are never walked, so a collection in a child does not copy their pages


def _become(request: dict[str, Any], wakeup: tuple[int, int]) -> None:
    """In the forked child: the service's session, output, environment and arguments, then its `__main__`. It never
    returns: its `SystemExit` unwinds the zygote's loop, so the interpreter ends as a service's would (threads
    joined, `atexit` handlers run, output flushed)."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for fd in wakeup:
        os.close(fd)
    os.setsid()
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    null = os.open(os.devnull, os.O_RDONLY)
    for target, fd in ((0, null), (1, log), (2, log)):
        os.dup2(fd, target)
    os.close(log)
    os.close(null)
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    sys.argv = [request["module"], *request["argv"]]
    runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
    raise SystemExit(0)


def _answer(message: dict[str, Any]) -> None:
    os.write(1, (json.dumps(message) + "\n").encode())


def _reap() -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _answer({"exited": pid, "code": os.waitstatus_to_exitcode(status)})


def serve() -> None:
    _preload()
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # the wakeup fd is what tells the loop
    pending = b""
    while True:
        ready, _, _ = select.select([0, wake_read], [], [])
        if wake_read in ready:
            with contextlib.suppress(BlockingIOError):
                os.read(wake_read, 4096)
            _reap()
        if 0 in ready:
            chunk = os.read(0, 65536)
            if not chunk:
                return  # the launcher is gone: the children go on, as Popen's would
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    _become(request, (wake_read, wake_write))
                _answer({"started": pid})
        _reap()


# --- the launcher's side -----------------------------------------------------------------------------------------


class Zygote:
    """The zygote process as the launcher sees it: `spawn()` returns a Popen-like handle of a forked service."""

    def __init__(self, log_path: Path) -> None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "ab")  # noqa: SIM115 - kept open for the zygote's life
        self._proc = subprocess.Popen([sys.executable, "-m", "reform_node.zygote"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=self._log, start_new_session=True)
        self._lock = threading.Lock()  # one request, then its answer, at a time
        self._changed = threading.Condition()
        self._started: list[int] = []
        self._codes: dict[int, int] = {}
        self._gone = False
        self._reader = threading.Thread(target=self._read, name="zygote-reader", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    def _read(self) -> None:
        stdout: IO[bytes] | None = self._proc.stdout
        assert stdout is not None
        for line in stdout:
            message = json.loads(line)
            with self._changed:
                if "started" in message:
                    self._started.append(int(message["started"]))
                else:
                    self._codes[int(message["exited"])] = int(message["code"])
                self._changed.notify_all()
        with self._changed:
            self._gone = True
            self._changed.notify_all()

    def spawn(self, module: str, argv: list[str], env: dict[str, str], log_path: Path) -> ForkedProcess:
        request = {"module": module, "argv": argv, "env": env, "log": str(log_path)}
        with self._lock:
            assert self._proc.stdin is not None
            self._proc.stdin.write((json.dumps(request) + "\n").encode())
            self._proc.stdin.flush()
            with self._changed:
                if not self._changed.wait_for(lambda: self._started or self._gone, timeout=30):
                    raise RuntimeError("the node's zygote did not answer in 30 s")
                if not self._started:
                    raise RuntimeError(f"the node's zygote exited (code {self._proc.poll()})")
                pid = self._started.pop(0)
        return ForkedProcess(self, pid, [sys.executable, "-m", module, *argv])

    def exit_code(self, pid: int, timeout: float | None) -> int | None:
        """The child's exit code, waiting up to `timeout` (None: as long as it takes) for the zygote to say."""
        with self._changed:
            self._changed.wait_for(lambda: pid in self._codes or self._gone, timeout=timeout)
            return self._codes.get(pid)

    def close(self) -> None:
        """The zygote exits (its children, stopped or not, are left as they are)."""
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._reader.join(5)
        self._log.close()


class ForkedProcess:
    """What `ChildProcess` needs of `subprocess.Popen`, for a child of the zygote."""

    def __init__(self, zygote: Zygote, pid: int, args: list[str]) -> None:
        self._zygote = zygote
        self.pid = pid
        self.args = args
        self.returncode: int | None = None
        try:
            self._pidfd: int | None = os.pidfd_open(pid)
        except ProcessLookupError:  # already ended and reaped: the zygote says how
            self._pidfd = None

    def _ended(self, timeout: float | None) -> bool:
        if self._pidfd is None:
            return True
        ready, _, _ = select.select([self._pidfd], [], [], timeout)
        return bool(ready)

    def poll(self) -> int | None:
        if self.returncode is None and self._ended(0):
            self._settle()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            if not self._ended(timeout):
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
            self._settle()
        assert self.returncode is not None
        return self.returncode

    def _settle(self) -> None:
        code = self._zygote.exit_code(self.pid, timeout=10)
        self.returncode = code if code is not None else -signal.SIGKILL  # the zygote is gone: its fate unknown
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None

    def send_signal(self, sig: int) -> None:
        if self.poll() is None and self._pidfd is not None:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._pidfd, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


if __name__ == "__main__":
    serve()
