"""A person's choices: which kinds to receive, whether by e-mail too, and a daily digest instead of each e-mail."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator

from reform_notifications.domain.notice import KINDS


class Preferences(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    muted_kinds: tuple[str, ...] = ()
    """Kinds the person does not want at all (neither inbox nor e-mail)."""
    email: bool = True
    digest: bool = False
    """E-mails of a day gathered into one, sent the next morning; the inbox still shows each at once."""

    @field_validator("muted_kinds")
    @classmethod
    def _known(cls, kinds: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(kinds) - set(KINDS))
        if unknown:
            raise ValueError(f"không có loại thông báo {', '.join(unknown)} (unknown kinds)")
        return tuple(sorted(set(kinds)))

    def wants(self, kind: str) -> bool:
        return kind not in self.muted_kinds
