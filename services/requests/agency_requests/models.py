"""Tables of the requests service: a request and the messages of its thread,
and the local copy of agencies (for their time zone)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from extranet_common.messaging import Messaging
from extranet_common.types import UtcDateTime


class Base(DeclarativeBase):
    pass


MESSAGING = Messaging(Base.metadata)

UNPLANNED_INTERVENTION = "unplanned_intervention"
PLANNING_CHANGE = "planning_change"
PAY = "pay"
OTHER = "other"
CATEGORIES = (UNPLANNED_INTERVENTION, PLANNING_CHANGE, PAY, OTHER)

OPEN = "open"
ANSWERED = "answered"
CLOSED = "closed"
STATUSES = (OPEN, ANSWERED, CLOSED)

CAREGIVER = "caregiver"
STAFF = "staff"
AUTHOR_ROLES = (CAREGIVER, STAFF)


class Request(Base):
    """What a caregiver asks her agency; ``details`` holds the category's
    fields as JSON text."""

    __tablename__ = "requests"
    __table_args__ = (
        Index("ix_requests_caregiver_created", "caregiver_id", "created_at"),
        Index("ix_requests_agency_created", "agency_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(36))
    caregiver_id: Mapped[str] = mapped_column(String(36))
    category: Mapped[str] = mapped_column(String(30))
    subject: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    details: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    approved_shift_external_id: Mapped[str | None] = mapped_column(String(100))
    approval: Mapped[str | None] = mapped_column(Text)


class Message(Base):
    """One message of a request's thread; ``position`` orders the thread."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("request_id", "position"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    request_id: Mapped[str] = mapped_column(ForeignKey("requests.id"))
    position: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[str] = mapped_column(String(36))
    author_role: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Agency(Base):
    """What requests knows of an agency: fed by identity's ``agency_created``,
    or asked of identity the first time an approval needs it."""

    __tablename__ = "agencies"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
