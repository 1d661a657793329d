"""Webhook secrets: made, encrypted at rest, and used to sign requests (Standard Webhooks).

A secret is ``whsec_<base64 of 24 random bytes>``, shown once at registration. The
database keeps it encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under a key
derived by HKDF-SHA256 from ``ORDERMILL_SECRET_KEY``, so a dump of the database
reveals no secret; the relay and the CLI need the same ``ORDERMILL_SECRET_KEY``.

Requests carry ``webhook-id`` (the CloudEvent id), ``webhook-timestamp`` (Unix seconds)
and ``webhook-signature``: ``v1,<base64 HMAC-SHA256 over "{id}.{timestamp}.{body}">``
with the decoded secret as key. During a rotation the previous secret signs too
(space-separated signatures, as the specification allows), so a receiver still
holding the old secret verifies retries until it switches.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ordermill.domain.errors import SecretKeyMissing

__all__ = ["SecretBox", "new_secret", "sign", "signed_headers"]

SECRET_KEY_ENV = "ORDERMILL_SECRET_KEY"  # noqa: S105 (a variable name, not a secret)
_PREFIX = "whsec_"


def new_secret() -> str:
    return _PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _key_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(_PREFIX))


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(
    secrets_: Sequence[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    return {
        "content-type": "application/cloudevents+json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, msg_id, timestamp, body) for s in secrets_),
    }


class SecretBox:
    """Encrypts and decrypts webhook secrets with the key from ``ORDERMILL_SECRET_KEY``."""

    def __init__(self, key: str | None = None) -> None:
        key = key if key is not None else os.environ.get(SECRET_KEY_ENV)
        if not key:
            raise SecretKeyMissing(
                f"{SECRET_KEY_ENV} is not set: webhook secrets are stored encrypted with it;"
                " set it to the same long random value for the CLI and the relay"
            )
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"ordermill webhook secrets"
        ).derive(key.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def encrypt(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise SecretKeyMissing(
                f"a webhook secret does not decrypt with this {SECRET_KEY_ENV}"
                " (it was stored under another key)"
            ) from None
