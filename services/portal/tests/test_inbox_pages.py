"""The inbox page (/thong-bao) on the real notifications service: the signed-in person's notifications, the
unread count in the header, mark read, the preferences form; nobody else's."""

from __future__ import annotations

import re

import httpx
import pytest
from inbox_stack import InboxStack, inbox_stack, returned  # noqa: F401 - the module's fixture
from portal_stack import AUTHOR, SECRETARY, csrf_of, sign_in_over_http

pytestmark = pytest.mark.system


def test_the_inbox_shows_my_notifications_marks_them_read_and_keeps_my_preferences(
        inbox_stack: InboxStack) -> None:  # noqa: F811
    inbox_stack.write(*returned("ib-1", "Một cửa liên thông", "Thiếu số liệu"),
                      *returned("ib-2", "Chữ ký số", "Thiếu bản sao"))
    url = inbox_stack.portal.url
    with httpx.Client(timeout=10) as client:
        sign_in_over_http(client, url, AUTHOR)
        page = client.get(f"{url}/thong-bao")
        assert page.status_code == 200
        assert "Hồ sơ sáng kiến bị trả lại: Một cửa liên thông" in page.text and "Lý do: Thiếu bản sao" in page.text
        assert "Bạn có 2 thông báo chưa đọc." in page.text
        mine = client.get(f"{url}/sang-kien-cua-toi")  # another page (its service is not up here: the 503 page)
        assert re.search(r'Thông báo <span class="badge">2<span class="visually-hidden"> chưa đọc', mine.text)

        one = re.search(r'name="id" value="([^"]+)"', page.text)
        assert one
        done = client.post(f"{url}/thong-bao/da-doc", data={"csrf_token": csrf_of(page.text), "id": one.group(1)})
        assert done.status_code == 303 and done.headers["location"] == "/thong-bao?da-doc"
        page = client.get(f"{url}/thong-bao?da-doc")
        assert "Đã đánh dấu là đã đọc." in page.text and "Bạn có 1 thông báo chưa đọc." in page.text

        saved = client.post(f"{url}/thong-bao/cai-dat", data={
            "csrf_token": csrf_of(page.text), "kind": ["dossier_returned", "recognised"], "digest": "on"})
        assert saved.status_code == 303
        page = client.get(f"{url}/thong-bao?da-luu")
        assert "Đã lưu cách nhận thông báo." in page.text
        assert re.search(r'id="kind-f-dossier-returned"[^>]*checked', page.text)
        assert not re.search(r'id="kind-f-award-granted"[^>]*checked', page.text)
        assert re.search(r'id="pref-digest"[^>]*checked', page.text)
        assert not re.search(r'id="pref-email"[^>]*checked', page.text)

        forged = client.post(f"{url}/thong-bao/da-doc", data={"csrf_token": "forged"})
        assert forged.status_code in (400, 403)

    with httpx.Client(timeout=10) as other:
        sign_in_over_http(other, url, SECRETARY)
        page = other.get(f"{url}/thong-bao")
        assert "Một cửa liên thông" not in page.text and "Chưa có thông báo nào." in page.text
