"""A commune node's services forked from one process that has already imported what they share.

Nine Python services each import the same libraries (FastAPI, pydantic, PyMongo, nats-py, OpenTelemetry, uvicorn)
and the same seedwork before doing anything of their own: ~45 MB of objects each, read-only once imported. Started
as nine interpreters, the machine holds nine copies. Forked from a process that imported them once (and froze them
out of the collector's reach, so that no collection writes to their pages), the children share those pages until one
writes to them: measured here, the eight back-end services importing their code held 226 MB (PSS, the zygote
included) against 464 MB started apart.

`python -m reform_node.zygote <fd>` talks with the launcher over a Unix socket of packets (the fd it inherits; its
own output goes to its log, never into the protocol). A request (JSON: id, module, argv, env, log) forks a child
that becomes `python -m <module> <argv…>` in a session of its own (its command line, as `ps` shows it, too), its
output in the log file; the answer `{"id", "started": pid}` carries a pidfd of the child, opened before the zygote
could reap it, so the launcher never signals a pid the kernel has since given to another process. `{"exited": pid,
"code": n}` follows when the child ends (negative: the signal that ended it, as `subprocess.Popen.returncode`). The
zygote imports no service's own package, holds no connection and starts no thread: what it shares is code and
constants. It exits when the socket closes (the launcher stopped or died); its children go on, as children of
`subprocess.Popen(start_new_session=True)` do.

What a forked service does not get that a new interpreter would: code changed on disk since the zygote started (a
library upgraded under a running node: a service started again after a crash runs the preloaded version until the
node restarts), and settings an interpreter reads as it starts (`PYTHON*` variables, `MALLOC_*`, the locale of its
standard streams), which are the launcher's for every service; the services share one hash seed. The node passes
none of those per service; `REFORM_NODE_FORK=0` starts each as an interpreter of its own.

The launcher's side is `reform_node.forking` (`Zygote`, `ForkedProcess`: `subprocess.Popen` to `ChildProcess`)."""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import runpy
import select
import signal
import socket
import sys
import time
from typing import Any

PRELOAD = (
    "asyncio", "ssl", "uvloop", "pydantic", "pydantic_settings", "fastapi", "starlette.middleware.base", "httpx", "jwt",
    "pymongo", "nats", "nats.js", "nkeys", "opentelemetry.sdk.trace", "opentelemetry.instrumentation.fastapi",
    "opentelemetry.instrumentation.pymongo", "uvicorn", "uvicorn.loops.uvloop", "uvicorn.protocols.http.httptools_impl",
    "reform_shared.entry", "reform_shared.runtime", "reform_shared.commands", "reform_shared.events",
    "reform_shared.http.app", "reform_shared.projection", "reform_shared.store", "setproctitle",
)
"""What every back-end service imports before its own code (measured: the modules at least six of the nine load)."""
ENABLED_ENV = "REFORM_NODE_FORK"
"""`0`: every service started as an interpreter of its own (to measure against, or where fork is unwelcome)."""


UNKNOWN_EXIT = 255
"""The exit code of a child whose zygote died before it: ended, its status reaped by someone else (init)."""


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
    if "setproctitle" in sys.modules:  # it finds the room for a title from the environment, which a child replaces
        sys.modules["setproctitle"].getproctitle()
    gc.collect()
    gc.freeze()  # the preloaded objects are never walked, so a collection in a child does not copy their pages


def _become(request: dict[str, Any], inherited: tuple[int, ...]) -> None:
    """In the forked child: the service's session, output, environment and arguments, then its `__main__`. It never
    returns: its `SystemExit` unwinds the zygote's loop, so the interpreter ends as a service's would (threads
    joined, `atexit` handlers run, output flushed)."""
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for fd in inherited:
        os.close(fd)
    os.setsid()
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o666)
    null = os.open(os.devnull, os.O_RDONLY)
    for target, fd in ((0, null), (1, log), (2, log)):
        os.dup2(fd, target)
    os.close(log)
    os.close(null)
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    sys.argv = [request["module"], *request["argv"]]
    _entitle(request["module"], request["argv"])
    runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
    raise SystemExit(0)


def _entitle(module: str, argv: list[str]) -> None:
    """The child's command line as `ps`, `top` and `pgrep -f` show it: the one it would have started apart
    (`python -m reform_submission …`), not the zygote's, so an operator tells the services apart. Only through the
    module the zygote preloaded and set up: imported here, after the environment was replaced, it would do nothing."""
    titles = sys.modules.get("setproctitle")
    if titles is not None:  # not preloaded (a slimmer install): the child keeps the zygote's title
        titles.setproctitle(" ".join([sys.executable, "-m", module, *argv]))


def _send(channel: socket.socket, message: dict[str, Any], fds: list[int] | None = None) -> None:
    """Nothing once the launcher is gone (the loop ends at the socket's close)."""
    with contextlib.suppress(OSError):
        socket.send_fds(channel, [json.dumps(message).encode()], fds or [])


def _reap(channel: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _send(channel, {"exited": pid, "code": os.waitstatus_to_exitcode(status)})


def serve(fd: int) -> None:
    _preload()
    channel = socket.socket(fileno=fd)
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # the wakeup fd is what tells the loop
    while True:
        ready, _, _ = select.select([channel.fileno(), wake_read], [], [])
        if wake_read in ready:
            with contextlib.suppress(BlockingIOError):
                os.read(wake_read, 4096)
        if channel.fileno() in ready:
            packet = channel.recv(1 << 20)
            if not packet:
                return  # the launcher is gone: the children go on, as Popen's would
            request = json.loads(packet)
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                _become(request, (channel.fileno(), wake_read, wake_write))
            pidfd = os.pidfd_open(pid)  # before any waitpid: this pid is the child's for as long as the fd is open
            try:
                _send(channel, {"id": request["id"], "started": pid}, [pidfd])
            finally:
                os.close(pidfd)
        _reap(channel)


if __name__ == "__main__":
    serve(int(sys.argv[1]))
