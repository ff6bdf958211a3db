"""A commune makes a node its own (issue 22), as its IT person and administrator would, against the real
processes: `reform-node run --no-demo --commune-file …` prints where and how the first administrator signs in;
they change the one-time password, fill the profile and its chairman, import the directory; the secretary
they gave a password launches the first campaign; the report carries the commune's own letterhead. Then a
second commune is added to the running node (`reform-node add-commune`): its administrator sees only it, and
its documents carry its own names."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import docx
import httpx
import pytest

from reform_identity.config import PORTAL
from reform_node.demo import demo_campaign, token
from reform_node.node import SERVICES, NodeConfig
from reform_node.servers import free_port

pytestmark = pytest.mark.system

FIRST = {"commune_id": "tan-lap", "name": "Tân Lập", "level": "xa",
         "administrator": {"official_id": "quan-tri-tl", "full_name": "Lê Thị Quỳnh"}}
SECOND = {"commune_id": "hai-lang", "name": "Hải Lăng", "level": "phuong",
          "administrator": {"official_id": "quan-tri-hl", "full_name": "Đào Văn Hải"}}
OFFICIALS = ("Mã cán bộ;Họ và tên;Chức vụ;Đơn vị;Vai trò\n"
             "thu-ky-tl;Phạm Thu Hà;Chuyên viên;vh-xh;secretary\n"
             "tac-gia-tl;Nguyễn Thị Lan;Chuyên viên;vh-xh;submitter\n")
NEW_PASSWORD = "Mat-khau-moi-2027!"


class Node:
    """`reform-node run --no-demo` as a process, its output read as it comes."""

    def __init__(self, config: NodeConfig, commune_file: Path) -> None:
        self.config = config
        ports = [arg for service, port in config.service_ports.items() for arg in (f"--{service}-port", str(port))]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "reform_node", "--data-dir", str(config.data_dir), "run", "--no-demo",
             "--commune-file", str(commune_file), "--nats-port", str(config.nats_port), "--nats-http-port",
             str(config.nats_http_port), "--mongo-port", str(config.mongo_port), *ports],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
            start_new_session=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def output_until(self, marker: str, timeout: float = 300) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = "".join(self.lines)
            if marker in text:
                return text
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError("".join(self.lines)[-4000:])

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)  # Ctrl-C: the node stops its children in order
        try:
            self.proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    data = tmp_path_factory.mktemp("first-start")
    config = NodeConfig(data_dir=data, nats_port=free_port(), nats_http_port=free_port(), mongo_port=free_port(),
                        service_ports={service: free_port() for service in SERVICES})
    commune_file = data / "xa.json"
    commune_file.write_text(json.dumps(FIRST, ensure_ascii=False), encoding="utf-8")
    started = Node(config, commune_file)
    try:
        started.output_until("Ctrl-C to stop")
        yield started
    finally:
        started.stop()


def one_time_password(printed: str) -> str:
    found = re.search(r"one-time password, shown once\): (\S+)", printed)
    assert found, printed[-3000:]
    return found.group(1)


def sign_in(identity_url: str, user: str, password: str, new_password: str | None = None) -> str:
    """The authorization code flow as the portal runs it (PKCE S256), changing a one-time password on the way:
    the access token."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    redirect = PORTAL.redirect_uris[0]
    with httpx.Client(base_url=identity_url, follow_redirects=False, timeout=10) as browser:
        page = browser.get("/authorize", params={
            "client_id": PORTAL.client_id, "redirect_uri": redirect, "response_type": "code", "scope": "openid",
            "state": "s-1", "code_challenge": challenge, "code_challenge_method": "S256"})
        assert page.status_code == 200, page.text
        form = {name: re.search(rf'name="{name}" value="([^"]*)"', page.text).group(1)  # type: ignore[union-attr]
                for name in ("request_id", "csrf")}
        signed = browser.post("/authorize", data={**form, "username": user, "password": password})
        if new_password is not None:  # a one-time password: the page asks for a new one at once
            assert signed.status_code == 200 and "Đổi mật khẩu" in signed.text, signed.text
            signed = browser.post("/password", data={**form, "new_password": new_password,
                                                     "confirm_password": new_password})
        assert signed.status_code == 303, signed.text
        code = parse_qs(urlsplit(signed.headers["location"]).query)["code"][0]
        tokens = browser.post("/token", data={"grant_type": "authorization_code", "code": code,
                                              "redirect_uri": redirect, "client_id": PORTAL.client_id,
                                              "code_verifier": verifier})
    assert tokens.status_code == 200, tokens.text
    return str(tokens.json()["access_token"])


