"""News (F6): posts by an agency for its caregivers, or by the network for all.

Staff (and an agency's back-office) publish for their own agency, and
withdraw their posts; the network's admin publishes for everyone. A
caregiver sees her agency's posts and the network's, newest first, each
with her read flag. Bodies are plain text: everything is escaped, blank
lines make paragraphs and single line breaks stay line breaks.
"""

import logging
import re
import uuid

from markupsafe import Markup, escape
from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from extranet_common import clock
from extranet_common.errors import InvalidInput, NotFound, PermissionDenied
from notifications.models import (
    AGENCY_SCOPE,
    MESSAGING,
    NETWORK_SCOPE,
    News,
    NewsRead,
)

_log = logging.getLogger(__name__)

CAREGIVER = "caregiver"
STAFF = "staff"
BACKOFFICE = "backoffice"
ADMIN = "admin"
ROLES = {CAREGIVER, STAFF, BACKOFFICE, ADMIN}

TITLE_MAX = 200
BODY_MAX = 20_000
PER_PAGE_MAX = 100
PAGE_MAX = 10_000
"""Beyond it, (page - 1) * per_page would overflow the database's integers."""
NUL = "\x00"
HAS_NUL = "caractère nul interdit"

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def publish_news(
    session: Session, actor: dict, title: str, body: str, scope: str = AGENCY_SCOPE
) -> dict:
    """Publish a post now; records ``news_published``."""
    role = _role(actor)
    if scope not in (AGENCY_SCOPE, NETWORK_SCOPE):
        raise InvalidInput(
            "Portée inconnue : « agency » ou « network ».",
            {"scope": "agency ou network"},
        )
    if scope == NETWORK_SCOPE and role != ADMIN:
        raise PermissionDenied("Seul le réseau publie une actualité pour tous.")
    if scope == AGENCY_SCOPE and (role == CAREGIVER or not actor.get("agency_id")):
        raise PermissionDenied("Seule une agence publie ses actualités.")
    title, body = _checked(title, body)

    news = News(
        id=str(uuid.uuid4()),
        scope=scope,
        agency_id=actor["agency_id"] if scope == AGENCY_SCOPE else None,
        title=title,
        body=body,
        author_id=str(actor["id"]),
        published_at=clock.now(),
    )
    session.add(news)
    session.flush()
    MESSAGING.record(
        session,
        "news_published",
        news.agency_id,
        {"news_id": news.id, "scope": scope, "title": title},
    )
    _log.info("news %s published (%s)", news.id, scope)
    return news_view(news, read=False)


def withdraw_news(session: Session, actor: dict, news_id: str) -> None:
    """Take a post down: staff their agency's, the network admin any.

    Its read marks go with it; records ``news_withdrawn``. Emails already
    sent about it stay sent.
    """
    role = _role(actor)
    if role == CAREGIVER:
        raise PermissionDenied("Seule l'agence ou le réseau retire une actualité.")
    news = session.get(News, news_id) if _usable_id(news_id) else None
    mine = news is not None and (
        role == ADMIN
        or (news.scope == AGENCY_SCOPE and news.agency_id == actor.get("agency_id"))
    )
    if not mine:
        raise NotFound("Actualité introuvable.")

    session.execute(delete(NewsRead).where(NewsRead.news_id == news.id))
    session.delete(news)
    MESSAGING.record(
        session,
        "news_withdrawn",
        news.agency_id,
        {"news_id": news.id, "scope": news.scope},
    )
    _log.info("news %s withdrawn", news.id)


