"""E-mail through a real SMTP server: a long Vietnamese subject survives (CPython #92081), plain text and HTML."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from typing import Any

import pytest
from nt_scene import Mailbox

from reform_notifications.adapters.email import SmtpChannel, mime_of
from reform_notifications.adapters.rendering import render
from reform_notifications.application.ports import DeliveryFailed

pytestmark = pytest.mark.service

LONG = ("ban «Một định ban «Một hết phát đề thành Quyết nộp Giang hành Ủy nộp Giang sáng sáng Giang Giang năm động đề "
        "dân hành Sắp 25/9 hạn nghị Ủy đề công năm thưởng — hạn Đợt của Hải")
"""A subject whose folding under plain `email.policy.SMTP` loses a space on Python 3.11."""
SUBJECT = ("Sắp hết hạn nộp sáng kiến: Đợt phát động sáng kiến cải cách hành chính năm 2026 của Ủy ban nhân dân "
           "xã Ninh Giang, thành phố Hải Phòng — «Một cửa liên thông» hạn chót 25/9")


def round_trip(mail: EmailMessage) -> str:
    return str(email.message_from_bytes(mail.as_bytes(), policy=policy.default)["Subject"])


def test_the_default_policy_loses_a_space_and_ours_does_not() -> None:
    plain = EmailMessage(policy=policy.SMTP)
    plain["Subject"] = LONG
    plain.set_content("x")
    assert round_trip(plain) != LONG  # the CPython bug this guards against
    ours = mime_of(render("Phạm Văn An", "an@x.vn", LONG, [(LONG, ["x"], "")], "http://p"), "a@b.vn")
    assert round_trip(ours) == LONG


@pytest.fixture
def mailbox_up() -> Any:
    with Mailbox.running() as box:
        yield box


@pytest.mark.parametrize("subject", [LONG, SUBJECT])
async def test_a_long_vietnamese_subject_survives_a_real_smtp_round_trip(mailbox_up: Mailbox, subject: str) -> None:
    channel = SmtpChannel("127.0.0.1", mailbox_up.port, "thong-bao@ninhgiang.gov.vn")
    message = render("Phạm Văn An", "an@ninhgiang.gov.vn", subject,
                     [(subject, ["Hồ sơ «Một cửa» đã được trả lại.", "Lý do: thiếu <số liệu>"], "/sang-kien/1")],
                     "http://portal.test")
    await channel.send(message)
    [received] = mailbox_up.to("an@ninhgiang.gov.vn")
    assert str(received["Subject"]) == subject
    assert str(received["To"]) == "Phạm Văn An <an@ninhgiang.gov.vn>"
    text = received.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = received.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Lý do: thiếu <số liệu>" in text and "http://portal.test/sang-kien/1" in text
    assert "Lý do: thiếu &lt;số liệu&gt;" in html and '<html lang="vi">' in html


async def test_an_unreachable_server_is_a_delivery_failure() -> None:
    from reform_node.servers import free_port

    with pytest.raises(DeliveryFailed):
        await SmtpChannel("127.0.0.1", free_port(), "a@b.vn", timeout=2).send(
            render("A", "a@b.vn", "Thử", [("Thử", ["x"], "")], "http://p"))
