"""Scenes for the city's pages on the portal's test stack (a standalone node answers the city's routes): a
commune of its own per test takes one initiative through scoring, recognition and nomination to the city, so
the nomination quota of one commune never couples two tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from dev_sign_in import Person
from portal_stack import CITY_COUNCIL, CITY_OFFICER, Stack

GOOD = {"novelty": 8, "effectiveness": 8.5, "replicability": 7, "feasibility": 8, "creativity": 6}
UNIT = {"unit_id": "vh-xh", "name": "Phòng Văn hóa – Xã hội"}


def people_of(commune: str) -> dict[str, Person]:
    return {"secretary": Person(f"{commune}-thu-ky", "Thư ký xã", ("secretary",), commune_id=commune),
            "author": Person(f"{commune}-tac-gia", "Tác giả xã", ("submitter",), commune_id=commune, unit_id="vh-xh"),
            "chairman": Person(f"{commune}-chu-tich", "Chủ tịch xã", ("chairman",), commune_id=commune),
            "administrator": Person(f"{commune}-quan-tri", "Quản trị xã", ("administrator",), commune_id=commune),
            "chair": Person(f"{commune}-chu-tri", "Chủ trì hội đồng", ("council_chair",), commune_id=commune),
            **{f"member{i}": Person(f"{commune}-tv{i}", f"Thành viên {i}", ("council_member",), commune_id=commune)
               for i in (1, 2, 3)}}


def call(stack: Stack, person: Person, method: str, service: str, path: str, **kwargs: Any) -> httpx.Response:
    """A direct call to a service (`path` from /api/v1), to set the scene of a test."""
    return httpx.request(method, f"{stack.services[service].url}/api/v1{path}", timeout=15,
                         headers={"Authorization": f"Bearer {stack.token(person)}"}, **kwargs)


def ok(answer: httpx.Response) -> Any:
    assert answer.status_code < 300, answer.text
    return answer.json()


def nominated(stack: Stack, commune: str, titles: list[str], field: str = "g",
              attachments: dict[str, list[str]] | None = None) -> list[str]:
    """`titles` submitted in `commune` (with the `attachments` ids given for a title), scored well, recognised by
    the chairman's decision and nominated to the city (at most two a year): the initiatives' ids, once the city's
    list holds them."""
    who, base = people_of(commune), f"/communes/{commune}"
    now = dt.datetime.now(dt.UTC)
    campaign_id = f"{commune}-{now.year}"
    ok(call(stack, who["secretary"], "POST", "submission", f"{base}/campaigns", json={
        "campaign_id": campaign_id, "year": now.year, "title": f"Đợt sáng kiến {commune}", "fields": ["a", "c", "g"],
        "submission_opens_at": (now - dt.timedelta(days=1)).isoformat(),
        "submission_closes_at": (now + dt.timedelta(days=20)).isoformat(), "expected_units": [UNIT]}))
    ids = [ok(call(stack, who["author"], "POST", "submission", f"{base}/campaigns/{campaign_id}/initiatives", json={
        "title": title, "unit": UNIT, "field": field, "authors": [{"user_id": who["author"].user_id,
                                                                  "name": who["author"].name}],
        "summary": f"{title}: giảm thời gian chờ của người dân khi làm thủ tục.",
        "attachment_ids": (attachments or {}).get(title, [])}))["id"] for title in titles]
    ok(call(stack, who["secretary"], "POST", "submission", f"{base}/campaigns/{campaign_id}/close",
            json={"reason": ""}))
    members = [{"user_id": who["chair"].user_id, "name": who["chair"].name, "role": "chair"},
               *({"user_id": who[f"member{i}"].user_id, "name": who[f"member{i}"].name} for i in (1, 2, 3))]
    ok(call(stack, who["secretary"], "POST", "evaluation", f"{base}/campaigns/{campaign_id}/council", json={
        "decision_number": "15/QĐ-UBND", "decision_date": dt.date.today().isoformat(), "members": members}))
    stack.eventually(lambda: call(stack, who["secretary"], "POST", "evaluation",
                                  f"{base}/campaigns/{campaign_id}/council/open-scoring"))
    for i in (1, 2, 3):
        stack.eventually(lambda i=i: call(stack, who[f"member{i}"], "GET", "evaluation",
                                          f"{base}/campaigns/{campaign_id}/my-queue"),
                         lambda body: len(body["to_score"]) == len(titles))
        for initiative_id in ids:
            ok(call(stack, who[f"member{i}"], "PUT", "evaluation", f"{base}/initiatives/{initiative_id}/scores/me",
                    json={"points": GOOD, "comment": ""}))
    for initiative_id in ids:
        ok(call(stack, who["chair"], "POST", "evaluation", f"{base}/initiatives/{initiative_id}/finalise"))
    stack.eventually(lambda: call(stack, who["secretary"], "GET", "evaluation",
                                  f"{base}/campaigns/{campaign_id}/progress"),
                     lambda p: all(r["outcome"] == "recognised" for r in p["initiatives"]))
    ok(call(stack, who["chairman"], "POST", "evaluation", f"{base}/campaigns/{campaign_id}/decision", json={
        "decision_number": "88/QĐ-UBND", "decision_date": dt.date.today().isoformat(), "signer": "Chủ tịch xã",
        "initiative_ids": ids}))
    for initiative_id in ids:
        stack.eventually(lambda i=initiative_id: call(stack, who["chairman"], "POST", "evaluation",
                                                      f"{base}/nominations", json={"initiative_id": i}))
    stack.eventually(lambda: call(stack, CITY_OFFICER, "GET", "evaluation", "/city/nominations",
                                  params={"year": now.year, "commune_id": commune}),
                     lambda body: {i["initiative_id"] for i in body["items"]} == set(ids))
    return ids


def appraised(stack: Stack, commune: str, initiative_id: str, scores: tuple[float, float] = (8, 7)) -> None:
    """The city council's quorum of sheets on a nomination, once the city's read model shows them."""
    for member in CITY_COUNCIL:
        ok(call(stack, member, "PUT", "evaluation", f"/city/appraisals/{commune}/{initiative_id}/scores/me",
                json={"effectiveness": scores[0], "replicability": scores[1], "comment": "Nhân rộng được"}))
    stack.eventually(lambda: call(stack, CITY_OFFICER, "GET", "evaluation",
                                  f"/city/appraisals/{commune}/{initiative_id}"),
                     lambda body: body["appraisals"] >= len(CITY_COUNCIL))


def proposed_for_city(stack: Stack, commune: str, initiative_ids: list[str]) -> str:
    """The author of `initiative_ids` in the commune's directory, and the secretary's proposal of a city
    chairman's Bằng khen for him on their basis: the award's id, once the Home Affairs list holds it."""
    who, base = people_of(commune), f"/communes/{commune}"
    author = who["author"]
    ok(call(stack, who["administrator"], "POST", "directory", f"{base}/directory/units",
            json={"unit_id": "vh-xh", "name": UNIT["name"], "kind": "phong"}))
    ok(call(stack, who["administrator"], "POST", "directory", f"{base}/directory/officials", json={
        "official_id": author.user_id, "full_name": author.name, "unit_id": "vh-xh", "roles": ["submitter"]}))
    body = {"form": "bang-khen-tp", "year": dt.date.today().year, "basis": {"initiative_ids": initiative_ids},
            "recipient": {"kind": "individual", "recipient_id": author.user_id, "name": author.name,
                          "unit_id": "vh-xh"}}
    answer = stack.eventually(lambda: call(stack, who["secretary"], "POST", "awards", f"{base}/awards", json=body))
    award_id = str(answer["award_id"])
    stack.eventually(lambda: call(stack, CITY_OFFICER, "GET", "awards", "/city/home-affairs",
                                  params={"year": body["year"]}),
                     lambda found: any(a["award_id"] == award_id for c in found["communes"] for a in c["proposals"]))
    return award_id
