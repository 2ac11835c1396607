"""Authentication in the gateway, without a broker: where credentials come
from, CSRF on cookie calls and web forms, the client's address, 429s."""

import json

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from extranet_common.errors import TooManyAttempts
from extranet_gateway import pages
from extranet_gateway.auth import (
    SESSION_COOKIE,
    client_address,
    credentials,
    csrf_token_for,
    parse_proxies,
    set_session_cookie,
)
from extranet_gateway.routing import dispatch

CAREGIVER = {
    "id": "u1",
    "role": "caregiver",
    "email": "c@example.org",
    "first_name": "C",
    "last_name": "M",
    "agency": {"id": "A"},
}


class FakeIdentity:
    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        def call(*args):
            self.calls.append((name, args))
            if name == "login":
                raise TooManyAttempts("Trop", data={"retry_after": 7})
            if name == "password_rules":
                return {"text": "Entre 12 et 64", "min_length": 12, "max_length": 64}
            return {}

        return call


class FakeAuthenticator:
    def __init__(self, principal):
        self.who = principal

    def principal(self, token, identity_rpc):
        return self.who

    def forget(self, token):
        return None

    def client_address(self, request):
        return client_address(request, parse_proxies("10.0.0.1"))


class FakeGateway:
    def __init__(self, principal=CAREGIVER):
        self.authenticator = FakeAuthenticator(principal)
        self.identity_rpc = FakeIdentity()


def request(method, path, headers=None, form=None, body=None, remote="192.0.2.5"):
    builder = EnvironBuilder(
        method=method,
        path=path,
        headers=headers or {},
        data=form if form is not None else (json.dumps(body) if body else None),
        content_type=None if form is not None else "application/json",
        environ_base={"REMOTE_ADDR": remote},
    )
    return Request(builder.get_environ())


def test_credentials_come_from_bearer_then_key_header_then_cookie():
    both = request("GET", "/", {"Authorization": "Bearer t1", "X-Api-Key": "ek_k"})
    key = request("GET", "/", {"X-Api-Key": "ek_k", "Cookie": f"{SESSION_COOKIE}=c"})
    cookie = request("GET", "/", {"Cookie": f"{SESSION_COOKIE}=c"})

    assert credentials(both) == ("t1", "bearer")
    assert credentials(key) == ("ek_k", "api-key")
    assert credentials(cookie) == ("c", "cookie")
    assert credentials(request("GET", "/")) == (None, None)


def test_forwarded_for_is_believed_only_from_a_trusted_proxy():
    trusted = parse_proxies("10.0.0.1, 10.0.0.2")
    spoofed = request("GET", "/", {"X-Forwarded-For": "203.0.113.9"})
    proxied = request(
        "GET",
        "/",
        {"X-Forwarded-For": "198.51.100.1, 203.0.113.9, 10.0.0.2"},
        remote="10.0.0.1",
    )

    assert client_address(spoofed, trusted) == "192.0.2.5"
    assert client_address(proxied, trusted) == "203.0.113.9"
    assert client_address(proxied, frozenset()) == "10.0.0.1"


def test_a_cookie_call_that_changes_state_needs_the_csrf_header():
    gateway = FakeGateway()
    cookie = {"Cookie": f"{SESSION_COOKIE}=secret-session"}
    header = {**cookie, "X-CSRF-Token": csrf_token_for("secret-session")}

    refused = dispatch(gateway, request("POST", "/api/v1/auth/logout", cookie))
    wrong = dispatch(
        gateway,
        request("POST", "/api/v1/auth/logout", {**cookie, "X-CSRF-Token": "x"}),
    )
    reading = dispatch(gateway, request("GET", "/api/v1/me", cookie))
    accepted = dispatch(gateway, request("POST", "/api/v1/auth/logout", header))

    assert (refused.status_code, wrong.status_code) == (403, 403)
    assert gateway.identity_rpc.calls == [("logout", ("secret-session",))]
    assert accepted.status_code == 204
    assert reading.status_code == 200
    assert reading.json["csrf_token"] == csrf_token_for("secret-session")


