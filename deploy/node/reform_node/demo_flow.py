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

`advance_to_nominations` runs the steps below in order, one function each; the HTTP client they share is
`demo_flow_api`'s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import httpx

from reform_node.demo import (
    COMMUNE,
    SECRETARY_ID,
    DemoCommune,
    constitute_council,
    demo_campaign,
    demo_commune,
)
from reform_node.demo_flow_api import DemoFlowError, FlowApi, wait_until
from reform_shared.ids import VIETNAM
from reform_shared.settings import Settings

__all__ = ["COMMENTS", "LEVELS", "PROFILES", "DemoFlowError", "advance_to_nominations", "points_for"]

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


def _rows_in_order(rows: list[dict[str, Any]], demo: DemoCommune) -> list[dict[str, Any]]:
    """The campaign's initiatives in the demo's order, any others after them by title."""
    order = {initiative["title"]: index for index, initiative in enumerate(demo.initiatives)}
    return sorted(rows, key=lambda r: (order.get(r["title"], len(order)), r["title"]))


@dataclass(frozen=True)
class _Flow:
    """What every step knows: the client, the demo commune, the campaign and the services' commune URLs."""

    api: FlowApi
    demo: DemoCommune
    campaign_id: str
    submission: str
    evaluation: str
    evaluation_url: str
    secretary: dict[str, str]
    now: dt.datetime
    today: dt.date
    timeout: float

    @property
    def council_url(self) -> str:
        return f"{self.evaluation}/campaigns/{self.campaign_id}/council"

    def as_person(self, user_id: str, name: str, *roles: str, step: str | None = None) -> dict[str, str]:
        return self.api.headers(user_id, name, *roles, key=f"demo-flow-{self.campaign_id}-{step}" if step else None)

    def progress(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.api.get(f"{self.evaluation}/campaigns/{self.campaign_id}/progress",
                                              self.secretary).json()
        return answer


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
    with httpx.Client(timeout=10) as http:
        api = FlowApi(http, settings, commune)
        flow = _Flow(api, demo, campaign_id, f"{submission_url}/api/v1/communes/{commune}",
                     f"{evaluation_url}/api/v1/communes/{commune}", evaluation_url,
                     api.headers(SECRETARY_ID, demo.secretary_name, "secretary"), now,
                     now.astimezone(VIETNAM).date(), timeout)
        campaign = _close_submissions(flow, commune)
        council = _open_scoring(flow)
        rows = _rows_in_order(_board(flow)["initiatives"], demo)
        open_rows = [r for r in rows if r["outcome"] is None]
        _score(flow, council, rows, open_rows)
        recognised, not_recognised = _finalise(flow, council, rows, open_rows)
        decision = _sign_decision(flow, recognised)
        year = int(campaign["year"])
        active, refused = _nominate(flow, year, recognised[:max(0, nominate)])

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


def _close_submissions(flow: _Flow, commune: str) -> dict[str, Any]:
    """1. The campaign (read from the stream by the submission service): close submissions early."""
    api, campaign_id = flow.api, flow.campaign_id
    found = api.get(f"{flow.submission}/campaigns/{campaign_id}", flow.secretary, ok=(200, 404))
    if found.status_code == 404:
        raise DemoFlowError(f"no campaign {campaign_id} in {commune}: load the demo first (load_demo)")
    campaign: dict[str, Any] = found.json()
    if campaign["accepting_submissions"]:
        api.command("close_submissions", "POST", f"{flow.submission}/campaigns/{campaign_id}/close",
                    flow.as_person(SECRETARY_ID, flow.demo.secretary_name, "secretary", step="close"),
                    {"reason": "Kết thúc nhận hồ sơ để Hội đồng đánh giá chấm điểm"},
                    done_rules=("already_closed",))
    return campaign


def _open_scoring(flow: _Flow) -> dict[str, Any]:
    """2. The council (the demo's, if load_demo ran without the evaluation service), then scoring."""
    api, council_url = flow.api, flow.council_url
    if api.get(council_url, flow.secretary, ok=(200, 404)).status_code == 404 and constitute_council(
            api.http, api.settings, flow.evaluation_url, flow.demo, flow.campaign_id, flow.today):
        api.actions.append("constitute_council")
    council: dict[str, Any] = wait_until(lambda: api.get(council_url, flow.secretary, ok=(200, 404)),
                                         lambda r: r.status_code == 200, flow.timeout,
                                         f"the council of {flow.campaign_id}").json()
    api.command("open_scoring", "POST", f"{council_url}/open-scoring", flow.secretary)
    return council


def _board(flow: _Flow) -> dict[str, Any]:
    """3. The board must hold every initiative of the campaign before anyone scores: the demo's titles,
    or for another campaign what the submission service lists."""
    campaign_id = flow.campaign_id
    if campaign_id == demo_campaign(flow.now)["campaign_id"]:
        titles = {initiative["title"] for initiative in flow.demo.initiatives}
        board: dict[str, Any] = wait_until(flow.progress, lambda p: titles <= {r["title"] for r in p["initiatives"]},
                                           flow.timeout,
                                           f"the demo initiatives of {campaign_id} on the evaluation board")
        return board
    listed = flow.api.get(f"{flow.submission}/initiatives?campaign_id={campaign_id}&limit=1000",
                          flow.secretary).json()
    expected = {i["initiative_id"] for i in listed["items"] if i.get("status") != "withdrawn"}
    board = wait_until(flow.progress, lambda p: expected <= {r["initiative_id"] for r in p["initiatives"]},
                       flow.timeout, f"the initiatives of {campaign_id} on the evaluation board")
    return board


def _score(flow: _Flow, council: dict[str, Any], rows: list[dict[str, Any]], open_rows: list[dict[str, Any]]
           ) -> None:
    """4. Every member scores what his or her queue holds (conflicted initiatives are not in it)."""
    if not open_rows:
        return
    api, evaluation = flow.api, flow.evaluation
    merit = {r["initiative_id"]: flow.demo.merit.get(r["title"], "good") for r in rows}
    for index, member in enumerate(council["members"]):
        roles = ("council_chair",) if member["role"] == "chair" else ("council_member",)
        queue = api.get(f"{evaluation}/campaigns/{flow.campaign_id}/my-queue",
                        api.headers(member["user_id"], member["name"], *roles)).json()
        for item in queue["to_score"]:
            initiative_id = item["initiative_id"]
            level = merit.get(initiative_id, "good")
            api.command(
                f"score:{initiative_id}:{member['user_id']}", "PUT",
                f"{evaluation}/initiatives/{initiative_id}/scores/me",
                flow.as_person(member["user_id"], member["name"], *roles, step=f"score-{initiative_id}"),
                {"points": points_for(council["rubric"], level, index), "comment": COMMENTS[level]},
                done_rules=("finalised_is_fixed", "conflicted_member_cannot_score"),
            )


def _finalise(flow: _Flow, council: dict[str, Any], rows: list[dict[str, Any]], open_rows: list[dict[str, Any]]
              ) -> tuple[list[str], list[str]]:
    """5. The chair finalises each initiative (quorum: 2/3 of the members without a conflict); the recognised
    ids in ranking order, and the others in the demo's order."""
    chair = next(m for m in council["members"] if m["role"] == "chair")
    for row in open_rows:
        initiative_id = row["initiative_id"]
        flow.api.command(f"finalise:{initiative_id}", "POST", f"{flow.evaluation}/initiatives/{initiative_id}/finalise",
                         flow.as_person(chair["user_id"], chair["name"], "council_chair",
                                        step=f"finalise-{initiative_id}"),
                         done_rules=("finalised_once",))
    ids = {r["initiative_id"] for r in rows}
    board = wait_until(flow.progress, lambda p: all(r["outcome"] is not None for r in p["initiatives"]
                                                    if r["initiative_id"] in ids), flow.timeout,
                       f"the outcomes of {flow.campaign_id} on the evaluation board")
    ranked = [r for r in board["initiatives"] if r["initiative_id"] in ids]  # ranking order
    recognised = [r["initiative_id"] for r in ranked if r["outcome"] == "recognised"]
    not_recognised = [r["initiative_id"] for r in _rows_in_order(ranked, flow.demo) if r["outcome"] != "recognised"]
    return recognised, not_recognised


def _sign_decision(flow: _Flow, recognised: list[str]) -> dict[str, Any] | None:
    """6. The chairman signs the recognition decision listing the recognised initiatives."""
    api, council_url, demo = flow.api, flow.council_url, flow.demo
    decision: dict[str, Any] | None = api.get(council_url, flow.secretary).json().get("decision")
    if decision is None and recognised:
        api.command("sign_decision", "POST", f"{flow.evaluation}/campaigns/{flow.campaign_id}/decision",
                    flow.as_person(demo.chairman["user_id"], demo.chairman["name"], "chairman", step="decision"),
                    {"decision_number": demo.recognition_decision, "decision_date": flow.today.isoformat(),
                     "signer": demo.chairman["name"], "initiative_ids": recognised})
        decision = wait_until(lambda: api.get(council_url, flow.secretary).json().get("decision"), bool,
                              flow.timeout, f"the recognition decision of {flow.campaign_id}")
    return decision


def _nominate(flow: _Flow, year: int, targets: list[str]) -> tuple[list[str], list[str]]:
    """7. The best recognised initiative(s) go to the city: every active nomination of the year, and those the
    year's quota refused."""
    api, chairman = flow.api, flow.demo.chairman

    def nominated() -> list[str]:
        answer = api.get(f"{flow.evaluation}/nominations?year={year}", flow.secretary).json()
        return [item["initiative_id"] for item in answer["items"]]

    already = nominated()
    refused: list[str] = []
    for initiative_id in targets:
        if initiative_id in already:
            continue
        answer = api.command(f"nominate:{initiative_id}", "POST", f"{flow.evaluation}/nominations",
                             flow.as_person(chairman["user_id"], chairman["name"], "chairman",
                                            step=f"nominate-{initiative_id}"),
                             {"initiative_id": initiative_id},
                             done_rules=("nominated_once", "max_nominations_per_year"))
        if answer.get("refused") == "max_nominations_per_year":
            refused.append(initiative_id)  # the year's quota was already filled by other nominations
    wanted = set(targets) - set(refused)
    active: list[str] = wait_until(nominated, lambda items: wanted <= set(items), flow.timeout,
                                   f"the nominations of {year}")
    return active, refused
