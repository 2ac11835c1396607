"""Who is calling: bearer token, back-office key or session cookie, checked
without an RPC in the common case; the caller's address; the session cookie.

Credentials, in this order: ``Authorization: Bearer <token>`` (a session
token from login, or a back-office key ``ek_…``), ``X-Api-Key: <key>``, and
the web's session cookie. The JSON API accepts the cookie too, but then a
state-changing method (POST, PUT, PATCH, DELETE) must carry the session's
CSRF token in ``X-CSRF-Token`` (see ``csrf_token_for``; ``GET /api/v1/me``
gives it to a cookie caller); bearer tokens and keys need none, since a
browser never adds them by itself.

The gateway keeps each answer of identity's ``authenticate`` for
``AUTH_CACHE_SECONDS`` (default 5) per token hash. A logout through this
gateway drops its entry at once; a session revoked elsewhere (logout on
another gateway, a password change or reset, a revoked key) stops working
here when the entry ages out, so within those few seconds everywhere.

The client's address (for login throttling) is the TCP peer, unless the
peer is one of ``TRUSTED_PROXIES`` (config key, from the environment variable
of that name: comma-separated addresses); then the right-most address of
``X-Forwarded-For`` that is not a trusted proxy is taken.
"""

import base64
import hashlib
import hmac
import time
from datetime import datetime

from nameko.extensions import DependencyProvider

SESSION_COOKIE = "extranet_session"
CSRF_HEADER = "X-CSRF-Token"
API_KEY_HEADER = "X-Api-Key"

BEARER = "bearer"
API_KEY = "api-key"
COOKIE = "cookie"


class Authenticator(DependencyProvider):
    def setup(self):
        config = self.container.config
        self.ttl = float(config.get("AUTH_CACHE_SECONDS", 5))
        self.cache: dict[str, tuple[float, dict]] = {}
        self.trusted_proxies = parse_proxies(config.get("TRUSTED_PROXIES") or "")

    def get_dependency(self, worker_ctx):
        return self

    def principal(self, token: str, identity_rpc) -> dict:
        """The caller behind ``token``; raises NotAuthenticated when none."""
        key = _key(token)
        cached = self.cache.get(key)
        moment = time.monotonic()
        if cached and cached[0] > moment:
            return cached[1]

        principal = identity_rpc.authenticate(token)
        self.cache[key] = (moment + self.ttl, principal)
        if len(self.cache) > 10_000:
            self._prune(moment)
        return principal

    def forget(self, token: str) -> None:
        self.cache.pop(_key(token), None)

    def client_address(self, request) -> str | None:
        return client_address(request, self.trusted_proxies)

    def _prune(self, moment: float) -> None:
        for key in [k for k, (until, _) in self.cache.items() if until <= moment]:
            del self.cache[key]


def credentials(request) -> tuple[str | None, str | None]:
    """The credential a request carries and where it came from."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
        return (token, BEARER) if token else (None, None)
    key = request.headers.get(API_KEY_HEADER, "").strip()
    if key:
        return key, API_KEY
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        return cookie, COOKIE
    return None, None


def token_of(request) -> str | None:
    return credentials(request)[0]


def csrf_token_for(session_token: str) -> str:
    """The CSRF token of a session: derived from its secret, so only someone
    who holds the session (and can read our pages) knows it."""
    digest = hmac.new(
        session_token.encode("utf-8"), b"extranet csrf", hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def same_secret(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(
        given.encode("utf-8"), expected.encode("utf-8")
    )


def set_session_cookie(
    response, token: str, expires_at: datetime | None, secure: bool = True
) -> None:
    """Give the browser its session: HttpOnly, Secure, SameSite=Lax, whole site.

    ``expires_at`` is the session's absolute expiry (identity still enforces
    the idle one); a web login page calls this with login's answer.
    """
    response.set_cookie(
        SESSION_COOKIE,
        token,
        expires=expires_at,
        path="/",
        secure=secure,
        httponly=True,
        samesite="Lax",
    )


def clear_session_cookie(response, secure: bool = True) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="Lax"
    )


def parse_proxies(value) -> frozenset[str]:
    if isinstance(value, list | tuple | set | frozenset):
        items = value
    else:
        items = str(value or "").split(",")
    return frozenset(item.strip() for item in items if str(item).strip())


def client_address(request, trusted_proxies: frozenset[str]) -> str | None:
    """The address a request comes from, believing only trusted proxies."""
    peer = request.remote_addr
    if peer not in trusted_proxies:
        return peer
    hops = [
        hop.strip()
        for header in request.headers.getlist("X-Forwarded-For")
        for hop in header.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        if hop not in trusted_proxies:
            return hop
    return peer


def _key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
