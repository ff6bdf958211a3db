"""Drive a demo commune from "initiatives submitted, council constituted" to its nominations to the city.

Only through the services' HTTP APIs, each step as the person who does it: the secretary closes
submissions and opens scoring, every council member scores what he or she may score (never an
initiative he or she authored or whose unit he or she heads), the council chair finalises, the
commune chairman signs the recognition decision and nominates the best recognised initiative(s).

Idempotent: a step already done is skipped (read from the services first), every command carries
a deterministic Idempotency-Key, and a refusal that means "already done" counts as done; so
running it again changes nothing.

The services run on the wall clock and take no clock from a request. The demo campaign is the one
`load_demo` launches (the next 25/9 deadline still ahead, so its 30/9 nomination deadline is open);
scoring needs submissions closed, so the secretary closes them early, as the API allows.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import httpx

from reform_node.demo import (
    COMMUNE,
    SECRETARY_ID,
    DemoCommune,
    bearer,
    constitute_council,
    demo_campaign,
    demo_commune,
    token,
)
from reform_shared.ids import VIETNAM
from reform_shared.settings import Settings

PROFILES: dict[str, dict[str, float]] = {
    "high": {"novelty": 9, "effectiveness": 9, "replicability": 8.5, "feasibility": 8, "creativity": 8},
    "good": {"novelty": 7.5, "effectiveness": 7, "replicability": 7, "feasibility": 8, "creativity": 6.5},
    "weak": {"novelty": 4, "effectiveness": 4.5, "replicability": 5, "feasibility": 6, "creativity": 4},
}
"""Points out of 10 per criterion of the default rubric; "weak" misses the novelty and effectiveness
conditions, so the council does not recognise it."""
LEVELS = {"high": 0.85, "good": 0.72, "weak": 0.44}
"""Share of the maximum for a criterion the profiles do not name (a council's own rubric)."""
COMMENTS = {
    "high": "Sáng kiến có tính mới, hiệu quả rõ rệt, có khả năng nhân rộng; đề nghị công nhận.",
    "good": "Sáng kiến đạt yêu cầu về tính mới và hiệu quả; đề nghị công nhận.",
    "weak": "Chưa chứng minh được hiệu quả thực tế, cần bổ sung số liệu trước khi công nhận.",
}


class DemoFlowError(RuntimeError):
    """A step of the demo flow was refused for a reason other than "already done"."""


def points_for(rubric: dict[str, Any], merit: str, member_index: int) -> dict[str, float]:
    """A member's points: the merit's profile, nudged by -0.5, 0 or +0.5 (per 10) so members differ a little."""
    nudge = ((member_index % 3) - 1) * 0.5
    points = {}
    for criterion in rubric["criteria"]:
        top = float(criterion["max_points"])
        base = PROFILES[merit].get(criterion["code"])
        value = base * top / 10 if base is not None else LEVELS[merit] * top
        points[criterion["code"]] = round(min(top, max(0.0, value + nudge * top / 10)), 2)
    return points


class _Api:
    """One HTTP client, the tokens of the commune's people, and what was done."""

    def __init__(self, http: httpx.Client, settings: Settings, commune: str) -> None:
        self.http, self.settings, self.commune = http, settings, commune
        self.actions: list[str] = []

    def headers(self, user_id: str, name: str, *roles: str, key: str | None = None) -> dict[str, str]:
        headers = bearer(token(self.settings, user_id, name, list(roles), commune=self.commune,
                               ttl=dt.timedelta(hours=1)))
        if key:
            headers["Idempotency-Key"] = key
        return headers

    def get(self, url: str, headers: dict[str, str], *, ok: tuple[int, ...] = (200,)) -> httpx.Response:
        response = self.http.get(url, headers=headers)
        if response.status_code not in ok:
            raise DemoFlowError(f"GET {url}: {response.status_code} {response.text}")
        return response

    def command(self, action: str, method: str, url: str, headers: dict[str, str], body: Any = None,
                done_rules: tuple[str, ...] = ()) -> dict[str, Any]:
        """Send a command; its answer, or {"refused": rule} when one of `done_rules` refused it.

        Recorded as an action only when it appended something (not a replay, not "no change")."""
        response = self.http.request(method, url, headers=headers, json=body)
        if response.is_success:
            answer: dict[str, Any] = response.json()
            if response.headers.get("Idempotent-Replayed") != "true" and answer.get("changed", True) is not False:
                self.actions.append(action)
            return answer
        try:
            rule = response.json().get("error", {}).get("rule")
        except ValueError:  # not JSON (a proxy's error page)
            rule = None
        if rule in done_rules:
            return {"refused": rule}
        raise DemoFlowError(f"{action}: {method} {url}: {response.status_code} {response.text}")


def _wait(fetch: Callable[[], Any], until: Callable[[Any], bool], timeout: float, what: str) -> Any:
    """Poll a read model until it shows what the commands did (projections are eventually consistent)."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if until(value):
            return value
        if time.monotonic() > deadline:
            raise DemoFlowError(f"timed out after {timeout}s waiting for {what}; last seen: {value}")
        time.sleep(0.05)


def _rows_in_order(rows: list[dict[str, Any]], demo: DemoCommune) -> list[dict[str, Any]]:
    """The campaign's initiatives in the demo's order, any others after them by title."""
    order = {initiative["title"]: index for index, initiative in enumerate(demo.initiatives)}
    return sorted(rows, key=lambda r: (order.get(r["title"], len(order)), r["title"]))


def advance_to_nominations(
    settings: Settings,
    *,
    submission_url: str,
    evaluation_url: str,
    commune: str = COMMUNE,
    campaign_id: str | None = None,
    nominate: int = 1,
    commune_name: str | None = None,
    now: dt.datetime | None = None,
    timeout: float = 30.0,
) -> dict[str, Any]:
    """Close submissions, open scoring, score, finalise, sign the recognition decision, nominate.

    `campaign_id` defaults to the demo campaign `load_demo` launched; `nominate` is how many of the
    best recognised initiatives go to the city (the campaign allows at most 2). Returns the campaign
    id and year, the initiative ids (demo order), the recognised and not recognised ids (recognised
    in ranking order), the decision number, the nominated ids (every active nomination of the year)
    and the actions this run performed (empty when everything was already done).
    """
    now = now or dt.datetime.now(dt.UTC)
    demo = demo_commune(commune, commune_name)
    campaign_id = campaign_id or demo_campaign(now)["campaign_id"]
    submission = f"{submission_url}/api/v1/communes/{commune}"
    evaluation = f"{evaluation_url}/api/v1/communes/{commune}"
    today = now.astimezone(VIETNAM).date()

    with httpx.Client(timeout=10) as http:
        api = _Api(http, settings, commune)
        secretary = api.headers(SECRETARY_ID, demo.secretary_name, "secretary")
        chairman_id, chairman_name = demo.chairman["user_id"], demo.chairman["name"]

        # 1. The campaign (read from the stream by the submission service): close submissions early.
        found = api.get(f"{submission}/campaigns/{campaign_id}", secretary, ok=(200, 404))
        if found.status_code == 404:
            raise DemoFlowError(f"no campaign {campaign_id} in {commune}: load the demo first (load_demo)")
        campaign = found.json()
        if campaign["accepting_submissions"]:
            api.command("close_submissions", "POST", f"{submission}/campaigns/{campaign_id}/close",
                        api.headers(SECRETARY_ID, demo.secretary_name, "secretary",
                                    key=f"demo-flow-{campaign_id}-close"),
                        {"reason": "Kết thúc nhận hồ sơ để Hội đồng đánh giá chấm điểm"},
                        done_rules=("already_closed",))

        # 2. The council (the demo's, if load_demo ran without the evaluation service), then scoring.
        council_url = f"{evaluation}/campaigns/{campaign_id}/council"
        if api.get(council_url, secretary, ok=(200, 404)).status_code == 404 and constitute_council(
                http, settings, evaluation_url, demo, campaign_id, today):
            api.actions.append("constitute_council")
        council = _wait(lambda: api.get(council_url, secretary, ok=(200, 404)), lambda r: r.status_code == 200,
                        timeout, f"the council of {campaign_id}").json()
        api.command("open_scoring", "POST", f"{council_url}/open-scoring", secretary)

        # 3. The board must hold every initiative of the campaign before anyone scores: the demo's titles,
        # or for another campaign what the submission service lists.
        def progress() -> dict[str, Any]:
            answer: dict[str, Any] = api.get(f"{evaluation}/campaigns/{campaign_id}/progress", secretary).json()
            return answer

        if campaign_id == demo_campaign(now)["campaign_id"]:
            titles = {initiative["title"] for initiative in demo.initiatives}
            board = _wait(progress, lambda p: titles <= {r["title"] for r in p["initiatives"]}, timeout,
                          f"the demo initiatives of {campaign_id} on the evaluation board")
        else:
            listed = api.get(f"{submission}/initiatives?campaign_id={campaign_id}&limit=1000", secretary).json()
            expected = {i["initiative_id"] for i in listed["items"] if i.get("status") != "withdrawn"}
            board = _wait(progress, lambda p: expected <= {r["initiative_id"] for r in p["initiatives"]}, timeout,
                          f"the initiatives of {campaign_id} on the evaluation board")
        rows = _rows_in_order(board["initiatives"], demo)
        merit = {r["initiative_id"]: demo.merit.get(r["title"], "good") for r in rows}
        open_rows = [r for r in rows if r["outcome"] is None]

        # 4. Every member scores what his or her queue holds (conflicted initiatives are not in it).
        if open_rows:
            for index, member in enumerate(council["members"]):
                roles = ("council_chair",) if member["role"] == "chair" else ("council_member",)
                queue = api.get(f"{evaluation}/campaigns/{campaign_id}/my-queue",
                                api.headers(member["user_id"], member["name"], *roles)).json()
                for item in queue["to_score"]:
                    initiative_id = item["initiative_id"]
                    level = merit.get(initiative_id, "good")
                    api.command(
                        f"score:{initiative_id}:{member['user_id']}", "PUT",
                        f"{evaluation}/initiatives/{initiative_id}/scores/me",
                        api.headers(member["user_id"], member["name"], *roles,
                                    key=f"demo-flow-{campaign_id}-score-{initiative_id}"),
                        {"points": points_for(council["rubric"], level, index), "comment": COMMENTS[level]},
                        done_rules=("finalised_is_fixed", "conflicted_member_cannot_score"),
                    )

        # 5. The chair finalises each initiative (quorum: 2/3 of the members without a conflict).
        chair = next(m for m in council["members"] if m["role"] == "chair")
        for row in open_rows:
            initiative_id = row["initiative_id"]
            api.command(f"finalise:{initiative_id}", "POST", f"{evaluation}/initiatives/{initiative_id}/finalise",
                        api.headers(chair["user_id"], chair["name"], "council_chair",
                                    key=f"demo-flow-{campaign_id}-finalise-{initiative_id}"),
                        done_rules=("finalised_once",))
        ids = {r["initiative_id"] for r in rows}
        board = _wait(progress, lambda p: all(r["outcome"] is not None for r in p["initiatives"]
                                              if r["initiative_id"] in ids), timeout,
                      f"the outcomes of {campaign_id} on the evaluation board")
        ranked = [r for r in board["initiatives"] if r["initiative_id"] in ids]  # ranking order
        recognised = [r["initiative_id"] for r in ranked if r["outcome"] == "recognised"]
        not_recognised = [r["initiative_id"] for r in _rows_in_order(ranked, demo) if r["outcome"] != "recognised"]

        # 6. The chairman signs the recognition decision listing the recognised initiatives.
        decision = api.get(council_url, secretary).json().get("decision")
        if decision is None and recognised:
            api.command("sign_decision", "POST", f"{evaluation}/campaigns/{campaign_id}/decision",
                        api.headers(chairman_id, chairman_name, "chairman", key=f"demo-flow-{campaign_id}-decision"),
                        {"decision_number": demo.recognition_decision, "decision_date": today.isoformat(),
                         "signer": chairman_name, "initiative_ids": recognised})
            decision = _wait(lambda: api.get(council_url, secretary).json().get("decision"), bool, timeout,
                             f"the recognition decision of {campaign_id}")

        # 7. The best recognised initiative(s) go to the city.
        year = int(campaign["year"])

        def nominated() -> list[str]:
            answer = api.get(f"{evaluation}/nominations?year={year}", secretary).json()
            return [item["initiative_id"] for item in answer["items"]]

        targets = recognised[:max(0, nominate)]
        already = nominated()
        refused: list[str] = []
        for initiative_id in targets:
            if initiative_id in already:
                continue
            answer = api.command(f"nominate:{initiative_id}", "POST", f"{evaluation}/nominations",
                                 api.headers(chairman_id, chairman_name, "chairman",
                                             key=f"demo-flow-{campaign_id}-nominate-{initiative_id}"),
                                 {"initiative_id": initiative_id},
                                 done_rules=("nominated_once", "max_nominations_per_year"))
            if answer.get("refused") == "max_nominations_per_year":
                refused.append(initiative_id)  # the year's quota was already filled by other nominations
        wanted = set(targets) - set(refused)
        active = _wait(nominated, lambda items: wanted <= set(items), timeout, f"the nominations of {year}")

    return {
        "commune": commune,
        "campaign_id": campaign_id,
        "year": year,
        "initiatives": [r["initiative_id"] for r in rows],
        "recognised": recognised,
        "not_recognised": not_recognised,
        "decision_number": decision["decision_number"] if decision else None,
        "nominated": active,
        "refused_nominations": refused,
        "actions": api.actions,
    }
