"""The council's deliberation in Debian's Chromium (issue 21): a member who has scored writes a note by keyboard
and mentions another member, the secretary asks the author, the author answers in the dossier, the chair sees
the disagreement beside the discussion; the secretary's conflict pre-check. axe-core on every page added."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from browser_kit import no_violations
from dev_sign_in import Person
from playwright.sync_api import Page, expect
from portal_stack import AUTHOR, CHAIR, MEMBER, MEMBER_2, SECRETARY, Stack

pytestmark = pytest.mark.browser
TITLE = "Trả lời phản ánh qua cổng thông tin xã"
POINTS = {"novelty": 8, "effectiveness": 8, "replicability": 7, "feasibility": 8, "creativity": 6}


def test_the_council_deliberates_and_the_author_answers(stack: Stack, signed_in: Callable[[Person], Page]) -> None:
    [initiative] = stack.council("browser-deliberation", [TITLE])
    assert stack.api(MEMBER, "PUT", "evaluation", f"/initiatives/{initiative}/scores/me",
                     json={"points": POINTS}).status_code == 200
    member = signed_in(MEMBER)
    member.goto(f"/cham-diem/{initiative}")
    member.get_by_role("link", name="Thảo luận của hội đồng về sáng kiến này").click()
    expect(member.get_by_role("heading", name=f"Thảo luận của hội đồng: {TITLE}", level=1)).to_be_visible()
    no_violations(member)
    member.get_by_role("button", name="Gửi ý kiến").click()  # empty: refused beside the field
    expect(member.locator("#f-text-error")).to_be_visible()
    expect(member.get_by_label("Ý kiến của bạn")).to_have_accessible_description(re.compile("Lỗi"))
    no_violations(member)
    member.get_by_label("Ý kiến của bạn").fill("Đề nghị bổ sung số phản ánh đã trả lời.")
    member.get_by_label(MEMBER_2.name).check()
    member.get_by_label(MEMBER_2.name).press("Tab")
    member.keyboard.press("Enter")
    expect(member.locator("#notes")).to_contain_text("Đề nghị bổ sung số phản ánh đã trả lời.")
    no_violations(member)

    secretary = signed_in(SECRETARY)
    secretary.goto(f"/thao-luan/{initiative}")
    secretary.get_by_label("Câu hỏi của hội đồng cho tác giả").fill("Xin gửi số phản ánh đã trả lời.")
    secretary.get_by_role("button", name="Gửi câu hỏi cho tác giả").click()
    expect(secretary.locator("#questions")).to_contain_text("Tác giả chưa trả lời.")
    no_violations(secretary)

    author = signed_in(AUTHOR)
    author.goto(f"/ho-so/{initiative}")
    no_violations(author)
    author.get_by_label("Câu trả lời của tác giả").fill("Đã trả lời 214 phản ánh.")
    author.get_by_role("button", name="Gửi câu trả lời").click()
    expect(author.locator("#questions")).to_contain_text("Đã trả lời 214 phản ánh.")
    expect(author.locator("#history")).to_contain_text("Tác giả trả lời hội đồng")
    no_violations(author)

    chair = signed_in(CHAIR)
    chair.goto("/tien-do/browser-deliberation")
    chair.get_by_role("link", name=f"Thảo luận về {TITLE}").click()
    expect(chair.locator("#disagreement")).to_be_visible()
    expect(chair.locator("#questions")).to_contain_text("Đã trả lời 214 phản ánh.")
    no_violations(chair)


def test_the_secretary_prechecks_the_proposed_members(stack: Stack, signed_in: Callable[[Person], Page]) -> None:
    stack.launch("browser-precheck")
    created = stack.api(AUTHOR, "POST", "submission", "/campaigns/browser-precheck/initiatives", json={
        "title": "Sổ tay thủ tục một cửa", "unit": {"unit_id": "vh-xh", "name": "Phòng Văn hóa – Xã hội"},
        "field": "g", "authors": [{"user_id": AUTHOR.user_id, "name": AUTHOR.name}],
        "summary": "Sổ tay thủ tục giúp người dân chuẩn bị hồ sơ."})
    assert created.status_code == 201, created.text
    author = {"user_id": AUTHOR.user_id, "name": AUTHOR.name}  # the evaluation learns of the dossier a moment later
    stack.eventually(lambda: stack.api(SECRETARY, "POST", "evaluation", "/campaigns/browser-precheck/council/precheck",
                                       json={"members": [author]}), lambda body: bool(body["findings"]))
    secretary = signed_in(SECRETARY)
    secretary.goto("/thu-ky/hoi-dong/browser-precheck")
    no_violations(secretary)
    for person in (MEMBER, AUTHOR):
        secretary.get_by_label(person.name).check()
    secretary.get_by_role("button", name="Kiểm tra xung đột lợi ích của các thành viên đã chọn").click()
    expect(secretary.locator("#findings")).to_contain_text("là tác giả sáng kiến (author)")
    assert "csrf_token" not in secretary.url  # the set-up form's token never in an address
    no_violations(secretary)
    secretary.get_by_role("button", name="Ghi nhận quyết định").first.click()  # no reason: refused beside it
    expect(secretary.locator(".error").first).to_be_visible()
    no_violations(secretary)
    secretary.get_by_label("Lý do").first.fill("Là tác giả: không chấm sáng kiến của mình")
    secretary.get_by_role("button", name="Ghi nhận quyết định").first.click()
    expect(secretary.locator("#findings")).to_contain_text("Là tác giả: không chấm sáng kiến của mình")
    no_violations(secretary)
