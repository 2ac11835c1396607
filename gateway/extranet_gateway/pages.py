"""The pages behind the links of the account emails.

A GET (or HEAD) on a link only shows a page with a button: mail scanners
that follow links therefore never use a token up. Only the form's POST does.
"""

from jinja2 import Environment, PackageLoader, select_autoescape
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from extranet_common.errors import ServiceError
from extranet_gateway.errors import to_http

TEMPLATES = Environment(
    loader=PackageLoader("extranet_gateway", "templates"),
    autoescape=select_autoescape(["html"]),
)

PAGES = Map(
    [
        Rule("/", endpoint="home", methods=["GET"]),
        Rule("/premiere-connexion", endpoint="first_connection", methods=["GET"]),
        Rule("/confirmation", endpoint="confirmation", methods=["GET", "POST"]),
        Rule("/mot-de-passe/nouveau", endpoint="new_password", methods=["GET", "POST"]),
    ]
)


def page(service, request: Request) -> Response:
    adapter = PAGES.bind_to_environ(request.environ)
    endpoint, _ = adapter.match()
    return VIEWS[endpoint](service, request)


def render(name: str, status: int = 200, **context) -> Response:
    html = TEMPLATES.get_template(name).render(**context)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def home(service, request: Request) -> Response:
    return render("home.html")


def first_connection(service, request: Request) -> Response:
    return render("first_connection.html")


def confirmation(service, request: Request) -> Response:
    token = request.values.get("token", "")
    if request.method != "POST":
        return render("confirmation.html", token=token, done=False)
    try:
        service.identity_rpc.confirm(token)
    except ServiceError as exc:
        error = to_http(exc)
        return render("confirmation.html", error.status, token="", error=error.message)
    return render("confirmation.html", token="", done=True)


def new_password(service, request: Request) -> Response:
    token = request.values.get("token", "")
    if request.method != "POST":
        return render("new_password.html", token=token, done=False)
    try:
        service.identity_rpc.reset_password(token, request.form.get("password", ""))
    except ServiceError as exc:
        error = to_http(exc)
        return render(
            "new_password.html", error.status, token=token, error=error.message
        )
    return render("new_password.html", token="", done=True)


VIEWS = {
    "home": home,
    "first_connection": first_connection,
    "confirmation": confirmation,
    "new_password": new_password,
}
