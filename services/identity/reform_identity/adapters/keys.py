"""The provider's RSA signing keys: created once, kept in one 0600 file, current first, previous after."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
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

    def public_jwk(self) -> dict[str, Any]:
        public: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "alg": "RS256"}


def thumbprint(key: rsa.RSAPrivateKey) -> str:
    """RFC 7638 thumbprint of the public key: the key's id."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    canonical = json.dumps({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).decode().rstrip("=")[:22]


class KeyStore:
    """JWKS publishes every kept key (current and previous), so tokens signed before a rotation stay valid
    until they expire; only the current key signs."""

    def __init__(self, path: Path, bits: int = 3072) -> None:
        self.path = path
        self.bits = bits
        self.keys: list[SigningKey] = self._load() if path.exists() else []
        if not self.keys:
            self.rotate()

    @property
    def current(self) -> SigningKey:
        return self.keys[0]

    def rotate(self) -> SigningKey:
        """A new current key; the previous current one is kept for verification, older ones go."""
        private = rsa.generate_private_key(public_exponent=65537, key_size=self.bits)
        key = SigningKey(thumbprint(private), private, dt.datetime.now(dt.UTC).isoformat())
        self.keys = [key, *self.keys[:1]]
        self._save()
        return key

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk() for key in self.keys]}

    def _load(self) -> list[SigningKey]:
        document = json.loads(self.path.read_text(encoding="utf-8"))
        keys = []
        for entry in document["keys"]:
            private = serialization.load_pem_private_key(entry["pem"].encode(), password=None)
            assert isinstance(private, rsa.RSAPrivateKey)
            keys.append(SigningKey(entry["kid"], private, entry["created_at"]))
        return keys

    def _save(self) -> None:
        document = {"keys": [{"kid": k.kid, "created_at": k.created_at, "pem": k.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()}
            for k in self.keys]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(self.path.suffix + ".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(document, out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, self.path)
