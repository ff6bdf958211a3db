"""Typed payloads of the domain events and the registry that reads them.

`build_registry()` lists every contract explicitly: no registration by import side effects.
"""

from __future__ import annotations

from reform_shared.events.awards import AwardGranted, AwardProposed
from reform_shared.events.evaluation import Nominated, ScoreRecorded
from reform_shared.events.submission import (
    AuthorRef,
    CampaignLaunched,
    InitiativeSubmitted,
    UnitRef,
)
from reform_shared.registry import EventRegistry

ALL_PAYLOADS = (
    CampaignLaunched,
    InitiativeSubmitted,
    ScoreRecorded,
    Nominated,
    AwardProposed,
    AwardGranted,
)


def build_registry() -> EventRegistry:
    """The registry of every contract of this version of the system, with its upcasters."""
    registry = EventRegistry()
    for payload in ALL_PAYLOADS:
        registry.register(payload)
    return registry


__all__ = [
    "ALL_PAYLOADS",
    "AuthorRef",
    "AwardGranted",
    "AwardProposed",
    "CampaignLaunched",
    "InitiativeSubmitted",
    "Nominated",
    "ScoreRecorded",
    "UnitRef",
    "build_registry",
]
