"""The node's zygote: services forked from one process that imported what they share, each as its own process
(own session, environment, arguments, log), signalled and reaped like `subprocess.Popen`'s; and on a real node,
every service forked from it, sharing its pages, a service killed with SIGKILL started again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import eventually

from reform_node.forking import Zygote
from reform_node.node import SERVICES, CommuneNode, NodeConfig, wait_ready
from reform_node.servers import free_port
from reform_node.zygote import PRELOAD, UNKNOWN_EXIT

pytestmark = pytest.mark.system

PROBE = '''
import gc, os, sys, time
preloaded = "fastapi" in sys.modules and "pymongo" in sys.modules and gc.get_freeze_count() > 0  # before any import
print("argv", sys.argv[1:], "env", os.environ.get("PROBE_VALUE"), "session", os.getsid(0) == os.getpid(), flush=True)
print("preloaded", preloaded, flush=True)
if sys.argv[1] == "sleep":
    time.sleep(60)
if sys.argv[1] == "fail":
    raise RuntimeError("the probe failed on purpose")
sys.exit(int(sys.argv[1]))
'''


@pytest.fixture
def zygote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Zygote]:
    (tmp_path / "zygote_probe.py").write_text(PROBE)
    monkeypatch.setenv("PYTHONPATH", f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    forker = Zygote(tmp_path / "zygote.log")
    try:
        yield forker
    finally:
        forker.close()


def test_a_forked_child_runs_its_module_with_its_own_arguments_environment_session_and_log(
        zygote: Zygote, tmp_path: Path) -> None:
    log = tmp_path / "probe.log"
    child = zygote.spawn("zygote_probe", ["3"], {**os.environ, "PROBE_VALUE": "giá trị"}, log)
    assert child.wait(30) == 3 and child.returncode == 3 and child.poll() == 3
    lines = log.read_text().splitlines()
    assert lines == ["argv ['3'] env giá trị session True", "preloaded True"]

    failed = zygote.spawn("zygote_probe", ["fail"], dict(os.environ), tmp_path / "failed.log")
    assert failed.wait(30) == 1  # an uncaught error: its traceback in its own log, code 1 as an interpreter's
    assert "RuntimeError: the probe failed on purpose" in (tmp_path / "failed.log").read_text()


def test_a_forked_child_is_signalled_and_reaped_like_a_popen(zygote: Zygote, tmp_path: Path) -> None:
    killed = zygote.spawn("zygote_probe", ["sleep"], dict(os.environ), tmp_path / "killed.log")
    stopped = zygote.spawn("zygote_probe", ["sleep"], dict(os.environ), tmp_path / "stopped.log")
    assert killed.poll() is None and stopped.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        killed.wait(0.2)
    assert os.getpgid(killed.pid) == killed.pid != os.getpgid(0)  # its own session: Ctrl-C reaches the launcher only
    eventually((tmp_path / "killed.log").read_text, lambda text: "argv ['sleep']" in text, timeout=30, interval=0.05)
    # what ps, top and pgrep -f show: the service's own command line, as if started apart, not the zygote's
    shown = Path(f"/proc/{killed.pid}/cmdline").read_bytes().replace(b"\0", b" ").strip()
    assert shown == f"{sys.executable} -m zygote_probe sleep".encode()
    killed.kill()
    stopped.terminate()
    assert killed.wait(10) == -signal.SIGKILL and stopped.wait(10) == -signal.SIGTERM
    killed.kill()  # ended: nothing is signalled (a pidfd never reaches a pid the kernel gave to another process)
    assert killed.returncode == -signal.SIGKILL


def test_a_child_nobody_waits_for_any_more_is_killed_and_a_pid_used_again_gets_no_stale_code(
        zygote: Zygote) -> None:
    stray = subprocess.Popen(["sleep", "60"])  # stands for a child whose spawn() gave up after 30 s
    zygote._codes[stray.pid] = 7  # as if an earlier child with the same pid had ended with 7
    zygote._received({"id": 999, "started": stray.pid}, [os.pidfd_open(stray.pid)])  # nobody waits for id 999
    assert stray.wait(10) == -signal.SIGKILL  # it would hold its port untracked
    assert stray.pid not in zygote._codes  # a pid handed out again: the old child's code is forgotten


def test_children_outlive_the_zygote_as_popen_children_outlive_their_launcher(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "zygote_probe.py").write_text(PROBE)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    forker = Zygote(tmp_path / "zygote.log")
    child = forker.spawn("zygote_probe", ["sleep"], dict(os.environ), tmp_path / "probe.log")
    forker.close()
    try:
        time.sleep(0.5)
        assert os.path.exists(f"/proc/{child.pid}") and child.poll() is None
    finally:
        os.kill(child.pid, signal.SIGKILL)


def test_every_service_of_a_node_is_forked_from_the_zygote_and_one_killed_starts_again(tmp_path: Path) -> None:
    config = NodeConfig(data_dir=tmp_path / "node", nats_port=free_port(), nats_http_port=free_port(),
                        mongo_port=free_port(), service_ports={service: free_port() for service in SERVICES})
    node = CommuneNode(config)
    node.start()
    try:
        assert node.zygote is not None
        zygote_pid = node.zygote.pid
        for name, child in node.services.items():
            assert child.proc is not None
            status = Path(f"/proc/{child.proc.pid}/status").read_text()
            assert f"PPid:\t{zygote_pid}\n" in status, name
            shown = Path(f"/proc/{child.proc.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            assert shown.startswith(f"{sys.executable} -m {child.argv[2]}"), (name, shown)  # what ps shows: itself
        shared = Path(f"/proc/{node.services['reporting'].proc.pid}/smaps_rollup").read_text()  # type: ignore[union-attr]
        shared_kb = sum(int(line.split()[1]) for line in shared.splitlines() if line.startswith("Shared_Dirty:"))
        assert shared_kb > 10_000  # the preloaded objects: pages written by the zygote, shared with its children

        killed = node.services["reporting"]
        assert killed.proc is not None
        killed.proc.kill()
        assert killed.proc.wait(10) == -signal.SIGKILL
        again = node.start_service("reporting")
        wait_ready(config.url("reporting"), 60, again)
        assert again.proc is not None and again.proc.pid != killed.proc.pid

        os.kill(zygote_pid, signal.SIGKILL)  # the zygote itself killed: the services go on, a new one forks the next
        deadline = time.monotonic() + 10
        while node.zygote.alive and time.monotonic() < deadline:
            time.sleep(0.05)
        assert node.services["submission"].proc.poll() is None  # type: ignore[union-attr]
        restarted = node.services["awards"]
        restarted.stop()  # its zygote is gone: it ended, and init reaped it, so how is not known here
        assert restarted.proc is not None and restarted.proc.returncode == UNKNOWN_EXIT
        awards = node.start_service("awards")
        wait_ready(config.url("awards"), 60, awards)
        assert node.zygote is not None and node.zygote.pid != zygote_pid
    finally:
        node.stop()
    assert node.zygote is None


def test_what_the_zygote_preloads_exists() -> None:
    import importlib.util

    assert all(importlib.util.find_spec(name) is not None for name in PRELOAD)
