"""`reform-token`: issue a token for the demo or a test, signed with the node secret."""

from __future__ import annotations

import argparse
import datetime as dt

from reform_shared.auth.tokens import ROLES, issue_token
from reform_shared.settings import Settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Issue a JWT for a commune node (HS256, node secret)")
    parser.add_argument("--sub", required=True, help="user id")
    parser.add_argument("--name", default="", help="display name, e.g. 'Nguyễn Văn An'")
    parser.add_argument("--commune", required=True, help="commune id, e.g. 'an-lao'")
    parser.add_argument("--roles", required=True, help=f"comma-separated, among: {', '.join(ROLES)}")
    parser.add_argument("--unit", default=None, help="the user's unit id")
    parser.add_argument("--hours", type=float, default=12.0, help="validity in hours")
    args = parser.parse_args(argv)
    settings = Settings()
    print(
        issue_token(
            settings.jwt_secret.get_secret_value(),
            subject=args.sub,
            name=args.name,
            commune_id=args.commune,
            roles=[role.strip() for role in args.roles.split(",") if role.strip()],
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl=dt.timedelta(hours=args.hours),
            unit_id=args.unit,
        )
    )


if __name__ == "__main__":
    main()
