"""API tokens: shown once, stored as a hash, revocable; roles and customer ids checked."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

import ordermill
from ordermill.db.tables import api_token
from ordermill.domain.scopes import SCOPES


def test_create_returns_the_secret_once_and_stores_only_its_hash(oms: ordermill.Oms) -> None:
    token, secret = oms.create_token(role="admin", label="deploy bot")
    assert secret.startswith("omt_") and len(secret) >= 40
    assert (token.role, token.customer_id, token.label) == ("admin", None, "deploy bot")
    assert token.revoked_at is None
    with oms.engine.connect() as c:
        [row] = c.execute(sa.select(api_token)).all()
    assert secret not in [str(v) for v in row]
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()


def test_authenticate_gives_the_principal_of_an_active_token(oms: ordermill.Oms) -> None:
    admin, admin_secret = oms.create_token(role="admin")
    _, customer_secret = oms.create_token(role="customer", customer_id=42)
    assert oms.authenticate(admin_secret) == ordermill.Principal(
        token_id=admin.token_id, role="admin", customer_id=None, scopes=frozenset(SCOPES)
    )
    principal = oms.authenticate(customer_secret)
    assert principal is not None
    assert (principal.role, principal.customer_id, principal.is_admin) == ("customer", 42, False)
    for bad in ("", "omt_", admin_secret + "x", admin_secret[4:], "omt_" + "a" * 500):
        assert oms.authenticate(bad) is None


def test_a_customer_token_may_name_a_customer_who_never_ordered(oms: ordermill.Oms) -> None:
    token, _ = oms.create_token(role="customer", customer_id=123_456)
    assert token.customer_id == 123_456


def test_revoke_stops_authentication_and_keeps_the_first_revocation_time(
    oms: ordermill.Oms,
) -> None:
    token, secret = oms.create_token(role="admin")
    revoked = oms.revoke_token(token.token_id)
    assert revoked.revoked_at is not None
    assert oms.authenticate(secret) is None
    assert oms.revoke_token(token.token_id).revoked_at == revoked.revoked_at
    assert [t.token_id for t in oms.list_tokens()] == [token.token_id]
    assert oms.list_tokens()[0].is_revoked


def test_principal_of_a_token_id_holds_only_while_the_token_is_active(
    oms: ordermill.Oms,
) -> None:
    token, _ = oms.create_token(role="customer", customer_id=7)
    principal = oms.principal_of(token.token_id)
    assert principal is not None
    assert (principal.role, principal.customer_id) == ("customer", 7)
    oms.revoke_token(token.token_id)
    assert oms.principal_of(token.token_id) is None
    assert oms.principal_of(token.token_id + 1) is None


def test_revoking_an_unknown_token_is_not_found(oms: ordermill.Oms) -> None:
    with pytest.raises(ordermill.TokenNotFound, match="Token not found: 99"):
        oms.revoke_token(99)


@pytest.mark.parametrize(
    ("role", "customer_id", "message"),
    [
        ("root", None, "not a token role"),
        ("customer", None, "needs a positive integer customer id"),
        ("customer", 0, "needs a positive integer customer id"),
        ("customer", True, "needs a positive integer customer id"),
        ("admin", 5, "not tied to a customer"),
    ],
)
def test_invalid_tokens_are_refused(
    oms: ordermill.Oms, role: str, customer_id: int | None, message: str
) -> None:
    with pytest.raises(ordermill.InvalidInput, match=message):
        oms.create_token(role=role, customer_id=customer_id)
    assert oms.list_tokens() == []
