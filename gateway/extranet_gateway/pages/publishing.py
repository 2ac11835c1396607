"""Publishing: the agency's news and documents pages, and the caregiver's
news pages (read, marked read).

News bodies are plain text: notifications escapes them and turns blank
lines into paragraphs (``news.render_body``), so its ``body_html`` is safe
to print as is. A caregiver's item becomes read when she opens it; there is
no "mark all as read" because notifications has no call for it (one RPC per
item would be the only way).

Documents are published through the same form reader as the JSON API
(``api.documents.read_document_form``); staff see what they published but
cannot download it (notifications serves a file to its caregiver only).
"""

from math import ceil

from werkzeug.wrappers import Response

from extranet_common.errors import NotFound, ServiceError
from extranet_gateway.api.documents import (
    document_max_bytes,
    publish_document_form,
    read_document_form,
)
from extranet_gateway.errors import HttpError
from extranet_gateway.pages.core import (
    TEMPLATES,
    Visit,
    check_csrf,
    month_title,
    problem,
    see,
    view,
)
from extranet_gateway.schemas import LAST_PAGE

DOCUMENT_TYPES = {
    "payslip": "Bulletin de paie",
    "contract": "Contrat de travail",
    "certificate": "Attestation",
    "other": "Autre document",
}
"""notifications' document types (``documents.TYPES``), in French."""

NEWS_TITLE_MAX = 200
NEWS_BODY_MAX = 20_000
"""notifications' limits (``news.TITLE_MAX``, ``news.BODY_MAX``), shown on
the form; the service checks them."""

NEWS_PER_PAGE = 10
AGENCY_NEWS_PER_PAGE = 20


def document_type(code) -> str:
    return DOCUMENT_TYPES.get(code, code or "")


def document_period(period) -> str:
    """The month's French name and year (octobre 2026 for 2026-10)."""
    return month_title(period) if period else ""


TEMPLATES.filters.update(document_type=document_type, period=document_period)


@view("/agence/actualites", ["GET", "POST"], role="staff")
def staff_news(visit: Visit) -> Response:
    if visit.request.method != "POST":
        return _staff_news_page(visit)
    check_csrf(visit.request)
    form = visit.request.form
    typed = {"title": form.get("title", ""), "body": form.get("body", "")}
    try:
        visit.service.notifications_rpc.publish_news(
            visit.actor, typed["title"], typed["body"], "agency"
        )
    except ServiceError as exc:
        error = problem(exc)
        return _staff_news_page(
            visit, error.status, typed=typed, error=error.message, fields=error.fields
        )
    return see("/agence/actualites?publiee=1")


@view("/agence/actualites/<news_id>/retrait", ["POST"], role="staff")
def staff_news_withdraw(visit: Visit, news_id: str) -> Response:
    check_csrf(visit.request)
    try:
        visit.service.notifications_rpc.withdraw_news(visit.actor, news_id)
    except NotFound:
        return _staff_news_page(
            visit,
            404,
            error="Cette actualité n'est plus publiée (déjà retirée ?).",
        )
    except ServiceError as exc:
        error = problem(exc)
        return _staff_news_page(visit, error.status, error=error.message)
    return see("/agence/actualites?retiree=1")


def _staff_news_page(visit: Visit, status: int = 200, **context) -> Response:
    number = _page_number(visit.request.args.get("page"))
    news = visit.service.notifications_rpc.list_news(
        visit.actor, number, AGENCY_NEWS_PER_PAGE
    )
    context.setdefault("typed", {})
    context.setdefault("fields", {})
    return visit.render(
        "agency_news.html",
        status,
        news=news,
        page=number,
        pages=_page_count(news),
        published=visit.request.args.get("publiee"),
        withdrawn=visit.request.args.get("retiree"),
        title_max=NEWS_TITLE_MAX,
        body_max=NEWS_BODY_MAX,
        body_max_text=f"{NEWS_BODY_MAX:,}".replace(",", "\u202f"),
        **context,
    )


@view("/agence/documents", ["GET", "POST"], role="staff")
def staff_documents(visit: Visit) -> Response:
    if visit.request.method != "POST":
        return _staff_documents_page(visit)
    check_csrf(visit.request)
    form = visit.request.form
    typed = {
        name: form.get(name, "").strip()
        for name in ("type", "period", "caregiver_id", "all")
    }
    try:
        document = read_document_form(visit.request, document_max_bytes(visit.service))
        if document.all_caregivers:
            # The radio says "all": the select beside "one caregiver" is moot.
            document.caregiver_id = None
        published = publish_document_form(
            visit.service.notifications_rpc, visit.actor, document
        )
    except (ServiceError, HttpError) as exc:
        error = problem(exc)
        return _staff_documents_page(
            visit,
            error.status,
            typed=typed,
            error=f"{error.message} Choisissez à nouveau le fichier : un "
            "navigateur ne le garde pas.",
            fields=error.fields,
        )
    return see(f"/agence/documents?publie={published['id']}")


def _staff_documents_page(visit: Visit, status: int = 200, **context) -> Response:
    notifications = visit.service.notifications_rpc
    caregivers = visit.service.identity_rpc.agency_caregivers(visit.actor)
    items = notifications.list_documents(visit.actor)
    names = {c["id"]: f"{c['first_name']} {c['last_name']}" for c in caregivers}
    just = visit.request.args.get("publie")
    context.setdefault("typed", {})
    context.setdefault("fields", {})
    return visit.render(
        "agency_documents.html",
        status,
        items=items,
        caregivers=caregivers,
        names=names,
        types=DOCUMENT_TYPES,
        published=next((d for d in items if d["id"] == just), None),
        max_mb=document_max_bytes(visit.service) // (1024 * 1024),
        **context,
    )


@view("/actualites", role="caregiver")
def news_list(visit: Visit) -> Response:
    number = _page_number(visit.request.args.get("page"))
    news = visit.service.notifications_rpc.list_news(visit.actor, number, NEWS_PER_PAGE)
    return visit.render(
        "news.html",
        news=news,
        page=number,
        pages=_page_count(news),
        all_read=visit.request.args.get("lu"),
    )


@view("/actualites/tout-lu", ["POST"], role="caregiver")
def news_all_read(visit: Visit) -> Response:
    check_csrf(visit.request)
    visit.service.notifications_rpc.mark_all_news_read(visit.actor)
    return see("/actualites?lu=1")


@view("/actualites/<news_id>", role="caregiver")
def news_item(visit: Visit, news_id: str) -> Response:
    notifications = visit.service.notifications_rpc
    item = notifications.get_news(visit.actor, news_id)
    if not item["read"]:
        notifications.mark_news_read(visit.actor, item["id"])
    return visit.render("news_item.html", item=item)


def _page_number(text) -> int:
    """The page asked for in the address; anything odd is the first."""
    wanted = text if text and text.isascii() and text.isdigit() else "1"
    number = int(wanted) if len(wanted) <= 6 else LAST_PAGE
    return min(max(number, 1), LAST_PAGE)


def _page_count(news: dict) -> int:
    return max(1, ceil(news["total"] / news["per_page"]))
