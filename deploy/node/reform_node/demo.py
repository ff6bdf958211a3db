"""Demo data modelled on seed 000 (xã Ninh Giang, Hải Phòng): a campaign, units, initiatives, a council.

The communes' data (several demo communes in the shape of seed 000, so a city node can federate commune
nodes that look real) is in `reform_node.demo_communes`, and importable from here as before.

Loaded through the services' HTTP APIs, as a secretary and officials would; skipped when the
campaign is already there, so restarting the node does not duplicate anything.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from reform_node.demo_communes import (
    COMMUNE,
    COUNCIL,
    DEMO_COMMUNES,
    INITIATIVES,
    SECRETARY_ID,
    UNITS,
    DemoCommune,
    demo_commune,
)
from reform_shared.auth.tokens import issue_token
from reform_shared.ids import VIETNAM
from reform_shared.settings import Settings


def token(
    settings: Settings,
    subject: str,
    name: str,
    roles: list[str],
    commune: str = COMMUNE,
    ttl: dt.timedelta = dt.timedelta(days=30),
    unit_id: str | None = None,
) -> str:
    return issue_token(
        settings.jwt_secret.get_secret_value(),
        subject=subject,
        name=name,
        commune_id=commune,
        roles=roles,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl=ttl,
        unit_id=unit_id,
    )


def demo_campaign(now: dt.datetime, commune_name: str = "xã Ninh Giang",
                  units: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The seed-000 campaign, with its 25/9 deadline moved to the next one still ahead."""
    year = now.year
    deadline = dt.datetime(year, 9, 25, 17, 0, tzinfo=VIETNAM)
    if deadline <= now:
        year += 1
        deadline = deadline.replace(year=year)
    return {
        "campaign_id": f"cchc-{year}",
        "year": year,
        "title": f"Phát động nghiên cứu, đề xuất sáng kiến cải cách hành chính có tính đột phá năm {year}",
        "commune_name": commune_name,
        "legal_basis": {"document_number": "709/QĐ-UBND", "document_date": "2025-07-31"},
        "fields": ["a", "b", "c", "d", "dd", "e", "g", "h"],
        "submission_opens_at": (now - dt.timedelta(days=1)).isoformat(),
        "submission_closes_at": deadline.isoformat(),
        "recognition_deadline": f"{year}-09-30",
        "nomination_deadline": f"{year}-09-30",
        "max_nominations": 2,
        "expected_units": UNITS if units is None else units,
    }


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + value}


def constitute_council(http: httpx.Client, settings: Settings, evaluation_url: str, demo: DemoCommune,
                       campaign_id: str, decision_date: dt.date) -> bool:
    """The demo council of the campaign; False when it already exists."""
    secretary = bearer(token(settings, SECRETARY_ID, demo.secretary_name, ["secretary"], commune=demo.commune_id))
    response = http.post(
        f"{evaluation_url}/api/v1/communes/{demo.commune_id}/campaigns/{campaign_id}/council",
        json={**demo.council, "decision_date": decision_date.isoformat()},
        headers={**secretary, "Idempotency-Key": f"demo-{campaign_id}-council"},
    )
    if response.status_code == 409 and response.json().get("error", {}).get("rule") == "council_unique":
        return False
    response.raise_for_status()
    return bool(response.headers.get("Idempotent-Replayed") != "true")


def load_demo(
    settings: Settings,
    submission_url: str,
    now: dt.datetime | None = None,
    evaluation_url: str | None = None,
    *,
    commune: str = COMMUNE,
    commune_name: str | None = None,
    directory_url: str | None = None,
) -> dict[str, Any]:
    """Launch the demo campaign of `commune`, submit its initiatives and (with `evaluation_url`) constitute
    its council. Returns the campaign id, whether anything was loaded, and the new initiatives' ids."""
    now = now or dt.datetime.now(dt.UTC)
    demo = demo_commune(commune, commune_name)
    campaign = demo_campaign(now, demo.commune_name, demo.units)
    campaign_id = campaign["campaign_id"]
    if directory_url:  # the directory and the profile first: the people, units and names the rest uses
        from reform_node.demo_directory import load_directory
        from reform_node.demo_profile import load_profile

        load_directory(settings, directory_url, demo, now)
        load_profile(settings, directory_url, demo)
    secretary = bearer(token(settings, SECRETARY_ID, demo.secretary_name, ["secretary"], commune=commune))
    base = f"{submission_url}/api/v1/communes/{commune}"
    with httpx.Client(timeout=10) as http:
        existing = http.get(f"{base}/campaigns/{campaign_id}", headers=secretary)
        if existing.status_code == 200:
            return {"commune": commune, "campaign_id": campaign_id, "loaded": False}
        response = http.post(f"{base}/campaigns", json=campaign,
                             headers={**secretary, "Idempotency-Key": f"demo-{campaign_id}-campaign"})
        response.raise_for_status()
        ids = []
        for index, initiative in enumerate(demo.initiatives):
            authors = initiative["authors"]
            unit_id = initiative["unit"]["unit_id"]
            writer = (token(settings, authors[0]["user_id"], authors[0]["name"], ["submitter"], commune=commune)
                      if authors  # a collective initiative: the unit's head submits it
                      else token(settings, f"truong-{unit_id}", "Trưởng đơn vị", ["unit_head"], commune=commune,
                                 unit_id=unit_id))
            created = http.post(f"{base}/campaigns/{campaign_id}/initiatives", json=initiative,
                                headers={**bearer(writer), "Idempotency-Key": f"demo-{campaign_id}-{index}"})
            created.raise_for_status()
            ids.append(created.json()["id"])
        if evaluation_url:
            constitute_council(http, settings, evaluation_url, demo, campaign_id, now.astimezone(VIETNAM).date())
    return {"commune": commune, "campaign_id": campaign_id, "loaded": True, "initiatives": ids}


__all__ = [
    "COMMUNE",
    "COUNCIL",
    "DEMO_COMMUNES",
    "INITIATIVES",
    "SECRETARY_ID",
    "UNITS",
    "DemoCommune",
    "bearer",
    "constitute_council",
    "demo_campaign",
    "demo_commune",
    "load_demo",
    "token",
]
