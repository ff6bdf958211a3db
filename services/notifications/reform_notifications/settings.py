"""The notifications service's settings: the shared ones and its SMTP relay, portal address and pace."""

from __future__ import annotations

from reform_shared.settings import Settings


class NotificationSettings(Settings):
    smtp_host: str | None = None
    """The SMTP relay (REFORM_SMTP_HOST); none: no e-mail, the in-app inbox only (the embedded node's default)."""
    smtp_port: int = 1025
    smtp_sender: str = "thong-bao@reform.local"
    portal_url: str = "http://127.0.0.1:8100"
    """Links in e-mails point here."""
    dispatch_interval_seconds: float = 5.0
    """How often the clock ticks: reminders due, digests, e-mails to (re)send."""
    max_attempts: int = 8
    consumer_batch_size: int = 500

    @classmethod
    def of(cls, settings: Settings) -> NotificationSettings:
        if isinstance(settings, NotificationSettings):
            return settings
        return cls(**settings.model_dump(exclude_unset=True))
