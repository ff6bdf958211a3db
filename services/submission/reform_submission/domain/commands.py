"""The submission service's commands: what a route asks of the record, in the imperative.

Each is built by a route from its request schema, validated before anything is loaded, and decided
once by the domain function of the aggregate it names (campaign.decide, initiative.decide).
"""

from __future__ import annotations

from reform_shared.commands import Command
from reform_shared.events import CampaignTerms, InitiativeContent


class LaunchCampaign(Command):
    campaign_id: str
    year: int
    terms: CampaignTerms


class AmendCampaign(Command):
    campaign_id: str
    terms: CampaignTerms


class CloseSubmissions(Command):
    campaign_id: str
    reason: str = ""


class SubmitInitiative(Command):
    """The initiative's id is not the sender's to choose: the application derives it (from the key, if any)."""

    campaign_id: str
    content: InitiativeContent


class ReviseInitiative(Command):
    initiative_id: str
    content: InitiativeContent
    note: str = ""


class ReturnInitiative(Command):
    initiative_id: str
    reason: str


class WithdrawInitiative(Command):
    initiative_id: str
    reason: str = ""
