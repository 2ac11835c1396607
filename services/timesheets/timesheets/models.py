"""Tables of the timesheets service: entries to validate and their history."""

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

DECIDED = (ACCEPTED, REFUSED)


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
