"""A node's NATS identities, made at its first start and kept in its data folder (reused after):
an NKEY seed per service (`<service>.nk`) and the operator's password (`operator-password`), 0600
files in a 0700 folder. The nats-server config gets only the public keys (and the operator's password:
that file is 0600 too)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import nkeys

from reform_shared.nats_auth import new_user_seed

OPERATOR = "operator"
"""The node's operator user: provisioning, the keeper, `reform-node` commands, backups, tests."""


__all__ = ["OPERATOR", "NodeCredentials", "new_user_seed"]


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


class NodeCredentials:
    """The identities of one node, in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _ensure_folder(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.folder.chmod(0o700)

    def seed_file(self, identity: str) -> Path:
        """The file of `identity`'s NKEY seed, made if missing."""
        path = self.folder / f"{identity}.nk"
        if not path.exists():
            self._ensure_folder()
            _write_private(path, new_user_seed() + "\n")
        return path.resolve()

    def public_key(self, identity: str) -> str:
        seed = self.seed_file(identity).read_bytes().strip()
        return str(nkeys.from_seed(seed).public_key.decode())

    def operator_password(self) -> str:
        path = self.folder / f"{OPERATOR}-password"
        if not path.exists():
            self._ensure_folder()
            _write_private(path, secrets.token_urlsafe(32))
        return path.read_text().strip()

    def rotate(self, identity: str) -> Path:
        """A new seed for `identity` (its old one stops working once the server's config is reloaded)."""
        path = self.folder / f"{identity}.nk"
        path.unlink(missing_ok=True)
        return self.seed_file(identity)
