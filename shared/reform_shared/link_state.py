"""The link between a commune node and the city, as officials see it (issue 22): connected or not and since when,
the last event received from the other side, and the backlog — read from what is true.

- **Commune side.** Whether the leafnode is up: the node's nats-server monitoring (`/leafz`). What the city holds
  of the node's events and what is not there yet: the node's keeper (reform_node.link_keeper, which has the
  operator's rights) asks the hub for its FED_ stream through the leafnode every few seconds — the source's
  position in the node's stream, the time of the last event the city received — counts the node's own events
  after that position, and writes it down (`<data>/federation/link.json`) with when it last saw the link change.
  While the hub is away the count goes on from the last position the city confirmed.
- **City side.** The hub's monitoring alone (`/leafz`, `/jsz?accounts=true&streams=true`): one row per commune,
  from each node account's FED_ stream (its last event, its source's lag and last contact) and its leafnode.

The portal reads these without any NATS credentials (the monitoring port is read-only, on the node's host).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel

EVENTS_PREFIX = "reform"
"""The commune nodes' events (reform_shared.federation.COMMUNE_PREFIX): FED_'s other sources carry the catalogue's
files (`reform-files.<c>.>`), which say nothing of the link's backlog."""

LINK_FILE = "link.json"
STALE_AFTER = dt.timedelta(seconds=30)
"""A keeper's record older than this is not trusted for the backlog (the keeper is not running)."""


class KeeperRecord(BaseModel):
    """What the commune node's keeper last wrote."""

    node_id: str
    communes: list[str]
    checked_at: dt.datetime
    connected: bool
    since: dt.datetime | None = None
    """When the keeper saw the link come up or go down."""
    city_seen_at: dt.datetime | None = None
    """The last time the hub answered through the link."""
    city_last_event_at: dt.datetime | None = None
    """The last of this node's events the city received (FED_ stream's last message)."""
    city_positions: dict[str, int] = {}
    """Per commune: the node stream's sequence the city's copy has reached."""
    unsent: int = 0
    """This node's events after those positions: not at the city yet."""
    from_city_pending: int | None = None
    """The city's decisions not here yet (the OUT_ source's lag, as last known)."""
    from_city_heard_at: dt.datetime | None = None
    """The last contact of the source of the city's decisions (events or heartbeats)."""

    def save(self, folder: Path) -> None:
        staged = folder / f"{LINK_FILE}.new"
        staged.write_text(self.model_dump_json(indent=2), encoding="utf-8")
        staged.replace(folder / LINK_FILE)

    @classmethod
    def load(cls, folder: Path) -> KeeperRecord | None:
        path = folder / LINK_FILE
        try:
            return cls.model_validate_json(path.read_bytes())
        except (OSError, ValueError):
            return None


class CommuneLink(BaseModel):
    """The commune side's link, for its officials."""

    node_id: str
    connected: bool
    since: dt.datetime | None
    city_last_event_at: dt.datetime | None
    from_city_heard_at: dt.datetime | None
    unsent: int | None
    """None when the keeper's record is missing or stale (then the page says the figure is unknown)."""
    from_city_pending: int | None
    counted_at: dt.datetime | None


def commune_link(leafz: dict[str, Any], record: KeeperRecord, now: dt.datetime) -> CommuneLink:
    connected = int(leafz.get("leafnodes") or 0) > 0
    fresh = now - record.checked_at <= STALE_AFTER
    since = record.since if record.connected == connected else None  # changed since the keeper last looked
    return CommuneLink(node_id=record.node_id, connected=connected, since=since,
                       city_last_event_at=record.city_last_event_at, from_city_heard_at=record.from_city_heard_at,
                       unsent=record.unsent if fresh else None,
                       from_city_pending=record.from_city_pending if fresh else None,
                       counted_at=record.checked_at if fresh else None)


class CityRow(BaseModel):
    """One commune, as the city sees its link."""

    commune_id: str
    node_id: str
    connected: bool
    last_contact_at: dt.datetime | None
    """The last contact of the source of the commune's events (events or heartbeats)."""
    last_event_at: dt.datetime | None
    """The last of the commune node's events the city received."""
    backlog: int
    """The node's events not at the city yet, as of the last contact."""


def parse_time(value: str | None) -> dt.datetime | None:
    """nats-server's RFC 3339 times (nanoseconds, `Z`); its zero time is none."""
    if not value or value.startswith("0001-"):
        return None
    found = re.match(r"^(.{19})(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$", value)
    if found is None:
        return None
    head, fraction, zone = found.groups()
    stamp = dt.datetime.fromisoformat(head + (f".{fraction[:6]:0<6}" if fraction else "")
                                      + ("+00:00" if zone == "Z" else zone))
    return stamp.astimezone(dt.UTC)


def node_of(account: str) -> str:
    return account.lower().replace("_", "-")


def city_rows(leafzs: list[dict[str, Any]], jszs: list[dict[str, Any]], now: dt.datetime) -> list[CityRow]:
    """Every commune of every node account that has a FED_ stream, from the hub servers' monitoring."""
    linked = {leaf.get("account") for leafz in leafzs for leaf in leafz.get("leafs") or []}
    rows: dict[str, CityRow] = {}
    for jsz in jszs:
        for account in jsz.get("account_details") or []:
            for stream in account.get("stream_detail") or []:
                if not str(stream.get("name", "")).startswith("FED_") or "sources" not in stream:
                    continue
                last_event = parse_time((stream.get("state") or {}).get("last_ts"))
                for source in stream["sources"]:
                    prefix, *commune = str(source.get("filter_subject", "")).split(".")[:2]
                    if prefix != EVENTS_PREFIX or not commune:
                        continue  # the catalogue's files (`reform-files.<c>.>`) are not the commune's events
                    active = source.get("active")
                    heard = isinstance(active, int) and active >= 0
                    contact = now - dt.timedelta(microseconds=active / 1000) if heard else None
                    rows[commune[0]] = CityRow(commune_id=commune[0], node_id=node_of(account["name"]),
                                               connected=account["name"] in linked, last_contact_at=contact,
                                               last_event_at=last_event, backlog=int(source.get("lag") or 0))
    return sorted(rows.values(), key=lambda row: row.commune_id)

