"""Transactional outbox and idempotent consumption.

A service never publishes an event directly. It writes the event into its
``outbox_events`` table in the same transaction as the change the event
describes; the relay (see :mod:`extranet_common.db`) publishes committed rows
to RabbitMQ afterwards and marks them. Publishing is therefore at least once,
so every consumer records the ``event_id`` it handled in the same transaction
as its effect and skips an event it has already seen.

Event envelope: ``event_id``, ``event_type``, ``occurred_at``, ``agency_id``,
``version`` and ``data``.
"""

import json
import logging
import uuid

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Session

from extranet_common import clock
from extranet_common.types import UtcDateTime

_log = logging.getLogger(__name__)

OUTBOX_FLAG = "outbox_written"


class Messaging:
    """The outbox, processed-events and parked-events tables of one service."""

    def __init__(self, metadata: MetaData):
        self.outbox = Table(
            "outbox_events",
            metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("event_id", String(36), nullable=False, unique=True),
            Column("event_type", String(64), nullable=False),
            Column("payload", Text, nullable=False),
            Column("created_at", UtcDateTime(), nullable=False),
            Column("published_at", UtcDateTime(), index=True),
        )
        self.processed = Table(
            "processed_events",
            metadata,
            Column("event_id", String(36), primary_key=True),
            Column("consumer", String(100), primary_key=True),
            Column("processed_at", UtcDateTime(), nullable=False),
        )
        self.parked = Table(
            "parked_events",
            metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("event_id", String(36), nullable=False),
            Column("consumer", String(100), nullable=False),
            Column("payload", Text, nullable=False),
            Column("error", Text, nullable=False),
            Column("parked_at", UtcDateTime(), nullable=False),
        )

    def record(
        self,
        session: Session,
        event_type: str,
        agency_id: str | None,
        data: dict,
        version: int = 1,
    ) -> dict:
        """Write an event to the outbox within the caller's transaction."""
        occurred_at = clock.now()
        envelope = {
            "event_id": str(uuid.uuid4()),
            "event_type": event_type,
            "occurred_at": occurred_at.isoformat(),
            "agency_id": agency_id,
            "version": version,
            "data": data,
        }
        session.execute(
            insert(self.outbox).values(
                event_id=envelope["event_id"],
                event_type=event_type,
                payload=json.dumps(envelope),
                created_at=occurred_at,
            )
        )
        session.info[OUTBOX_FLAG] = True
        return envelope

    def first_delivery(self, session: Session, payload: dict, consumer: str) -> bool:
        """Remember that ``consumer`` handled this event; False if it already had.

        Call it inside the transaction that applies the event's effect, so
        that the effect and the memory of it commit together.
        """
        event_id = payload["event_id"]
        seen = session.execute(
            select(self.processed.c.event_id).where(
                self.processed.c.event_id == event_id,
                self.processed.c.consumer == consumer,
            )
        ).first()
        if seen:
            _log.info("%s already handled event %s", consumer, event_id)
            return False

        session.execute(
            insert(self.processed).values(
                event_id=event_id, consumer=consumer, processed_at=clock.now()
            )
        )
        return True

    def park(self, session: Session, payload: dict, consumer: str, error: str):
        """Keep an event that its handler could not apply, for an operator."""
        session.execute(
            insert(self.parked).values(
                event_id=str(payload.get("event_id", "")),
                consumer=consumer,
                payload=json.dumps(payload),
                error=error,
                parked_at=clock.now(),
            )
        )

    def pending(self, session: Session, limit: int = 200) -> list:
        return session.execute(
            select(self.outbox.c.id, self.outbox.c.event_type, self.outbox.c.payload)
            .where(self.outbox.c.published_at.is_(None))
            .order_by(self.outbox.c.id)
            .limit(limit)
        ).all()

    def mark_published(self, session: Session, ids: list[int]) -> None:
        session.execute(
            update(self.outbox)
            .where(self.outbox.c.id.in_(ids))
            .values(published_at=clock.now())
        )
