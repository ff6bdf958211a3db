"""Typed payloads of the domain events and the registry that reads them.

`build_registry()` lists every contract explicitly: no registration by import side effects.
"""

from __future__ import annotations

from reform_shared.events.awards import (
    Achievement,
    AwardFormRule,
    AwardGranted,
    AwardProposed,
    AwardRejected,
    AwardRevoked,
    AwardRulesSet,
    Basis,
    BasisClaimed,
    ParRankingRecorded,
    QuotaPlaceClaimed,
    Recipient,
)
from reform_shared.events.deliberation import DELIBERATION_PAYLOADS
from reform_shared.events.directory import DIRECTORY_PAYLOADS
from reform_shared.events.evaluation import (
    CityAppraisalScored,
    CityRecognitionDecided,
    ConflictDeclared,
    CouncilConstituted,
    CouncilMember,
    CouncilMembershipChanged,
    Criterion,
    InitiativeNotRecognized,
    InitiativeRecognized,
    Nominated,
    NominationWithdrawn,
    RecognitionDecisionSigned,
    Rubric,
    RubricSet,
    ScoreRecorded,
    ScoreResult,
    ScoringOpened,
)
from reform_shared.events.operations import OPERATIONS_PAYLOADS, NodeRestored, ProjectionParked
from reform_shared.events.profile import PROFILE_PAYLOADS
from reform_shared.events.replication import REPLICATION_PAYLOADS
from reform_shared.events.submission import (
    AttachmentRef,
    AuthorRef,
    CampaignAmended,
    CampaignLaunched,
    CampaignTerms,
    Effectiveness,
    Indicator,
    InitiativeContent,
    InitiativeReturned,
    InitiativeRevised,
    InitiativeSubmitted,
    InitiativeWithdrawn,
    LegalBasis,
    Novelty,
    SubmissionsClosed,
    TitleClaimed,
    UnitRef,
)
from reform_shared.registry import EventRegistry

ALL_PAYLOADS = (
    CampaignLaunched,
    CampaignAmended,
    SubmissionsClosed,
    InitiativeSubmitted,
    InitiativeRevised,
    InitiativeReturned,
    InitiativeWithdrawn,
    TitleClaimed,
    CouncilConstituted,
    CouncilMembershipChanged,
    RubricSet,
    ScoringOpened,
    ConflictDeclared,
    ScoreRecorded,
    InitiativeRecognized,
    InitiativeNotRecognized,
    RecognitionDecisionSigned,
    Nominated,
    NominationWithdrawn,
    CityAppraisalScored,
    CityRecognitionDecided,
    ParRankingRecorded,
    AwardRulesSet,
    AwardProposed,
    AwardGranted,
    AwardRejected,
    AwardRevoked,
    BasisClaimed,
    QuotaPlaceClaimed,
    *DIRECTORY_PAYLOADS,
    *PROFILE_PAYLOADS,
    *OPERATIONS_PAYLOADS,
    *DELIBERATION_PAYLOADS,
    *REPLICATION_PAYLOADS,
)


def build_registry() -> EventRegistry:
    """The registry of every contract of this version of the system, with its upcasters."""
    registry = EventRegistry()
    for payload in ALL_PAYLOADS:
        registry.register(payload)
    return registry


__all__ = [
    "ALL_PAYLOADS",
    "Achievement",
    "AttachmentRef",
    "AuthorRef",
    "AwardFormRule",
    "AwardGranted",
    "AwardProposed",
    "AwardRejected",
    "AwardRevoked",
    "AwardRulesSet",
    "Basis",
    "BasisClaimed",
    "CampaignAmended",
    "CampaignLaunched",
    "CampaignTerms",
    "CityAppraisalScored",
    "CityRecognitionDecided",
    "ConflictDeclared",
    "CouncilConstituted",
    "CouncilMember",
    "CouncilMembershipChanged",
    "Criterion",
    "Effectiveness",
    "Indicator",
    "InitiativeContent",
    "InitiativeNotRecognized",
    "InitiativeRecognized",
    "InitiativeReturned",
    "InitiativeRevised",
    "InitiativeSubmitted",
    "InitiativeWithdrawn",
    "LegalBasis",
    "NodeRestored",
    "Nominated",
    "NominationWithdrawn",
    "Novelty",
    "ParRankingRecorded",
    "ProjectionParked",
    "QuotaPlaceClaimed",
    "Recipient",
    "RecognitionDecisionSigned",
    "Rubric",
    "RubricSet",
    "ScoreRecorded",
    "ScoreResult",
    "ScoringOpened",
    "SubmissionsClosed",
    "TitleClaimed",
    "UnitRef",
    "build_registry",
]
