"""The launcher's side of the node's zygote (`reform_node.zygote`): `Zygote.spawn()` forks a service from it and
returns a `ForkedProcess`, which is what `ChildProcess` needs of `subprocess.Popen` (signals through the child's
pidfd, the exit code from the zygote, which reaps)."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from reform_node.zygote import UNKNOWN_EXIT


class Zygote:
    """The zygote process as the launcher sees it: `spawn()` returns a Popen-like handle of a forked service."""

    def __init__(self, log_path: Path) -> None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "ab")  # noqa: SIM115 - kept open for the zygote's life
        self._channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._proc = subprocess.Popen([sys.executable, "-m", "reform_node.zygote", str(theirs.fileno())],
                                          pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=self._log,
                                          stderr=subprocess.STDOUT, start_new_session=True)
        finally:
            theirs.close()
        self._ids = itertools.count(1)
        self._changed = threading.Condition()
        self._waiting: set[int] = set()
        self._answers: dict[int, tuple[int, int]] = {}
        self._codes: dict[int, int] = {}
        self._gone = False
        self._reader = threading.Thread(target=self._read, name="zygote-reader", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None and not self._gone

    def _read(self) -> None:
        try:
            while True:
                packet, fds, _, _ = socket.recv_fds(self._channel, 1 << 16, 1)
                if not packet:
                    return
                self._received(json.loads(packet), fds)
        except (OSError, ValueError):
            return  # the socket closed under the reader, or the zygote broke: it counts as gone
        finally:
            with self._changed:
                self._gone = True
                self._changed.notify_all()

    def _received(self, message: dict[str, Any], fds: list[int]) -> None:
        with self._changed:
            if "started" in message:
                pid, pidfd = int(message["started"]), fds[0]
                self._codes.pop(pid, None)  # a pid used before by another child of this zygote
                if message["id"] in self._waiting:
                    self._answers[message["id"]] = (pid, pidfd)
                else:  # its spawn() gave up waiting: nobody tracks it, so it must not hold a port
                    with contextlib.suppress(ProcessLookupError):
                        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
                    os.close(pidfd)
            else:
                self._codes[int(message["exited"])] = int(message["code"])
            self._changed.notify_all()

    def spawn(self, module: str, argv: list[str], env: dict[str, str], log_path: Path) -> ForkedProcess:
        request_id = next(self._ids)
        request = {"id": request_id, "module": module, "argv": argv, "env": env, "log": str(log_path)}
        with self._changed:
            if self._gone:
                raise RuntimeError(f"the node's zygote exited (code {self._proc.poll()})")
            self._waiting.add(request_id)
        try:
            self._channel.send(json.dumps(request).encode())
            with self._changed:
                if not self._changed.wait_for(lambda: request_id in self._answers or self._gone, timeout=30):
                    raise RuntimeError("the node's zygote did not answer in 30 s")
                if request_id not in self._answers:
                    raise RuntimeError(f"the node's zygote exited (code {self._proc.poll()})")
                pid, pidfd = self._answers.pop(request_id)
        finally:
            with self._changed:
                self._waiting.discard(request_id)
        return ForkedProcess(self, pid, pidfd, [sys.executable, "-m", module, *argv])

    def exit_code(self, pid: int, timeout: float | None) -> int | None:
        """The child's exit code, waiting up to `timeout` (None: as long as it takes) for the zygote to say."""
        with self._changed:
            self._changed.wait_for(lambda: pid in self._codes or self._gone, timeout=timeout)
            return self._codes.pop(pid, None)

    def close(self) -> None:
        """The zygote exits (its children, stopped or not, are left as they are)."""
        with contextlib.suppress(OSError):
            self._channel.shutdown(socket.SHUT_RDWR)  # wakes the reader, and the zygote reads its end
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._reader.join(5)
        self._channel.close()
        self._log.close()


class ForkedProcess:
    """What `ChildProcess` needs of `subprocess.Popen`, for a child of the zygote."""

    def __init__(self, zygote: Zygote, pid: int, pidfd: int, args: list[str]) -> None:
        self._zygote = zygote
        self.pid = pid
        self.args = args
        self.returncode: int | None = None
        self._pidfd: int | None = pidfd

    def _ended(self, timeout: float | None) -> bool:
        assert self._pidfd is not None  # asked only while `returncode` is None, and the fd is closed when it is set
        ready, _, _ = select.select([self._pidfd], [], [], timeout)  # readable once the process has ended
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
        self.returncode = code if code is not None else UNKNOWN_EXIT
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
