"""Admin sessions: a signed cookie, never the API token itself.

The cookie holds a random session id, the session's CSRF token, the id of the admin
token the person signed in with, and the time it was issued, signed with itsdangerous
(HMAC-SHA1 over a key derived from the server's secret). Nothing is kept in process
memory, so every uvicorn worker that shares the secret accepts the cookie.

Because the cookie only *names* an API token, revoking that token ends every session
opened with it on the next request (the admin checks it on each request). The secret
comes from ``mount(secret_key=...)`` or ``$ORDERMILL_SECRET_KEY``; without either a
random key is made per process, which is fine for one worker and logged as a warning,
since sessions then end on restart and are refused by the other workers.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import time
from dataclasses import dataclass, replace
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

__all__ = [
    "COOKIE_NAME",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SECRET_ENV",
    "SESSION_MAX_AGE",
    "Session",
    "SessionCodec",
    "csrf_matches",
    "resolve_secret",
]

logger = logging.getLogger("ordermill.admin")

COOKIE_NAME = "ordermill_admin"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SECRET_ENV = "ORDERMILL_SECRET_KEY"  # noqa: S105 - the name of the variable, not a secret
# A working day: long enough not to interrupt staff, short enough that a cookie
# copied off a shared computer stops working by the next morning.
SESSION_MAX_AGE = 12 * 60 * 60
_SALT = "ordermill.admin.session.v1"


@dataclass(frozen=True, slots=True)
class Session:
    """What the cookie carries. ``token_id`` is None before sign-in (the sign-in form
    still needs a CSRF token, against login CSRF)."""

    sid: str
    csrf: str
    token_id: int | None
    issued_at: int

    @classmethod
    def anonymous(cls) -> Session:
        return cls(
            sid=secrets.token_urlsafe(16),
            csrf=secrets.token_urlsafe(32),
            token_id=None,
            issued_at=int(time.time()),
        )

    @classmethod
    def signed_in(cls, token_id: int) -> Session:
        """A fresh session id and CSRF token on sign-in, so that a value planted before
        it (session fixation) is worth nothing after."""
        return replace(cls.anonymous(), token_id=token_id)

    @property
    def is_signed_in(self) -> bool:
        return self.token_id is not None


class SessionCodec:
    """Turns a ``Session`` into a cookie value and back; a forged, altered or expired
    cookie reads as no session."""

    def __init__(self, secret_key: str | bytes, *, max_age: int = SESSION_MAX_AGE) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt=_SALT)
        self.max_age = max_age

    def dumps(self, session: Session) -> str:
        payload: dict[str, Any] = {
            "s": session.sid,
            "c": session.csrf,
            "t": session.token_id,
            "i": session.issued_at,
        }
        return self._serializer.dumps(payload)

    def loads(self, value: str | None) -> Session | None:
        if not value:
            return None
        try:
            payload = self._serializer.loads(value, max_age=self.max_age)
        except BadSignature:  # SignatureExpired is a BadSignature too
            return None
        if not isinstance(payload, dict):
            return None
        sid, csrf, token_id, issued = (payload.get(k) for k in ("s", "c", "t", "i"))
        if not (isinstance(sid, str) and isinstance(csrf, str) and isinstance(issued, int)):
            return None
        if token_id is not None and (isinstance(token_id, bool) or not isinstance(token_id, int)):
            return None
        return Session(sid=sid, csrf=csrf, token_id=token_id, issued_at=issued)


def csrf_matches(session: Session, submitted: str | None) -> bool:
    """Whether a submitted CSRF token is this session's (constant-time comparison)."""
    if not submitted:
        return False
    return hmac.compare_digest(session.csrf.encode(), submitted.encode())


def resolve_secret(secret_key: str | bytes | None) -> str | bytes:
    """The signing key: the argument, else ``$ORDERMILL_SECRET_KEY``, else a random
    per-process key (with a warning: sessions then do not survive restarts or span
    several workers)."""
    if secret_key:
        return secret_key
    from_env = os.environ.get(SECRET_ENV)
    if from_env:
        return from_env
    global _warned
    if not _warned:
        _warned = True
        logger.warning(
            "%s is not set: admin sessions are signed with a random key made for this "
            "process; they end when it restarts and other workers refuse them. Set %s to a "
            "long random value shared by every worker.",
            SECRET_ENV,
            SECRET_ENV,
        )
    return _process_key


# One random key per process: every app built in it accepts the others' cookies.
_process_key = secrets.token_bytes(32)
_warned = False
