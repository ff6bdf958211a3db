"""A node's identity provider registers the node's own portal: a portal on another port than 8100 (every
node of a local federation) is given its sign-in redirect besides the default one."""

from __future__ import annotations

import json

import pytest

from reform_identity.config import IdentityConfig
from reform_node.node import SERVICES, NodeConfig

pytestmark = pytest.mark.domain


def test_the_identity_provider_knows_the_nodes_portal_port(monkeypatch: pytest.MonkeyPatch) -> None:
    config = NodeConfig(service_ports={**SERVICES, "portal": 8197, "identity": 8196})
    env = config.service_env("identity")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    client = IdentityConfig().client("reform-portal")
    assert client is not None
    assert "http://127.0.0.1:8197/callback" in client.redirect_uris  # the node's own portal
    assert "http://localhost:8197/callback" in client.redirect_uris
    assert "http://127.0.0.1:8100/callback" in client.redirect_uris  # and the default, as before
    assert "http://127.0.0.1:8197/" in client.post_logout_redirect_uris
    assert "REFORM_IDENTITY_CLIENTS" not in config.service_env("submission")
    assert json.loads(env["REFORM_IDENTITY_CLIENTS"])[0]["client_id"] == "reform-portal"
