"""What the join test uses: a portal session signed in over real HTTP (the portal's own sign-in, the identity
provider's form, the callback), a page's marked element, and a command of `reform-node`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx


def portal_session(portal_url: str, user: str, password: str, new_password: str | None = None) -> httpx.Client:
    """A client holding the portal's session cookie: the sign-in an official's browser makes."""
    client = httpx.Client(base_url=portal_url, follow_redirects=False, timeout=20)
    page = client.get("/dang-nhap")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf, page.text[:2000]
    started = client.post("/dang-nhap", data={"csrf_token": csrf.group(1), "next": "/lien-thong"})
    assert started.status_code == 303, started.text[:2000]
    with httpx.Client(follow_redirects=False, timeout=20) as provider:
        form_page = provider.get(started.headers["location"])
        form = {name: re.search(rf'name="{name}" value="([^"]*)"', form_page.text).group(1)  # type: ignore[union-attr]
                for name in ("request_id", "csrf")}
        signed = provider.post(str(form_page.url.copy_with(query=None)), data={**form, "username": user,
                                                                            "password": password})
        if new_password is not None:
            signed = provider.post(str(form_page.url.copy_with(path="/password", query=None)),
                                   data={**form, "new_password": new_password, "confirm_password": new_password})
    assert signed.status_code == 303, signed.text[:2000]
    back = client.get(signed.headers["location"])
    assert back.status_code == 303, back.text[:2000]
    return client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:2000]
    return found.group(1)


def element(html: str, element_id: str) -> str:
    """The text of the element with that id (tags dropped, spaces collapsed)."""
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:dd|tr|p)>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split()) if found else ""


def reform_node(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reform_node", *args], capture_output=True, text=True, timeout=120)


def upload(session: httpx.Client, package: Path | bytes) -> httpx.Response:
    page = session.get("/lien-thong")
    data = package.read_bytes() if isinstance(package, Path) else package
    return session.post("/lien-thong/goi-tham-gia", data={"csrf_token": csrf_of(page.text)},
                        files={"package": ("goi.join.json", data, "application/json")})
