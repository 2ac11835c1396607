"""Tables of the planning service."""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from extranet_common.messaging import Messaging
from extranet_common.types import UtcDateTime


class Base(DeclarativeBase):
    pass


MESSAGING = Messaging(Base.metadata)

SCHEDULED = "scheduled"
CANCELLED = "cancelled"

AVAILABLE = "available"
UNAVAILABLE = "unavailable"


class Agency(Base):
    """A local copy of identity's agency: what planning needs of it."""

    __tablename__ = "agencies"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))


class Family(Base):
    """A family whose home shifts take place in."""

    __tablename__ = "families"
    __table_args__ = (
        UniqueConstraint("agency_id", "ref", name="uq_families_agency_ref"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    ref: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text)
    children: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Shift(Base):
    """A caregiver's intervention at a family's home.

    ``local_date`` is the day the shift starts in the agency's time zone: the
    day, and month, the shift belongs to.
    """

    __tablename__ = "shifts"
    __table_args__ = (
        UniqueConstraint("agency_id", "external_id", name="uq_shifts_agency_external"),
        Index("ix_shifts_caregiver_start", "caregiver_id", "start_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    external_id: Mapped[str] = mapped_column(String(100))
    caregiver_id: Mapped[str] = mapped_column(String(36))
    family_id: Mapped[str] = mapped_column(ForeignKey("families.id"), index=True)
    start_at: Mapped[datetime] = mapped_column(UtcDateTime())
    end_at: Mapped[datetime] = mapped_column(UtcDateTime())
    local_date: Mapped[date] = mapped_column(Date)
    activity: Mapped[str] = mapped_column(String(200))
    car_transport: Mapped[bool] = mapped_column(Boolean)
    notes: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sequence: Mapped[int] = mapped_column(Integer, server_default="0", default=0)

    family: Mapped[Family] = relationship()


class WeeklySlot(Base):
    """A weekly recurring time when a caregiver is available.

    Kept in local terms (weekday, minutes since local midnight, 0 to 1440)
    so that Monday 16:00 stays 16:00 on both sides of a summer-time change.
    """

    __tablename__ = "weekly_slots"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(36))
    caregiver_id: Mapped[str] = mapped_column(String(36), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)


class DatedAvailability(Base):
    """A one-off availability or unavailability of a caregiver.

    ``whole_days`` says that it was given as local dates: its instants are
    then the local midnights around those days.
    """

    __tablename__ = "dated_availabilities"
    __table_args__ = (
        Index("ix_dated_availabilities_caregiver_start", "caregiver_id", "start_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(36))
    caregiver_id: Mapped[str] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(20))
    start_at: Mapped[datetime] = mapped_column(UtcDateTime())
    end_at: Mapped[datetime] = mapped_column(UtcDateTime())
    whole_days: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text)


class CalendarFeed(Base):
    """The secret address of a caregiver's calendar feed, stored hashed."""

    __tablename__ = "calendar_feeds"

    caregiver_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(36))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PlanningVisit(Base):
    """When a caregiver last opened her planning, to mark what changed since."""

    __tablename__ = "planning_visits"

    caregiver_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
