"""Sign-in, the session cookie, sign-out and revocation."""

from __future__ import annotations

import pytest

import ordermill
from ordermill.admin.sessions import COOKIE_NAME, Session, SessionCodec, csrf_matches
from tests.admin.conftest import SECRET_KEY, Admin


def test_pages_need_sign_in_and_come_back_after_it(anonymous: Admin, admin_secret: str) -> None:
    for path in ("/admin/", "/admin/orders", "/admin/orders/10001"):
        response = anonymous.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/admin/sign-in?next=")

    response = anonymous.get("/admin/orders?status=pending", follow_redirects=False)
    page = anonymous.get(response.headers["location"])
    assert 'name="next" value="/admin/orders?status=pending"' in page.text
    signed_in = anonymous.post(
        "/admin/sign-in", {"token": admin_secret, "next": "/admin/orders?status=pending"}
    )
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/admin/orders?status=pending"


def test_session_cookie_is_signed_http_only_strict_and_holds_no_token(
    anonymous: Admin, admin_secret: str
) -> None:
    anonymous.get("/admin/sign-in")
    response = anonymous.post("/admin/sign-in", {"token": admin_secret})
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE_NAME}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/admin" in cookie
    value = anonymous.client.cookies[COOKIE_NAME]
    assert admin_secret not in value
    assert admin_secret.removeprefix("omt_") not in value
    session = SessionCodec(SECRET_KEY).loads(value)
    assert session is not None and session.token_id is not None


@pytest.mark.parametrize("token", ["", "omt_not-a-real-token", "garbage"])
def test_a_wrong_token_is_refused_with_a_message(anonymous: Admin, token: str) -> None:
    anonymous.get("/admin/sign-in")
    response = anonymous.post("/admin/sign-in", {"token": token})
    assert response.status_code in (401, 422)
    assert "not accepted" in response.text or "Enter your admin token" in response.text
    assert anonymous.get("/admin/orders", follow_redirects=False).status_code == 303


def test_customer_and_revoked_tokens_cannot_sign_in(oms: ordermill.Oms, anonymous: Admin) -> None:
    _, customer_secret = oms.create_token(role="customer", customer_id=7)
    revoked, revoked_secret = oms.create_token(role="admin")
    oms.revoke_token(revoked.token_id)
    for secret in (customer_secret, revoked_secret):
        anonymous.get("/admin/sign-in")
        response = anonymous.post("/admin/sign-in", {"token": secret})
        assert response.status_code == 401
        assert "That token was not accepted" in response.text


def test_revoking_the_token_ends_its_sessions(oms: ordermill.Oms, admin: Admin) -> None:
    assert admin.get("/admin/orders").status_code == 200
    [token] = [t for t in oms.list_tokens() if t.label == "admin tests"]
    oms.revoke_token(token.token_id)
    response = admin.get("/admin/orders", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/sign-in")


def test_sign_out_ends_the_session(admin: Admin) -> None:
    response = admin.post("/admin/sign-out")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/sign-in"
    assert admin.get("/admin/orders", follow_redirects=False).status_code == 303


def test_a_forged_or_altered_cookie_is_no_session(anonymous: Admin, admin: Admin) -> None:
    forged = SessionCodec("someone-elses-key").dumps(Session.signed_in(1))
    admin.client.cookies.set(COOKIE_NAME, forged, path="/admin")
    assert admin.get("/admin/orders", follow_redirects=False).status_code == 303

    genuine = SessionCodec(SECRET_KEY).dumps(Session.signed_in(1))
    admin.client.cookies.set(COOKIE_NAME, genuine[:-2] + "xx", path="/admin")
    assert admin.get("/admin/orders", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/admin/", "/admin\\..\\x", "/api/v1/orders", ""],
)
def test_sign_in_never_redirects_off_the_admin(
    anonymous: Admin, admin_secret: str, target: str
) -> None:
    anonymous.get("/admin/sign-in")
    response = anonymous.post("/admin/sign-in", {"token": admin_secret, "next": target})
    assert response.headers["location"] == "/admin/"


def test_sign_in_without_csrf_is_refused(anonymous: Admin, admin_secret: str) -> None:
    anonymous.get("/admin/sign-in")
    response = anonymous.post("/admin/sign-in", {"token": admin_secret, "csrf_token": ""})
    assert response.status_code == 403
    assert anonymous.get("/admin/orders", follow_redirects=False).status_code == 303


def test_sign_in_gives_a_new_session_id_and_csrf_token(anonymous: Admin, admin_secret: str) -> None:
    anonymous.get("/admin/sign-in")
    before = SessionCodec(SECRET_KEY).loads(anonymous.client.cookies[COOKIE_NAME])
    anonymous.post("/admin/sign-in", {"token": admin_secret})
    after = SessionCodec(SECRET_KEY).loads(anonymous.client.cookies[COOKIE_NAME])
    assert before is not None and after is not None
    assert (after.sid, after.csrf) != (before.sid, before.csrf)


def test_codec_round_trip_expiry_and_csrf_check() -> None:
    codec = SessionCodec(SECRET_KEY)
    session = Session.signed_in(42)
    assert codec.loads(codec.dumps(session)) == session
    assert codec.loads(None) is None
    assert codec.loads("not.a.cookie") is None
    # Ages are whole seconds: a negative maximum makes a cookie of this second too old.
    expired = SessionCodec(SECRET_KEY, max_age=-1)
    assert expired.loads(expired.dumps(session)) is None
    assert csrf_matches(session, session.csrf)
    assert not csrf_matches(session, "")
    assert not csrf_matches(session, None)
    assert not csrf_matches(session, session.csrf + "x")
