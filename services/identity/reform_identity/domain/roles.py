"""Which of the directory's roles a token may carry."""

from __future__ import annotations

from collections.abc import Iterable

from reform_shared.auth.tokens import CITY, CITY_ROLES, ROLES


def grantable(commune_id: str, roles: Iterable[str]) -> tuple[str, ...]:
    """Roles a token of this commune may carry: known ones, and the city's only on city accounts."""
    return tuple(role for role in dict.fromkeys(roles)
                 if role in ROLES and (commune_id == CITY or role not in CITY_ROLES))
