"""The gateway nameko service: every HTTP request enters here."""

import json
import logging
from urllib.parse import quote

from nameko.dependency_providers import Config
from nameko.web.handlers import http
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.utils import redirect

import extranet_gateway.api  # noqa: F401  (registers the API views)
from extranet_common.rpc import TimedRpcProxy
from extranet_gateway import pages
from extranet_gateway.auth import Authenticator
from extranet_gateway.errors import HttpError
from extranet_gateway.routing import dispatch, json_error

_log = logging.getLogger(__name__)

API_METHODS = "GET,HEAD,POST,PUT,DELETE,PATCH,OPTIONS"


class GatewayService:
    name = "gateway"

    config = Config()
    authenticator = Authenticator()
    identity_rpc = TimedRpcProxy("identity")
    planning_rpc = TimedRpcProxy("planning")
    timesheets_rpc = TimedRpcProxy("timesheets")
    requests_rpc = TimedRpcProxy("requests")
    notifications_rpc = TimedRpcProxy("notifications")

    @property
    def body_limit(self) -> int:
        return int(self.config.get("MAX_BODY_BYTES", 2_000_000))

    @http(API_METHODS, "/api/<path:path>")
    def api(self, request, path):
        limit = self.body_limit
        if (request.content_length or 0) > limit:
            return json_error(
                HttpError(
                    413, "TOO_LARGE", f"Corps de requête limité à {limit} octets."
                )
            )
        return self._for_a_browser(request, dispatch(self, request))

    @http(API_METHODS, "/")
    def root(self, request):
        return self._page(request)

    @http(API_METHODS, "/<path:path>")
    def page(self, request, path):
        return self._page(request)

    def _page(self, request):
        """A page of pages.py, else a route of the table served outside /api."""
        try:
            return pages.page(self, request, self.body_limit)
        except NotFound:
            answer = dispatch(self, request)
        except HTTPException as exc:
            return exc.get_response()
        return self._for_a_browser(request, answer)

    def _for_a_browser(self, request, answer):
        """A JSON refusal answered to a browser that followed a link (a
        document, the payroll CSV, the print view) becomes a page: the login
        page for a 401, else the refusal's message."""
        if (
            answer.status_code < 400
            or request.method != "GET"
            or answer.mimetype != "application/json"
            or not _wants_a_page(request)
        ):
            return answer
        if answer.status_code == 401:
            target = quote(request.full_path.rstrip("?"))
            return redirect(f"/connexion?suite={target}", 303)
        try:
            error = json.loads(answer.get_data())["error"]
            message, fields = error["message"], error.get("fields")
        except (ValueError, KeyError, TypeError):
            return answer
        if not isinstance(fields, dict):
            fields = None
        return pages.failure(self, request, answer.status_code, message, fields)


def _wants_a_page(request) -> bool:
    """A browser asking for a page or following a link (a download link too:
    browsers say ``Sec-Fetch-Mode: navigate``), not an app or a calendar
    asking for data (they accept anything, or JSON first)."""
    if request.headers.get("Sec-Fetch-Mode") == "navigate":
        return True
    wanted = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return wanted == "text/html"
