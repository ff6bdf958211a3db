"""The council's pages over real HTTP against the real evaluation service: the blind sheet, a refused score
kept beside its field, a revision, a declared conflict closing the sheet, the chair's progress and finalisation,
and each page only for its roles."""

from __future__ import annotations

import re

import httpx
import pytest
from portal_stack import AUTHOR, CHAIR, MEMBER, MEMBER_2, MEMBER_3, SECRETARY, Stack, as_, csrf_of

pytestmark = pytest.mark.service
GOOD = {"novelty": "8", "effectiveness": "8,5", "replicability": "7", "feasibility": "8", "creativity": "6"}
LOW = {"novelty": "3", "effectiveness": "3", "replicability": "2", "feasibility": "3", "creativity": "2"}


def post(client: httpx.Client, path: str, data: dict[str, str]) -> httpx.Response:
    return client.post(path, data={"csrf_token": csrf_of(client.get(path).text), **data})


def points(values: dict[str, str], comment: str = "") -> dict[str, str]:
    return {**{f"points.{code}": value for code, value in values.items()}, "comment": comment}


def test_scoring_a_conflict_and_finalising_over_http(stack: Stack, clients: dict[str, httpx.Client]) -> None:
    [initiative] = stack.council("council-http", ["Hẹn giờ trả kết quả qua Zalo"])
    sheet = f"/cham-diem/{initiative}"
    first = as_(stack, clients, MEMBER)
    queue = first.get("/cham-diem")
    assert queue.status_code == 200 and "Hẹn giờ trả kết quả qua Zalo" in queue.text
    page = first.get(sheet)
    assert page.status_code == 200 and 'lang="vi"' in page.text
    assert "Điểm «Tính hiệu quả»" in page.text and "Trọng số 30% · từ 0 đến 10 điểm" in page.text
    assert "giảm thời gian chờ của người dân" in page.text  # the dossier's content, read-only

    typo = post(first, sheet, points({**GOOD, "novelty": "tám"}, "Giải pháp tốt"))
    assert typo.status_code == 422 and 'id="f-points-novelty-error"' in typo.text
    assert 'value="tám"' in typo.text and 'value="8,5"' in typo.text and "Giải pháp tốt" in typo.text
    over = post(first, sheet, points({**GOOD, "creativity": "11"}, "Giải pháp tốt"))
    assert over.status_code == 422 and 'id="f-points-creativity-error"' in over.text and "ngoài khung" in over.text
    assert 'value="11"' in over.text
    done = post(first, sheet, points(GOOD, "Giải pháp tốt"))
    assert done.status_code == 303
    scored = first.get(done.headers["location"])
    assert "Đã lưu phiếu chấm điểm." in scored.text and "Đã chấm, tổng 77,5 điểm" in scored.text
    assert 'value="8,5"' in scored.text

    second = as_(stack, clients, MEMBER_2)
    blind = second.get(sheet)
    assert "Chưa chấm" in blind.text and "Giải pháp tốt" not in blind.text and "77,5" not in blind.text
    assert post(second, sheet, points(LOW, "Chưa rõ hiệu quả")).status_code == 303
    assert "Giải pháp tốt" not in second.get(sheet).text  # having scored, still only one's own sheet
    assert post(second, sheet, points({**LOW, "novelty": "4"}, "Đã xem lại")).status_code == 303  # a revision
    assert "Đã xem lại" in second.get(sheet).text

    third = as_(stack, clients, MEMBER_3)
    short = post(third, f"{sheet}/xung-dot", {"reason": "x"})
    assert short.status_code == 422 and 'id="f-reason-error"' in short.text and ">x</textarea>" in short.text
    declared = post(third, f"{sheet}/xung-dot", {"reason": "Vợ của tác giả"})
    assert declared.status_code == 303
    closed = third.get(declared.headers["location"])
    assert "Xung đột lợi ích: Vợ của tác giả" in closed.text and "Lưu phiếu chấm" not in closed.text
    assert "Vợ của tác giả" in third.get("/cham-diem").text

    chair = as_(stack, clients, CHAIR)
    progress = chair.get("/tien-do/council-http")
    row = re.search(rf'<tr id="row-{initiative}">(.*?)</tr>', progress.text, re.S)
    assert progress.status_code == 200 and row, progress.text
    assert ">2/3<" in row.group(1) and '"num conflicted">1<' in row.group(1)
    assert "Chênh lệch lớn giữa các phiếu" in row.group(1)
    confirm = chair.get(f"/tien-do/council-http/{initiative}/ket-luan")
    assert confirm.status_code == 200 and "Xác nhận kết luận" in confirm.text
    finalised = post(chair, f"/tien-do/council-http/{initiative}/ket-luan", {})
    assert finalised.status_code == 303
    after = chair.get(finalised.headers["location"])
    assert "Đã kết luận sáng kiến." in after.text and "Được công nhận" in after.text
    assert "không sửa được điểm nữa" in first.get(sheet).text

    secretary = as_(stack, clients, SECRETARY)
    assert secretary.get("/tien-do/council-http").status_code == 200
    assert secretary.get(f"/tien-do/council-http/{initiative}/ket-luan").status_code == 403
    assert first.get("/tien-do/council-http").status_code == 403
    assert as_(stack, clients, AUTHOR).get(sheet).status_code == 403
