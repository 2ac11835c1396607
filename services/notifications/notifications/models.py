"""Tables of the notifications service.

``agencies`` and ``recipients`` are local copies fed by identity's events;
``sent_emails`` remembers the emails that events asked for, so that an event
handled twice sends one email; ``news`` and ``news_reads`` hold the posts and
who has read them.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
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


class SentEmail(Base):
    """An email that an event asked for, and how its delivery went.

    Only emails triggered by events are kept here; they carry no secret link
    (secrets reach this service by direct call and are never stored).
    """

    __tablename__ = "sent_emails"
    __table_args__ = (UniqueConstraint("event_id", "template"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36))
    template: Mapped[str] = mapped_column(String(64))
    recipient_id: Mapped[str | None] = mapped_column(String(36))
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