def test_a_bearer_call_needs_no_csrf_header_and_gets_no_csrf_token():
    gateway = FakeGateway()
    bearer = {"Authorization": "Bearer t1"}

    changed = dispatch(gateway, request("POST", "/api/v1/auth/logout", bearer))
    me = dispatch(gateway, request("GET", "/api/v1/me", bearer))

    assert changed.status_code == 204
    assert "csrf_token" not in me.json


def test_throttled_login_answers_429_with_retry_after_and_passes_the_address():
    gateway = FakeGateway()
    login = request(
        "POST",
        "/api/v1/auth/login",
        {"X-Forwarded-For": "203.0.113.9"},
        body={"email": "c@example.org", "password": "x"},
        remote="10.0.0.1",
    )

    answer = dispatch(gateway, login)

    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "7"
    assert answer.json["error"]["code"] == "TOO_MANY_ATTEMPTS"
    assert gateway.identity_rpc.calls[0] == (
        "login",
        ("c@example.org", "x", "203.0.113.9"),
    )


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("GET", "/api/v1/agency/api-keys", None),
        ("POST", "/api/v1/agency/api-keys", {"name": "paie"}),
        ("DELETE", "/api/v1/agency/api-keys/k1", None),
        ("POST", "/api/v1/me/password", {"current_password": "a", "new_password": "b"}),
    ],
)
def test_a_backoffice_key_cannot_manage_keys_or_passwords(method, path, body):
    gateway = FakeGateway({**CAREGIVER, "role": "backoffice"})

    answer = dispatch(gateway, request(method, path, {"X-Api-Key": "ek_k"}, body=body))

    assert answer.status_code == 403
    assert gateway.identity_rpc.calls == []


def test_the_session_cookie_is_httponly_secure_and_samesite():
    response = Response()

    set_session_cookie(response, "tok", None)

    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Lax" in cookie


def test_a_form_page_sets_a_csrf_cookie_and_repeats_it_in_the_form():
    gateway = FakeGateway()

    shown = pages.page(gateway, request("GET", "/confirmation?token=abc"))

    cookie = shown.headers["Set-Cookie"]
    token = cookie.split("=", 1)[1].split(";", 1)[0]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Strict" in cookie
    assert f'name="csrf_token" value="{token}"' in shown.get_data(as_text=True)
    assert gateway.identity_rpc.calls == []


def test_a_form_post_without_its_csrf_token_changes_nothing():
    gateway = FakeGateway()
    cookie = {"Cookie": f"{pages.CSRF_COOKIE}=anon-token"}

    forged = pages.page(
        gateway, request("POST", "/confirmation", cookie, form={"token": "abc"})
    )
    genuine = pages.page(
        gateway,
        request(
            "POST",
            "/confirmation",
            cookie,
            form={"token": "abc", "csrf_token": "anon-token", "password": "choisi"},
        ),
    )

    assert forged.status_code == 403
    assert genuine.status_code == 200
    assert gateway.identity_rpc.calls == [("confirm", ("abc", "choisi"))]


def test_a_signed_in_form_uses_the_session_tied_token():
    cookie = {"Cookie": f"{SESSION_COOKIE}=secret-session"}
    token = csrf_token_for("secret-session")

    pages.check_csrf(request("POST", "/x", cookie, form={"csrf_token": token}))

    with pytest.raises(pages.CsrfRefused):
        pages.check_csrf(request("POST", "/x", cookie, form={"csrf_token": "other"}))


def test_the_password_pages_show_the_rules_before_typing():
    gateway = FakeGateway()

    first = pages.page(gateway, request("GET", "/premiere-connexion"))
    reset = pages.page(gateway, request("GET", "/mot-de-passe/nouveau?token=t"))

    assert "Entre 12 et 64" in first.get_data(as_text=True)
    assert "Entre 12 et 64" in reset.get_data(as_text=True)
