"""Who is calling: bearer token or session cookie, checked without an RPC
in the common case.

The gateway keeps each answer of identity's ``authenticate`` for
``AUTH_CACHE_SECONDS`` (default 5) per token hash. A logout through this
gateway drops its entry at once; a session revoked elsewhere (logout on
another gateway, a password reset) stops working here when the entry ages
out, so within those few seconds everywhere.
"""

import hashlib
import time

from nameko.extensions import DependencyProvider

SESSION_COOKIE = "extranet_session"


class Authenticator(DependencyProvider):
    def setup(self):
        self.ttl = float(self.container.config.get("AUTH_CACHE_SECONDS", 5))
        self.cache: dict[str, tuple[float, dict]] = {}

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

    def _prune(self, moment: float) -> None:
        for key in [k for k, (until, _) in self.cache.items() if until <= moment]:
            del self.cache[key]


def token_of(request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(SESSION_COOKIE)


def _key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
