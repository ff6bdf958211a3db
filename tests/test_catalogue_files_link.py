"""FED_ sources a node's catalogue files (`reform-files.<c>.>`) beside its events (`reform.<c>.>`): the link's
figures — the city's row per commune, the node's positions at the city — read the events' sources only."""

from __future__ import annotations

import datetime as dt

import pytest

from reform_node.link_keeper import _positions
from reform_shared.federation import FederatedNode, FederationConfig, fed_stream_config
from reform_shared.link_state import city_rows

pytestmark = pytest.mark.domain

NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
NODE = FederatedNode(node_id="tan-lap", communes=["tan-lap"])


def sources() -> list[dict[str, object]]:
    """FED_TAN_LAP's sources as the hub reports them: the events' (lag 4, seq 40), then the files' (lag 0, seq 7)."""
    fed = fed_stream_config(FederationConfig(nodes=[NODE]), NODE)
    figures = {"reform.tan-lap.>": (4, 40), "reform-files.tan-lap.>": (0, 7)}
    assert sorted(s.filter_subject or "" for s in fed.sources or []) == sorted(figures)
    return [{"filter_subject": s.filter_subject, "lag": figures[s.filter_subject or ""][0], "active": 1_000,
             "seq": figures[s.filter_subject or ""][1]} for s in fed.sources or []]


def test_the_citys_row_of_a_commune_is_its_events_source() -> None:
    jsz = {"account_details": [{"name": "TAN_LAP", "stream_detail": [{"name": "FED_TAN_LAP", "sources": sources(),
                                                                        "state": {}}]}]}
    [row] = city_rows([{"leafs": [{"account": "TAN_LAP"}]}], [jsz], NOW)
    assert (row.commune_id, row.backlog, row.connected) == ("tan-lap", 4, True)


def test_the_nodes_position_at_the_city_is_its_events_sources() -> None:
    assert _positions({"sources": sources()}) == {"tan-lap": 40}
