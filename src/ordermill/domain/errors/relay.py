"""The errors of event delivery (webhooks, the outbox) and guest tracking links (the
tree: ``ordermill.domain.errors``)."""

from __future__ import annotations

from ordermill.domain.errors.base import Conflict, InvalidInput, NotFound

__all__ = [
    "EventNotFound",
    "InvalidEventPattern",
    "InvalidWebhookUrl",
    "SecretKeyMissing",
    "TrackingLinkNotFound",
    "WebhookDisabled",
    "WebhookNotFound",
]


class TrackingLinkNotFound(NotFound):
    """No live tracking link has this token. The same error, message and timing whether
    the token is wrong, revoked or expired, so that a guess learns nothing."""

    code = "tracking_link_not_found"


class WebhookNotFound(NotFound):
    code = "webhook_not_found"


class EventNotFound(NotFound):
    """No outbox event has this id."""

    code = "event_not_found"


class InvalidWebhookUrl(InvalidInput):
    """A webhook URL that is not http(s), or that points into a private network
    (loopback, private, link-local) without the allow-list option."""

    code = "invalid_webhook_url"


class InvalidEventPattern(InvalidInput):
    """An event type pattern that is empty or not of ``ordermill.`` types."""

    code = "invalid_event_pattern"


class SecretKeyMissing(InvalidInput):
    """Webhook secrets are encrypted with ORDERMILL_SECRET_KEY, which is not set."""

    code = "secret_key_missing"


class WebhookDisabled(Conflict):
    code = "webhook_disabled"
