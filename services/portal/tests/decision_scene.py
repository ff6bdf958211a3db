"""Scenes for the council, decision and nomination pages, set directly on the services: the council's people in
the directory, dossiers submitted, scored by three members and finalised by the chair."""

from __future__ import annotations

from portal_stack import AUTHOR, CHAIR, MEMBER, MEMBER_2, MEMBER_3, SECRETARY, Stack

PEOPLE = (CHAIR, MEMBER, MEMBER_2, MEMBER_3)
HIGH = {"novelty": 9, "effectiveness": 8.5, "replicability": 8, "feasibility": 8, "creativity": 7}
LOW = {"novelty": 3, "effectiveness": 2, "replicability": 2, "feasibility": 3, "creativity": 2}


def in_directory(stack: Stack) -> None:
    """The council's people as officials of the commune (registered once for the session). A directory that
    holds anything is enforced by the submission service (a dossier's unit and authors must be in it), so the
    author's unit and the author go in too: the other tests' dossiers stay valid."""
    unit = stack.api(SECRETARY, "POST", "directory", "/directory/units",
                     json={"unit_id": "vh-xh", "name": "Phòng Văn hóa – Xã hội", "kind": "phong"})
    assert unit.status_code in (201, 409), unit.text  # 409: registered earlier in the session
    for person in (AUTHOR, *PEOPLE):
        if stack.api(SECRETARY, "GET", "directory", f"/directory/officials/{person.user_id}").status_code == 200:
            continue
        answer = stack.api(SECRETARY, "POST", "directory", "/directory/officials", json={
            "official_id": person.user_id, "full_name": person.name, "position": "Công chức",
            "unit_id": person.unit_id, "roles": list(person.roles)})
        assert answer.status_code in (201, 409), answer.text
    wanted = {p.user_id for p in (AUTHOR, *PEOPLE)}
    stack.eventually(lambda: stack.api(SECRETARY, "GET", "directory", "/directory/officials"),
                     lambda body: wanted <= {o["official_id"] for o in body["items"]})


def submitted(stack: Stack, campaign_id: str, titles: list[str]) -> list[str]:
    ids = []
    for title in titles:
        created = stack.api(AUTHOR, "POST", "submission", f"/campaigns/{campaign_id}/initiatives", json={
            "title": title, "unit": {"unit_id": "vh-xh", "name": "Phòng Văn hóa – Xã hội"}, "field": "g",
            "authors": [{"user_id": AUTHOR.user_id, "name": AUTHOR.name}], "summary": f"{title}: tóm tắt."})
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    return ids


def finalised(stack: Stack, campaign_id: str, sheets: dict[str, dict[str, float]]) -> None:
    """Each initiative scored alike by the three members, then concluded by the chair."""
    for initiative_id, points in sheets.items():
        for member in (MEMBER, MEMBER_2, MEMBER_3):
            scored = stack.api(member, "PUT", "evaluation", f"/initiatives/{initiative_id}/scores/me",
                               json={"points": points, "comment": ""})
            assert scored.status_code == 200, scored.text
    for initiative_id in sheets:
        stack.eventually(lambda i=initiative_id: stack.api(CHAIR, "POST", "evaluation", f"/initiatives/{i}/finalise"))
    stack.eventually(lambda: stack.api(SECRETARY, "GET", "evaluation", f"/campaigns/{campaign_id}/progress"),
                     lambda body: all(r["outcome"] for r in body["initiatives"] if r["initiative_id"] in sheets))
