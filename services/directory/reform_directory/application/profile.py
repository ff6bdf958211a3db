"""Command handlers and queries of the commune's profile: decided on the commune's `profile` aggregate."""

from __future__ import annotations

import datetime as dt
from typing import Any

from reform_directory.application.commands import RACING, done
from reform_directory.domain.profile import ProfileCommand, decide
from reform_shared.commands import CommandBus, CommandContext, Operation, Target
from reform_shared.commune_profile import PROFILE_AGGREGATE, ProfileView, Term, commune_title
from reform_shared.idempotency import CommandResult

OPERATIONS = {"SetProfile": "set_profile", "AppointSigner": "appoint_signer", "EndSignerTerm": "end_signer_term"}


def profile_of(commune_id: str) -> Target:
    return Target(commune_id, *PROFILE_AGGREGATE)


def term_json(term: Term) -> dict[str, Any]:
    return {**term.signer.model_dump(mode="json"), "title": term.title, "from": term.since.isoformat(),
            "to": term.until.isoformat() if term.until else None}


def profile_json(commune_id: str, view: ProfileView, on: dt.date) -> dict[str, Any]:
    """The profile in force on `on`, who signs that day, and every version and term recorded."""
    entry = view.on(on)
    return {
        "commune_id": commune_id, "on": on.isoformat(), "recorded": view.recorded,
        "profile": entry.model_dump(mode="json") if entry else None,
        "commune_name": commune_title(entry) if entry else None,
        "signers": [term_json(t) for t in view.signers_on(on)],
        "history": [{"effective": since.isoformat(), "profile": p.model_dump(mode="json")}
                    for since, p in view.versions],
        "terms": [term_json(t) for t in sorted(view.terms, key=lambda t: t.since)],
    }


class ProfileCommands:
    def __init__(self, bus: CommandBus) -> None:
        self._bus = bus

    async def view(self, commune_id: str) -> ProfileView:
        """The profile as recorded (the event store itself: a few events)."""
        history = await self._bus.store.load(commune_id, *PROFILE_AGGREGATE)
        return ProfileView.fold(history.payloads)

    async def run(self, ctx: CommandContext, command: ProfileCommand) -> CommandResult:
        return await self._bus.execute(
            ctx, profile_of(command.commune_id), Operation(OPERATIONS[type(command).__name__], command.request()),
            lambda history: decide(ProfileView.fold(history.payloads), command), done, RACING)
