"""Tables of the timesheets service: entries to validate and their history,
the local copy of agencies and caregivers, and the marks of the jobs that
must run once (closed months, reminders sent)."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from extranet_common.messaging import Messaging
from extranet_common.types import UtcDateTime


class Base(DeclarativeBase):
    pass


MESSAGING = Messaging(Base.metadata)

PENDING = "pending"
ACCEPTED = "accepted"
REFUSED = "refused"
CANCELLED = "cancelled"
SETTLED = "settled"
NOT_VALIDATED = "not_validated"

DECIDED = (ACCEPTED, REFUSED, SETTLED)


class Entry(Base):
    """One intervention of a caregiver's month, copied from planning's shift.

    ``month`` and ``local_date`` are those of the start in ``timezone``: a
    night shift belongs to the day, and the month, on which it starts.
    """

    __tablename__ = "entries"
    __table_args__ = (
        Index("ix_entries_caregiver_month", "caregiver_id", "month"),
        Index("ix_entries_agency_month", "agency_id", "month"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_id: Mapped[str | None] = mapped_column(String(36))
    caregiver_id: Mapped[str] = mapped_column(String(36))
    shift_id: Mapped[str] = mapped_column(String(36), unique=True)
    month: Mapped[str] = mapped_column(String(7))
    local_date: Mapped[date] = mapped_column(Date())
    start_at: Mapped[datetime] = mapped_column(UtcDateTime())
    end_at: Mapped[datetime] = mapped_column(UtcDateTime())
    timezone: Mapped[str] = mapped_column(String(64))
    planned_minutes: Mapped[int] = mapped_column(Integer())
    family_name: Mapped[str] = mapped_column(String(200))
    activity: Mapped[str | None] = mapped_column(String(200))
    car_transport: Mapped[bool] = mapped_column(Boolean())
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(40))
    comment: Mapped[str | None] = mapped_column(Text())
    declared_minutes: Mapped[int | None] = mapped_column(Integer())
    km: Mapped[Decimal | None] = mapped_column(Numeric(7, 1))
    change_note: Mapped[str | None] = mapped_column(Text())
    counted_override: Mapped[int | None] = mapped_column(Integer())
    staff_comment: Mapped[str | None] = mapped_column(Text())
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EntryHistory(Base):
    """Who changed an entry, when, and its state before and after (JSON).

    ``entry_id`` is deliberately not a foreign key: the history of an entry
    removed by a cancelled shift outlives the entry.
    """

    __tablename__ = "entry_history"

    id: Mapped[int] = mapped_column(Integer(), primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(String(36), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor_id: Mapped[str | None] = mapped_column(String(36))
    actor_role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(30))
    before: Mapped[str | None] = mapped_column(Text())
    after: Mapped[str | None] = mapped_column(Text())


class Agency(Base):
    """What timesheets needs of an agency: its zone and its grace period.

    Fed by identity's ``agency_created``; an agency first heard of through a
    shift event gets a row with the shift's zone and no name yet.
    """

    __tablename__ = "agencies"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    ref: Mapped[str | None] = mapped_column(String(40))
    name: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    grace_days: Mapped[int] = mapped_column(Integer(), default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Caregiver(Base):
    """A caregiver's name and email, from identity's ``caregiver_invited``."""

    __tablename__ = "caregivers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_id: Mapped[str | None] = mapped_column(String(36), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(320))
    ref: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ClosedMonth(Base):
    """One row per closed month of an agency: the primary key lets exactly one
    instance of the service close it."""

    __tablename__ = "closed_months"

    agency_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    closing_at: Mapped[datetime] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    entries: Mapped[int] = mapped_column(Integer())
    not_validated: Mapped[int] = mapped_column(Integer())


class ReminderSent(Base):
    """One row per caregiver and month reminded, written before the email
    leaves, so that the reminder goes out once."""

    __tablename__ = "reminders_sent"

    caregiver_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    agency_id: Mapped[str | None] = mapped_column(String(36))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
