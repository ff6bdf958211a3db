"""Identity: JWT bearer tokens carrying subject, name, commune and roles."""

from reform_shared.auth.tokens import ROLES, TokenVerifier, issue_token

__all__ = ["ROLES", "TokenVerifier", "issue_token"]
