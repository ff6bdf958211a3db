"""The register page links every register as CSV and XLSX, fetched from its service with the secretary's token:
the dossier register with the page's filters, the award register, the directory's units and officials."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import httpx
import openpyxl
import pytest
from ops_scene import submitted
from portal_stack import SECRETARY, Stack, sign_in_over_http
from support import eventually

pytestmark = pytest.mark.service


@pytest.fixture
def secretary(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.portal.url, timeout=30) as client:
        sign_in_over_http(client, stack.portal.url, SECRETARY)
        yield client


def test_the_register_page_links_every_register_as_csv_and_xlsx(stack: Stack, secretary: httpx.Client) -> None:
    submitted(stack, "register-files", ["Sổ theo dõi hồ sơ điện tử"])
    page = secretary.get("/thu-ky/ho-so", params={"q": "so theo doi"})
    assert page.status_code == 200
    links = re.findall(r'href="(/thu-ky/so/[^"]+)"', page.text)
    assert {link.split("?")[0] for link in links} == {
        f"/thu-ky/so/{name}.{fmt}" for name in ("ho-so", "khen-thuong", "don-vi", "can-bo") for fmt in ("csv", "xlsx")}
    filtered = next(link for link in links if link.startswith("/thu-ky/so/ho-so.csv"))
    assert "q=so+theo+doi" in filtered.replace("&amp;", "&") or "q=so%20theo%20doi" in filtered
    # the submission service's register is its own projection, a moment behind the reporting service's
    dossiers = eventually(lambda: secretary.get(filtered.replace("&amp;", "&")),
                          lambda answer: "Sổ theo dõi hồ sơ điện tử" in answer.content.decode("utf-8-sig"), 15, 0.1)
    assert dossiers.status_code == 200 and dossiers.content.startswith(b"\xef\xbb\xbf")
    lines = dossiers.content.decode("utf-8-sig").split("\r\n")
    assert lines[0].startswith("Mã hồ sơ,Đợt phát động,Tên sáng kiến")
    assert any("Sổ theo dõi hồ sơ điện tử" in line for line in lines[1:])
    for name, header in (("ho-so", "Mã hồ sơ"), ("khen-thuong", "Xã/phường"), ("don-vi", "Mã đơn vị"),
                         ("can-bo", "Mã cán bộ")):
        answer = secretary.get(f"/thu-ky/so/{name}.xlsx")
        assert answer.status_code == 200, (name, answer.text[:300])
        assert f"{name}" in answer.headers["content-disposition"]
        rows = list(openpyxl.load_workbook(io.BytesIO(answer.content)).active.iter_rows(values_only=True))
        assert header in rows[1], (name, rows[:2])
