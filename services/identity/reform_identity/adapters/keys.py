"""The provider's RSA signing keys: created once, kept in one 0600 file, current first, previous after.

Rotation (`reform-identity rotate-key`, run on the node's machine) writes a new current key to the file; the
running service sees the file change and signs with it from its next token on. A retired key stays in the
JWKS until every token it signed has expired (`keep_seconds` after its retirement: the longest token life),
then goes at the next rotation or reload.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey
    created_at: str
    retired_at: str | None = None
    """When another key became current: tokens it signed live at most `keep_seconds` more."""

    def public_jwk(self) -> dict[str, Any]:
        public: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "alg": "RS256"}


def thumbprint(key: rsa.RSAPrivateKey) -> str:
    """RFC 7638 thumbprint of the public key: the key's id."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).decode().rstrip("=")[:22]


Now = Callable[[], dt.datetime]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class KeyStore:
    """JWKS publishes the current key and every retired key whose tokens may still be alive, so tokens signed
    before a rotation stay valid until they expire; only the current key signs."""

    def __init__(self, path: Path, bits: int = 3072, keep_seconds: int = 3600, now: Now = _utcnow) -> None:
        self.path = path
        self.bits = bits
        self.keep_seconds = keep_seconds
        self._now = now
        self._seen: tuple[int, int] | None = None
        self._keys: list[SigningKey] = self._load() if path.exists() else []
        if not self._keys:
            self.rotate()

    @property
    def keys(self) -> list[SigningKey]:
        """The kept keys, current first (read again when another process rotated the file)."""
        self._reload_if_changed()
        return [k for k in self._keys if self._alive(k)]

    @property
    def current(self) -> SigningKey:
        return self.keys[0]

    def _alive(self, key: SigningKey) -> bool:
        if key.retired_at is None:
            return True
        retired = dt.datetime.fromisoformat(key.retired_at)
        return self._now() < retired + dt.timedelta(seconds=self.keep_seconds)

    def rotate(self) -> SigningKey:
        """A new current key; the previous ones are kept (retired) while tokens they signed may be alive."""
        self._reload_if_changed()
        now = self._now().isoformat()
        private = rsa.generate_private_key(public_exponent=65537, key_size=self.bits)
        key = SigningKey(thumbprint(private), private, now)
        retired = [k if k.retired_at else replace(k, retired_at=now) for k in self._keys]
        self._keys = [key, *(k for k in retired if self._alive(k))]
        self._save()
        return key

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk() for key in self.keys]}

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        return stat.st_ino, stat.st_mtime_ns

    def _reload_if_changed(self) -> None:
        stamp = self._stamp()
        if stamp is not None and stamp != self._seen:
            self._keys = self._load()

    def _load(self) -> list[SigningKey]:
        self._seen = self._stamp()
        document = json.loads(self.path.read_text(encoding="utf-8"))
        keys = []
        for entry in document["keys"]:
            private = serialization.load_pem_private_key(entry["pem"].encode(), password=None)
            assert isinstance(private, rsa.RSAPrivateKey)
            keys.append(SigningKey(entry["kid"], private, entry["created_at"], entry.get("retired_at")))
        return keys

    def _save(self) -> None:
        document = {"keys": [{"kid": k.kid, "created_at": k.created_at, "retired_at": k.retired_at,
                              "pem": k.private.private_bytes(serialization.Encoding.PEM,
                                                             serialization.PrivateFormat.PKCS8,
                                                             serialization.NoEncryption()).decode()}
                             for k in self._keys]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(self.path.suffix + ".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(document, out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, self.path)
        self._seen = self._stamp()
