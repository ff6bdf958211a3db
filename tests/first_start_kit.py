"""What the first-start tests share (issue 22): `reform-node run --no-demo` as a process with its output, the
one-time password it prints, and the sign-in of the portal's client changing a one-time password on the way."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from reform_identity.config import PORTAL
from reform_node.node import SERVICES, NodeConfig
from reform_node.servers import free_port

NEW_PASSWORD = "Mat-khau-moi-2027!"


def node_config(data: Path) -> NodeConfig:
    return NodeConfig(data_dir=data, nats_port=free_port(), nats_http_port=free_port(), mongo_port=free_port(),
                      service_ports={service: free_port() for service in SERVICES})


class Node:
    """`reform-node run --no-demo` as a process, its output read as it comes."""

    def __init__(self, config: NodeConfig, commune_file: Path) -> None:
        self.config = config
        ports = [arg for service, port in config.service_ports.items() for arg in (f"--{service}-port", str(port))]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "reform_node", "--data-dir", str(config.data_dir), "run", "--no-demo",
             "--commune-file", str(commune_file), "--nats-port", str(config.nats_port), "--nats-http-port",
             str(config.nats_http_port), "--mongo-port", str(config.mongo_port), *ports],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
            start_new_session=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def output_until(self, marker: str, timeout: float = 300) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = "".join(self.lines)
            if marker in text:
                return text
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError("".join(self.lines)[-4000:])

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)  # Ctrl-C: the node stops its children in order
        try:
            self.proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def one_time_password(printed: str) -> str:
    found = re.search(r"one-time password, shown once\): (\S+)", printed)
    assert found, printed[-3000:]
    return found.group(1)


def sign_in(identity_url: str, user: str, password: str, new_password: str | None = None) -> str:
    """The authorization code flow as the portal runs it (PKCE S256), changing a one-time password on the way:
    the access token."""
    return str(sign_in_tokens(identity_url, user, password, new_password)["access_token"])


def sign_in_tokens(identity_url: str, user: str, password: str, new_password: str | None = None
                   ) -> dict[str, Any]:
    """The same flow: the whole token response (access, ID and refresh tokens)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    redirect = PORTAL.redirect_uris[0]
    with httpx.Client(base_url=identity_url, follow_redirects=False, timeout=10) as browser:
        page = browser.get("/authorize", params={
            "client_id": PORTAL.client_id, "redirect_uri": redirect, "response_type": "code", "scope": "openid",
            "state": "s-1", "code_challenge": challenge, "code_challenge_method": "S256"})
        assert page.status_code == 200, page.text
        form = {name: re.search(rf'name="{name}" value="([^"]*)"', page.text).group(1)  # type: ignore[union-attr]
                for name in ("request_id", "csrf")}
        signed = browser.post("/authorize", data={**form, "username": user, "password": password})
        if new_password is not None:  # a one-time password: the page asks for a new one at once
            assert signed.status_code == 200 and "Đổi mật khẩu" in signed.text, signed.text
            signed = browser.post("/password", data={**form, "new_password": new_password,
                                                     "confirm_password": new_password})
        assert signed.status_code == 303, signed.text
        code = parse_qs(urlsplit(signed.headers["location"]).query)["code"][0]
        tokens = browser.post("/token", data={"grant_type": "authorization_code", "code": code,
                                              "redirect_uri": redirect, "client_id": PORTAL.client_id,
                                              "code_verifier": verifier})
    assert tokens.status_code == 200, tokens.text
    body: dict[str, Any] = tokens.json()
    return body


def bearer(access: str, key: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {access}", **({"Idempotency-Key": key} if key else {})}


def eventually(fetch: Any, timeout: float = 30) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        answer = fetch()
        if answer.status_code not in (404, 503) or time.monotonic() > deadline:
            return answer
        time.sleep(0.2)


