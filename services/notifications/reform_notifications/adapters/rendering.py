"""The Vietnamese templates of messages (Jinja2, autoescaped HTML beside the plain text)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from reform_notifications.application.ports import Message

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), trim_blocks=True,
                   lstrip_blocks=True)


def render(to_name: str, to_address: str, subject: str, sections: Sequence[tuple[str, Sequence[str], str]],
           portal_url: str) -> Message:
    """One message; `sections` are (heading, lines, link) — one for a notice, one per notice in a digest."""
    context = {"name": to_name, "subject": subject, "sections": sections, "portal_url": portal_url.rstrip("/")}
    return Message(to_name, to_address, subject, _env.get_template("message.txt").render(context),
                   _env.get_template("message.html").render(context))
