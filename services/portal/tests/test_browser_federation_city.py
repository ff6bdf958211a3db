"""In a real local federation (the city node and a commune node as processes, each with its identity provider and
portal): the commune's nomination reaches the city, the city officer signs in to the city's portal with the demo
account the node made, finds the nomination, and records the city's decision; the decision flows back to the
commune. axe-core on every page."""

from __future__ import annotations

import re

import pytest
from browser_kit import no_violations, shot
from federation_browser import COMMUNE, CityFederation, city_federation_fixture, eventually, sign_in_at  # noqa: F401
from playwright.sync_api import Browser, expect

pytestmark = [pytest.mark.browser, pytest.mark.system, pytest.mark.timeout(900)]
COUNCIL = ("tv-hoa", "tv-khanh", "tv-long")


def test_a_nomination_reaches_the_city_and_the_officer_decides(city_federation: CityFederation,
                                                                browser: Browser) -> None:
    cycle = city_federation.cycles[COMMUNE]
    [initiative, *_] = cycle["nominated"]
    year = cycle["year"]

    def city_list() -> list[dict[str, object]]:
        answer = city_federation.city_call("GET", "evaluation", "/api/v1/city/nominations", "city-officer",
                                           ("city_officer",), params={"year": year})
        return list(answer.json()["items"]) if answer.status_code == 200 else []

    items = eventually(city_list, lambda items: any(i["initiative_id"] == initiative for i in items), timeout=180)
    title = next(str(i["title"]) for i in items if i["initiative_id"] == initiative)
    base = f"/api/v1/city/appraisals/{COMMUNE}/{initiative}"
    for member in COUNCIL:  # the city council's quorum
        scored = city_federation.city_call("PUT", "evaluation", f"{base}/scores/me", member, ("city_council",),
                                           json={"effectiveness": 8, "replicability": 7.5, "comment": "Nhân rộng"})
        assert scored.status_code in (200, 201), scored.text

    officer = sign_in_at(browser, city_federation.city_portal(), city_federation.city_user("city_officer"),
                         city_federation.password)
    no_violations(officer)
    officer.get_by_role("link", name="Đề nghị của các xã").click()  # the year the nominations are of, by itself
    expect(officer.get_by_role("heading", level=1)).to_contain_text(f"năm {year}")
    row = officer.locator(f"#n-{COMMUNE}-{initiative}")
    expect(row).to_contain_text(title)
    expect(row).to_contain_text(re.compile("Ninh Giang"))  # the commune's name, as its campaign gives it
    no_violations(officer)
    row.get_by_role("link").click()
    expect(officer.locator("#appraisal-status")).to_have_text("Đủ túc số, chờ quyết định")
    no_violations(officer)
    officer.get_by_role("link", name="Ghi quyết định của thành phố").click()
    expect(officer.get_by_role("heading", name=f"Quyết định công nhận cấp thành phố: {title}", level=1)).to_be_visible()
    no_violations(officer)
    officer.get_by_label("Công nhận sáng kiến cấp thành phố").check()
    officer.get_by_label("Số quyết định").fill("1234/QĐ-UBND")
    officer.get_by_label("Ngày quyết định").fill("21/11/2026")
    officer.get_by_role("button", name="Ghi quyết định").click()
    expect(officer.get_by_role("status")).to_have_text("Đã ghi quyết định của thành phố.")
    expect(officer.locator("#appraisal-status")).to_have_text("Được công nhận cấp thành phố")
    expect(officer.locator("#city-decision")).to_contain_text("Công nhận – số 1234/QĐ-UBND ngày 21/11/2026")
    no_violations(officer)
    shot(officer, "city-decision")

    path = f"/api/v1/communes/{COMMUNE}/initiatives/{initiative}"
    back = eventually(lambda: city_federation.commune_get(COMMUNE, "reporting", path).json(),
                      lambda d: bool(d.get("city_recognised") or d.get("stages", {}).get("city_recognised")))
    assert back  # the city's decision reached the commune's node