def list_news(session: Session, actor: dict, page: int = 1, per_page: int = 20) -> dict:
    """The posts ``actor`` can see, newest first, one page of them.

    A caregiver gets her read flags and her count of unread posts; for
    anyone else every post reads as unread and ``unread`` is 0.
    """
    role = _role(actor)
    page, per_page = _paging(page, per_page)
    visible = _visible_to(actor, role)

    total = session.scalar(select(func.count()).select_from(News).where(visible))
    rows = session.scalars(
        select(News)
        .where(visible)
        .order_by(News.published_at.desc(), News.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()

    read_ids: set[str] = set()
    unread = 0
    if role == CAREGIVER:
        read_ids = set(
            session.scalars(
                select(NewsRead.news_id).where(
                    NewsRead.user_id == str(actor["id"]),
                    NewsRead.news_id.in_([row.id for row in rows]),
                )
            )
        )
        unread = _unread_count(session, actor, visible)

    return {
        "items": [news_view(row, read=row.id in read_ids) for row in rows],
        "page": page,
        "per_page": per_page,
        "total": total,
        "unread": unread,
    }


def get_news(session: Session, actor: dict, news_id: str) -> dict:
    """One post, if ``actor`` can see it; NotFound otherwise."""
    role = _role(actor)
    news = _visible_news(session, actor, role, news_id)
    read = role == CAREGIVER and _has_read(session, actor, news.id)
    return news_view(news, read=read)


def mark_news_read(session: Session, actor: dict, news_id: str) -> dict:
    """Mark a post read for a caregiver; doing it again changes nothing."""
    role = _role(actor)
    if role != CAREGIVER:
        raise PermissionDenied("Seule une intervenante marque une actualité lue.")
    news = _visible_news(session, actor, role, news_id)

    values = {"news_id": news.id, "user_id": str(actor["id"]), "read_at": clock.now()}
    session.execute(_insert_or_skip(session, values))

    return {
        "id": news.id,
        "read": True,
        "unread": _unread_count(session, actor, _visible_to(actor, role)),
    }


def mark_all_news_read(session: Session, actor: dict) -> dict:
    """Mark every post she can see read, in one transaction; again, nothing."""
    role = _role(actor)
    if role != CAREGIVER:
        raise PermissionDenied("Seule une intervenante marque une actualité lue.")
    user_id = str(actor["id"])
    unread_ids = select(News.id).where(
        _visible_to(actor, role),
        ~select(NewsRead.news_id)
        .where(NewsRead.news_id == News.id, NewsRead.user_id == user_id)
        .exists(),
    )
    now = clock.now()
    marked = 0
    for news_id in session.scalars(unread_ids).all():
        values = {"news_id": news_id, "user_id": user_id, "read_at": now}
        marked += session.execute(_insert_or_skip(session, values)).rowcount or 0
    return {"marked": marked, "unread": 0}


def render_body(body: str) -> str:
    """Safe HTML for a plain-text body: escaped, paragraphs and line breaks."""
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = [part.strip("\n") for part in _PARAGRAPH_BREAK.split(text)]

    html = []
    for paragraph in paragraphs:
        if not paragraph.strip():
            continue
        lines = [escape(line.rstrip()) for line in paragraph.split("\n")]
        html.append(Markup("<p>%s</p>") % Markup("<br>\n").join(lines))
    return str(Markup("\n").join(html))


def news_view(news: News, read: bool) -> dict:
    return {
        "id": news.id,
        "title": news.title,
        "body": news.body,
        "body_html": render_body(news.body),
        "scope": news.scope,
        "published_at": news.published_at.isoformat(),
        "read": read,
    }


def _role(actor: dict) -> str:
    role = actor.get("role") if isinstance(actor, dict) else None
    if role not in ROLES or not actor.get("id"):
        raise PermissionDenied("Accès refusé.")
    return role


def _visible_to(actor: dict, role: str) -> ColumnElement[bool]:
    """Which posts ``actor`` sees: her agency's and the network's; admin all."""
    if role == ADMIN:
        return true()
    agency_id = actor.get("agency_id")
    if not agency_id:
        return News.agency_id.is_(None)
    return or_(News.agency_id == agency_id, News.agency_id.is_(None))


def _visible_news(session: Session, actor: dict, role: str, news_id: str) -> News:
    if not _usable_id(news_id):
        raise NotFound("Actualité introuvable.")
    news = session.scalars(
        select(News).where(News.id == news_id, _visible_to(actor, role))
    ).first()
    if news is None:
        raise NotFound("Actualité introuvable.")
    return news


def _has_read(session: Session, actor: dict, news_id: str) -> bool:
    return (
        session.get(NewsRead, {"news_id": news_id, "user_id": str(actor["id"])})
        is not None
    )


def _unread_count(session: Session, actor: dict, visible: ColumnElement[bool]) -> int:
    read = exists().where(
        and_(NewsRead.news_id == News.id, NewsRead.user_id == str(actor["id"]))
    )
    return session.scalar(select(func.count()).select_from(News).where(visible, ~read))


def _insert_or_skip(session: Session, values: dict):
    """An INSERT of a read mark that does nothing if the mark exists."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(NewsRead).values(**values).on_conflict_do_nothing()


def _checked(title: object, body: object) -> tuple[str, str]:
    fields = {}
    title = title.strip() if isinstance(title, str) else ""
    body = body.strip() if isinstance(body, str) else ""
    if not title:
        fields["title"] = "obligatoire"
    elif NUL in title:
        fields["title"] = HAS_NUL
    elif len(title) > TITLE_MAX:
        fields["title"] = f"{TITLE_MAX} caractères au plus"
    if not body:
        fields["body"] = "obligatoire"
    elif NUL in body:
        fields["body"] = HAS_NUL
    elif len(body) > BODY_MAX:
        fields["body"] = f"{BODY_MAX} caractères au plus"
    if fields:
        raise InvalidInput("L'actualité n'est pas complète.", fields)
    return title, body


def _usable_id(value: object) -> bool:
    """Whether ``value`` can be a news id: text without a NUL character,
    which PostgreSQL refuses even to compare."""
    return isinstance(value, str) and NUL not in value


def _paging(page: object, per_page: object) -> tuple[int, int]:
    fields = {}
    if not _is_int(page) or not 1 <= page <= PAGE_MAX:
        fields["page"] = f"entier de 1 à {PAGE_MAX}"
    if not _is_int(per_page) or not 1 <= per_page <= PER_PAGE_MAX:
        fields["per_page"] = f"entier de 1 à {PER_PAGE_MAX}"
    if fields:
        raise InvalidInput("Pagination invalide.", fields)
    return page, per_page


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
