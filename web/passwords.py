"""Argon2id password hashing at the OWASP Password Storage Cheat Sheet's settings."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP's first Argon2id configuration: 19 MiB of memory, 2 iterations, 1 lane.
hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when the email is unknown, so that a login takes as long for an
# unknown email as for a wrong password and does not reveal which emails exist.
DUMMY_HASH = hasher.hash("no such officer")
# Shortest password accepted for an officer.
MIN_PASSWORD_LENGTH = 12


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Return whether password matches; a missing hash never matches."""
    try:
        matches = hasher.verify(password_hash or DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False

    return matches and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    """Return whether the hash was made with weaker parameters than the current ones."""
    return hasher.check_needs_rehash(password_hash)
