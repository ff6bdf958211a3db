"""The events' AsyncAPI 3.0 document, as JSON and as a plain HTML page rendered here (no viewer from a CDN)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from reform_notifications.adapters.rendering import TEMPLATES
from reform_notifications.asyncapi import committed

router = APIRouter(tags=["documentation"], include_in_schema=False)  # documentation, like /docs
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    return committed()


@router.get("/asyncapi.json")
async def asyncapi_json() -> JSONResponse:
    return JSONResponse(_document())


@router.get("/asyncapi", response_class=HTMLResponse)
async def asyncapi_page() -> HTMLResponse:
    doc = _document()
    schemas = doc["components"]["schemas"]
    channels = []
    for name, channel in sorted(doc["channels"].items()):
        envelope = schemas.get(f"{name}Envelope", {})
        version = envelope.get("properties", {}).get("schema_version", {}).get("const")
        payload = schemas.get(name, {})
        channels.append({"name": name, "address": channel["address"], "description": channel.get("description", ""),
                         "version": version, "payload": json.dumps(payload, ensure_ascii=False, indent=2)})
    return HTMLResponse(_env.get_template("asyncapi.html").render(info=doc["info"], channels=channels,
                                                                   asyncapi=doc["asyncapi"]))
