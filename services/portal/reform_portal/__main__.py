"""`python -m reform_portal`: serve the portal (REFORM_PORT, default 8100)."""

from __future__ import annotations

import argparse
import logging

import uvicorn

from reform_portal.bootstrap import build_app
from reform_portal.settings import PortalSettings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="reform-portal")
    parser.add_argument("command", nargs="?", default="serve", choices=["serve"])
    parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = PortalSettings()
    uvicorn.run(build_app(settings), host=settings.host, port=settings.port, log_level="info", access_log=False)


if __name__ == "__main__":
    main()
