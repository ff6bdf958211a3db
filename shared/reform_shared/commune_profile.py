"""A commune's profile as every service reads it: one pure fold of the profile events, and the names a
document prints on its date.

Every document (the recognition decision and minutes, award decisions and certificates, reports, the
portal's letterheads) asks `ProfileView.on(date)` for the names in force on the document's date, and a
signing asks `signer_on(name, date)` whether the person signing held office that day. Communes that never
set a profile keep the names they had (the campaign's `commune_name`, else the commune id).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from reform_shared.envelope import EventEnvelope, EventPayload
from reform_shared.errors import Conflict
from reform_shared.events.profile import (
    LEVEL_LABELS,
    CommuneProfileSet,
    ProfileEntry,
    SignerAppointed,
    SignerEntry,
    SignerLeftOffice,
)
from reform_shared.ports import EventStore
from reform_shared.text import fold as fold_text

PROFILE_AGGREGATE = ("profile", "main")
"""(aggregate type, id) of a commune's profile in the record: one aggregate per commune."""
ROLE_TITLES = {"chairman": "Chủ tịch", "vice_chairman": "Phó Chủ tịch"}


def commune_title(entry: ProfileEntry) -> str:
    """ "xã Ninh Giang", "phường Gia Viên", "đặc khu Bạch Long Vĩ"."""
    return f"{LEVEL_LABELS[entry.level]} {entry.name}"


@dataclass(frozen=True)
class Term:
    """`signer` holds office from `since` to `until` (the last day, inclusive; None: still in office)."""

    signer: SignerEntry
    since: dt.date
    until: dt.date | None = None

    def covers(self, on: dt.date) -> bool:
        return self.since <= on and (self.until is None or on <= self.until)

    @property
    def title(self) -> str:
        return self.signer.title or ROLE_TITLES[self.signer.role]


@dataclass(frozen=True)
class ProfileView:
    """The profiles set (by effective date, then order of recording) and every signer's terms."""

    versions: tuple[tuple[dt.date, ProfileEntry], ...] = ()
    terms: tuple[Term, ...] = field(default=())

    @classmethod
    def fold(cls, payloads: Iterable[EventPayload]) -> ProfileView:
        view = cls()
        for payload in payloads:
            view = view.applied(payload)
        return view

    @classmethod
    def of_envelopes(cls, envelopes: Iterable[EventEnvelope]) -> ProfileView:
        return cls.fold(e.payload for e in envelopes)

    def applied(self, payload: EventPayload) -> ProfileView:
        match payload:
            case CommuneProfileSet():
                versions = sorted((*self.versions, (payload.effective, payload.profile)), key=lambda v: v[0])
                return ProfileView(tuple(versions), self.terms)
            case SignerAppointed():
                return ProfileView(self.versions, self._appointed(payload.signer, payload.effective))
            case SignerLeftOffice():
                return ProfileView(self.versions, self._ended(payload.signer_id, payload.effective))
        return self

    def _appointed(self, signer: SignerEntry, since: dt.date) -> tuple[Term, ...]:
        ended = self.terms
        if signer.role == "chairman":
            for term in self.terms:
                if term.signer.role == "chairman" and term.until is None and term.since < since:
                    ended = _end(ended, term, since)
        for term in ended:
            if term.signer.signer_id == signer.signer_id and term.until is None and term.since < since:
                ended = _end(ended, term, since)
        return (*ended, Term(signer, since))

    def _ended(self, signer_id: str, on: dt.date) -> tuple[Term, ...]:
        terms = self.terms
        for term in terms:
            if term.signer.signer_id == signer_id and term.until is None:
                terms = _end(terms, term, on)
        return terms

    @property
    def recorded(self) -> bool:
        return bool(self.versions)

    def on(self, day: dt.date | None = None) -> ProfileEntry | None:
        """The profile in force on `day` (None: the latest recorded); before the first one, the first."""
        if not self.versions:
            return None
        if day is None:
            return self.versions[-1][1]
        in_force = [entry for since, entry in self.versions if since <= day]
        return in_force[-1] if in_force else self.versions[0][1]

    def title_on(self, day: dt.date | None, fallback: str) -> str:
        """The commune's name on `day` ("xã Ninh Giang"), or `fallback` when it has no profile."""
        entry = self.on(day)
        return commune_title(entry) if entry else fallback

    def signers_on(self, day: dt.date) -> list[Term]:
        """Who holds office on `day`: the chairman first, then the vice chairmen."""
        return sorted((t for t in self.terms if t.covers(day)), key=lambda t: t.signer.role != "chairman")

    def in_office(self, signer_id: str, day: dt.date) -> Term | None:
        return next((t for t in self.terms if t.signer.signer_id == signer_id and t.covers(day)), None)

    def signer_on(self, name: str, day: dt.date) -> Term | None:
        """The term of the signer named `name` (case and diacritics ignored) on `day`, if they held office."""
        wanted = fold_text(name)
        return next((t for t in self.signers_on(day) if fold_text(t.signer.full_name) == wanted), None)

    def chairman_on(self, day: dt.date) -> Term | None:
        return next((t for t in self.signers_on(day) if t.signer.role == "chairman"), None)


def _end(terms: tuple[Term, ...], term: Term, first_day_out: dt.date) -> tuple[Term, ...]:
    closed = Term(term.signer, term.since, first_day_out - dt.timedelta(days=1))
    return tuple(closed if t is term else t for t in terms)


def require_signer(view: ProfileView, name: str, day: dt.date, field: str = "signer") -> Term | None:
    """The term of the person signing on `day`; a commune that records its signers refuses anyone else (409
    `signer_in_office`: a chairman replaced in June signs nothing after June). None when it records none."""
    if not view.terms:
        return None
    term = view.signer_on(name, day)
    if term is None:
        holders = ", ".join(f"{t.signer.full_name} ({t.title})" for t in view.signers_on(day)) or "không ai (nobody)"
        raise Conflict(
            f"'{name}' không giữ chức vụ ký văn bản của UBND vào ngày {day:%d/%m/%Y}; người ký ngày đó: {holders}",
            f"'{name}' held no signing office on {day.isoformat()}; who signs that day: {holders}",
            field=field, rule="signer_in_office")
    return term


async def recorded_profile(store: EventStore, commune_id: str) -> ProfileView:
    """The commune's profile folded from the record itself (a few events; no copy to lag behind)."""
    return ProfileView.of_envelopes((await store.load(commune_id, *PROFILE_AGGREGATE)).envelopes)
