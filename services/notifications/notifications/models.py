"""Tables of the notifications service.

``agencies`` and ``recipients`` are local copies fed by identity's events;
``sent_emails`` remembers the emails that events asked for, so that an event
handled twice sends one email; ``news`` and ``news_reads`` hold the posts and
who has read them; ``documents`` describes the PDF files kept on disk;
``email_preferences`` holds the optional emails a caregiver turned off.
"""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from extranet_common.messaging import Messaging
from extranet_common.types import UtcDateTime


class Base(DeclarativeBase):
    pass


MESSAGING = Messaging(Base.metadata)

AGENCY_SCOPE = "agency"
NETWORK_SCOPE = "network"

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"


class Agency(Base):
    """What this service knows of an agency (from ``agency_created``)."""

    __tablename__ = "agencies"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ref: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Recipient(Base):
    """A caregiver to whom emails can go (from ``caregiver_invited``)."""

    __tablename__ = "recipients"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_id: Mapped[str | None] = mapped_column(String(36), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(320))
    ref: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class SentEmail(Base):
    """An email that an event asked for, and how its delivery went.

    Only emails triggered by events are kept here; they carry no secret link
    (secrets reach this service by direct call and are never stored).
    """

    __tablename__ = "sent_emails"
    __table_args__ = (
        UniqueConstraint(
            "event_id",
            "template",
            "recipient_id",
            name="uq_sent_emails_event_template_recipient",
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    template: Mapped[str] = mapped_column(String(64))
    recipient_id: Mapped[str] = mapped_column(String(36))
    to_address: Mapped[str] = mapped_column(String(320))
    context: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class News(Base):
    """A post of an agency (``agency_id`` set) or of the network (None)."""

    __tablename__ = "news"
    __table_args__ = (Index("ix_news_agency_published", "agency_id", "published_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    scope: Mapped[str] = mapped_column(String(20))
    agency_id: Mapped[str | None] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[str] = mapped_column(String(36))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class NewsRead(Base):
    """A caregiver has read a post; one row per (post, reader)."""

    __tablename__ = "news_reads"

    news_id: Mapped[str] = mapped_column(ForeignKey("news.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
    read_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Document(Base):
    """A PDF published to one caregiver (``caregiver_id``) or to every
    caregiver of the agency (``caregiver_id`` None). The file lives under
    ``DOCUMENTS_DIR`` as ``stored_name``; ``sha256`` guards its content."""

    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_agency_published", "agency_id", "published_at"),
        Index("ix_documents_caregiver_published", "caregiver_id", "published_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(36))
    caregiver_id: Mapped[str | None] = mapped_column(String(36))
    type: Mapped[str] = mapped_column(String(20))
    period: Mapped[str | None] = mapped_column(String(7))
    filename: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_name: Mapped[str] = mapped_column(String(100))
    published_by: Mapped[str] = mapped_column(String(36))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EmailPreference(Base):
    """The optional emails a caregiver wants; no row means all of them."""

    __tablename__ = "email_preferences"

    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email_planning_changes: Mapped[bool] = mapped_column(Boolean)
    email_news: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
