"""A commune makes a node its own (issue 22), as its IT person and administrator would, against the real
processes: `reform-node run --no-demo --commune-file …` prints where and how the first administrator signs in;
they change the one-time password, fill the profile and its chairman, import the directory; the secretary
they gave a password launches the first campaign; the report carries the commune's own letterhead. Then a
second commune is added to the running node (`reform-node add-commune`): its administrator sees only it, and
its documents carry its own names."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import docx
import httpx
import pytest
from first_start_kit import NEW_PASSWORD, Node, bearer, eventually, node_config, one_time_password, sign_in

from reform_node.demo import demo_campaign, token
from reform_node.node import NodeConfig

pytestmark = pytest.mark.system

FIRST = {"commune_id": "tan-lap", "name": "Tân Lập", "level": "xa",
         "administrator": {"official_id": "quan-tri-tl", "full_name": "Lê Thị Quỳnh"}}
SECOND = {"commune_id": "hai-lang", "name": "Hải Lăng", "level": "phuong",
          "administrator": {"official_id": "quan-tri-hl", "full_name": "Đào Văn Hải"}}
OFFICIALS = ("Mã cán bộ;Họ và tên;Chức vụ;Đơn vị;Vai trò\n"
             "thu-ky-tl;Phạm Thu Hà;Chuyên viên;vh-xh;secretary\n"
             "tac-gia-tl;Nguyễn Thị Lan;Chuyên viên;vh-xh;submitter\n")


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    data = tmp_path_factory.mktemp("first-start")
    config = node_config(data)
    commune_file = data / "xa.json"
    commune_file.write_text(json.dumps(FIRST, ensure_ascii=False), encoding="utf-8")
    started = Node(config, commune_file)
    try:
        started.output_until("Ctrl-C to stop")
        yield started
    finally:
        started.stop()


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