def bearer(access: str, key: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {access}", **({"Idempotency-Key": key} if key else {})}


def eventually(fetch: Any, timeout: float = 30) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        answer = fetch()
        if answer.status_code not in (404, 503) or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


def fill_profile(config: NodeConfig, commune: str, access: str, name: str, level: str, chairman: str) -> None:
    base = f"{config.url('directory')}/api/v1/communes/{commune}/profile"
    profile = {"name": name, "level": level, "address": f"Trụ sở UBND {name}", "secretariat": "Phòng Văn hóa - Xã hội",
               "deadlines": {"submission_deadline": "09-25", "nomination_deadline": "09-30"}}
    answer = httpx.put(base, json=profile, headers=bearer(access, f"{commune}-profile"))
    assert answer.status_code == 200, answer.text
    signer = {"signer_id": "chu-tich", "full_name": chairman, "role": "chairman"}
    answer = httpx.post(f"{base}/signers", json=signer, headers=bearer(access, f"{commune}-chairman"))
    assert answer.status_code == 201, answer.text


def report_text(config: NodeConfig, commune: str, access: str) -> list[str]:
    url = f"{config.url('reporting')}/api/v1/communes/{commune}/reports/{dt.date.today().year}"
    answer = eventually(lambda: httpx.get(url, params={"format": "docx"}, headers=bearer(access)))
    assert answer.status_code == 200, answer.text
    document = docx.Document(io.BytesIO(answer.content))
    return [p.text for p in document.paragraphs] + [
        p.text for t in document.tables for row in t.rows for cell in row.cells for p in cell.paragraphs]


def launch(config: NodeConfig, commune: str, access: str, name: str) -> None:
    campaign = demo_campaign(dt.datetime.now(dt.UTC), name, units=[])
    answer = httpx.post(f"{config.url('submission')}/api/v1/communes/{commune}/campaigns", json=campaign,
                        headers=bearer(access, f"{commune}-campaign"))
    assert answer.status_code == 201, answer.text


def test_a_node_without_demo_data_is_taken_to_its_first_campaign(node: Node) -> None:
    printed, cfg = "".join(node.lines), node.config
    assert "tan-lap" in printed and "quan-tri-tl" in printed and cfg.url("portal") in printed
    admin = sign_in(cfg.url("identity"), "quan-tri-tl", one_time_password(printed), NEW_PASSWORD)
    fill_profile(cfg, "tan-lap", admin, "Tân Lập", "xa", "Nguyễn Văn Chính")
    directory = f"{cfg.url('directory')}/api/v1/communes/tan-lap/directory"
    unit = httpx.post(f"{directory}/units", json={"unit_id": "vh-xh", "name": "Phòng Văn hóa - Xã hội",
                                                  "kind": "phong"}, headers=bearer(admin, "unit-1"))
    assert unit.status_code == 201, unit.text
    imported = httpx.post(f"{directory}/import", headers=bearer(admin, "import-1"),
                          files={"file": ("danh-ba.csv", OFFICIALS.encode("utf-8-sig"), "text/csv")})
    assert imported.status_code == 201, imported.text
    reset = eventually(lambda: httpx.put(f"{cfg.url('identity')}/api/v1/communes/tan-lap/accounts/thu-ky-tl/password",
                                         json={}, headers=bearer(admin)))
    assert reset.status_code == 200, reset.text
    secretary = sign_in(cfg.url("identity"), "thu-ky-tl", reset.json()["one_time_password"], NEW_PASSWORD)
    seen = httpx.get(f"{cfg.url('directory')}/api/v1/communes/tan-lap/profile", headers=bearer(secretary)).json()
    assert seen["commune_name"] == "xã Tân Lập" and seen["profile"]["deadlines"]["submission_deadline"] == "09-25"
    launch(cfg, "tan-lap", secretary, "xã Tân Lập")
    text = report_text(cfg, "tan-lap", secretary)
    assert "UBND XÃ TÂN LẬP" in text and "Nguyễn Văn Chính" in text


def test_a_second_commune_on_the_running_node_has_its_own_administrator_and_letterhead(
        node: Node, tmp_path: Path) -> None:
    cfg = node.config
    commune_file = tmp_path / "phuong.json"
    commune_file.write_text(json.dumps(SECOND, ensure_ascii=False), encoding="utf-8")
    added = subprocess.run([sys.executable, "-m", "reform_node", "--data-dir", str(cfg.data_dir), "add-commune",
                            "--file", str(commune_file), "--directory-port", str(cfg.service_ports["directory"]),
                            "--identity-port", str(cfg.service_ports["identity"]),
                            "--portal-port", str(cfg.service_ports["portal"])],
                           capture_output=True, text=True, timeout=120)
    assert added.returncode == 0, added.stdout[-2000:] + added.stderr[-2000:]
    admin = sign_in(cfg.url("identity"), "quan-tri-hl", one_time_password(added.stdout), NEW_PASSWORD)
    other = httpx.get(f"{cfg.url('directory')}/api/v1/communes/tan-lap/profile", headers=bearer(admin))
    assert other.status_code == 403, other.text  # its administrator sees only its commune
    fill_profile(cfg, "hai-lang", admin, "Hải Lăng", "phuong", "Trần Thị Mai")
    secretary = token(cfg.settings(), "thu-ky-hl", "Thư ký", ["secretary"], commune="hai-lang")  # a script token
    launch(cfg, "hai-lang", secretary, "phường Hải Lăng")
    text = report_text(cfg, "hai-lang", secretary)
    assert "UBND PHƯỜNG HẢI LĂNG" in text and "Trần Thị Mai" in text
    assert not any("Tân Lập" in line or "Nguyễn Văn Chính" in line for line in text)
    assert [c["commune_id"] for c in json.loads((cfg.data_dir / "communes.json").read_text("utf-8"))] == [
        "tan-lap", "hai-lang"]
    again = subprocess.run([sys.executable, "-m", "reform_node", "--data-dir", str(cfg.data_dir), "add-commune",
                            "--file", str(commune_file)], capture_output=True, text=True, timeout=60)
    assert again.returncode == 2 and "already on this node" in again.stderr
