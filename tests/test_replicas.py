"""Three replicas on a JetStream cluster, one on a single server; a server list in REFORM_NATS_URL."""

from __future__ import annotations

import pytest

from reform_shared.provision_runs import redact
from reform_shared.replicas import replicas_of, servers_of
from reform_shared.settings import Settings

pytestmark = pytest.mark.domain

HUB = "nats://city:pw@nats-1:4222,nats://city:pw@nats-2:4222, nats://city:pw@nats-3:4222"


def test_a_cluster_gets_three_replicas_and_a_single_server_one() -> None:
    assert replicas_of({"connect_urls": ["10.0.0.1:4222", "10.0.0.2:4222", "10.0.0.3:4222"]}) == 3
    assert replicas_of({"server_name": "ninh-giang", "cluster": "ninh-giang"}) == 1  # a leaf's cluster of one
    assert replicas_of({"connect_urls": ["10.0.0.1:4222"]}) == 1
    assert replicas_of({}, wanted=3) == 3  # REFORM_STREAM_REPLICAS decides when set


def test_the_nats_url_may_list_the_servers_of_a_cluster() -> None:
    assert Settings(nats_url=HUB).nats_servers == [f"nats://city:pw@nats-{i}:4222" for i in (1, 2, 3)]
    assert servers_of("nats://127.0.0.1:4222") == ["nats://127.0.0.1:4222"]
    assert redact(HUB) == ",".join(f"nats://city:***@nats-{i}:4222" for i in (1, 2, 3))
