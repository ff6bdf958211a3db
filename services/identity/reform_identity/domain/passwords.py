"""Password hashing (Argon2id) and the password policy."""

from __future__ import annotations

import secrets
import string

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0OoIl1")


class Passwords:
    """Argon2id with the configured cost. `verify` never raises: a wrong password and a broken hash both
    answer False."""

    def __init__(self, time_cost: int, memory_kib: int, parallelism: int) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism,
                                      type=Type.ID)
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, hashed: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(hashed or self._dummy, password) and hashed is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, hashed: str) -> bool:
        return self._hasher.check_needs_rehash(hashed)


def one_time_password() -> str:
    """Twelve characters without look-alikes (0/O, 1/l/I), read out over the phone if need be."""
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(3))


def policy_breaches(password: str, user_name: str, min_length: int) -> list[tuple[str, str, str]]:
    """(rule, message_vi, message_en) of each rule the new password breaks."""
    breaches = []
    if len(password) < min_length:
        breaches.append(("password_length", f"Mật khẩu cần ít nhất {min_length} ký tự",
                         f"the password needs at least {min_length} characters"))
    if user_name and user_name.lower() in password.lower():
        breaches.append(("password_not_user_name", "Mật khẩu không được chứa tên đăng nhập",
                         "the password must not contain the user name"))
    if len(set(password)) < 4:
        breaches.append(("password_variety", "Mật khẩu quá đơn giản (quá ít ký tự khác nhau)",
                         "the password is too simple (too few different characters)"))
    return breaches
