"""The database dependency of a service, with its outbox relay.

``ServiceDatabase`` is nameko-sqlalchemy's ``Database`` plus three things
every service needs: SQLite tuned for several workers (WAL, a busy timeout,
foreign keys), a green PostgreSQL driver so a query does not block the
eventlet hub, and a relay that publishes committed outbox rows to RabbitMQ
right after each commit that wrote one, and every few seconds in case a
process died between commit and publish.
"""

import json
import logging

import eventlet
from eventlet.event import Event
from nameko.amqp.publish import Publisher
from nameko.constants import AMQP_URI_CONFIG_KEY
from nameko.standalone.events import get_event_exchange
from nameko_sqlalchemy import Database
from nameko_sqlalchemy.database import Session as WorkerSession
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from extranet_common.messaging import OUTBOX_FLAG, Messaging

_log = logging.getLogger(__name__)

RELAY_INTERVAL_CONFIG_KEY = "OUTBOX_RELAY_INTERVAL"


def tune_engine(engine: Engine) -> None:
    """Apply the per-connection settings a service engine needs."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def engine_url(url: str) -> str:
    """Name psycopg2 as the PostgreSQL driver when a URL names none.

    SQLAlchemy 2.1 picks psycopg 3 for a bare ``postgresql://`` URL; the
    services use psycopg2, which psycogreen makes cooperative.
    """
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg2://" + url.split("://", 1)[1]
    return url


def make_green(url: str) -> None:
    """Let psycopg2 yield to eventlet while it waits on PostgreSQL."""
    if url.startswith("postgresql"):
        from psycogreen.eventlet import patch_psycopg

        patch_psycopg()


class ServiceDatabase(Database):
    """A nameko-sqlalchemy Database that relays the service's outbox."""

    def __init__(self, declarative_base, messaging: Messaging, **options):
        super().__init__(declarative_base, **options)
        self.messaging = messaging

    def setup(self):
        uri_key = f"{self.container.service_name}:{self.declarative_base.__name__}"
        self.db_uri = engine_url(self.container.config["DB_URIS"][uri_key])
        make_green(self.db_uri)
        self.engine = create_engine(self.db_uri, **self.engine_options)
        self.Session = sessionmaker(
            bind=self.engine, class_=WorkerSession, **self.session_options
        )
        tune_engine(self.engine)

        self._wake = Event()
        self._interval = float(self.container.config.get(RELAY_INTERVAL_CONFIG_KEY, 2))
        self._publisher = Publisher(self.container.config[AMQP_URI_CONFIG_KEY])
        self._exchange = get_event_exchange(
            self.container.service_name, self.container.config
        )

        @event.listens_for(self.Session, "after_commit")
        def _outbox_committed(session):
            if session.info.pop(OUTBOX_FLAG, False):
                self._signal()

    def start(self):
        self._running = True
        self.container.spawn_managed_thread(self._relay_forever)

    def stop(self):
        self._halt()
        super().stop()

    def kill(self):
        self._halt()
        if hasattr(self, "engine"):
            super().kill()

    def _halt(self):
        self._running = False
        self._signal()

    def _signal(self):
        if not self._wake.ready():
            self._wake.send(True)

    def _relay_forever(self):
        while self._running:
            with eventlet.Timeout(self._interval, False):
                self._wake.wait()
            self._wake = Event()
            if not self._running:
                return
            try:
                while self.relay() > 0:
                    pass
            except Exception:
                _log.exception("outbox relay failed; will retry")

    def relay(self) -> int:
        """Publish what the outbox holds; returns how many events left."""
        with self.Session(close_on_exit=True) as session:
            rows = self.messaging.pending(session)
        if not rows:
            return 0

        for row in rows:
            self._publisher.publish(
                json.loads(row.payload),
                exchange=self._exchange,
                routing_key=row.event_type,
                declare=[self._exchange],
            )

        with self.Session(close_on_exit=True) as session:
            self.messaging.mark_published(session, [row.id for row in rows])
        _log.debug("relayed %d events", len(rows))
        return len(rows)


def consume_event(db, messaging: Messaging, payload: dict, consumer: str, apply):
    """Apply an event once, in one transaction with the memory of it.

    ``apply(session, data, payload)`` holds the handler's effect. A failure is
    retried twice; after that the event is parked in ``parked_events`` with
    the error, logged with its traceback, and acknowledged so that it does
    not block the queue.
    """
    attempts = 3
    for attempt in range(1, attempts + 1):
        try:
            with db.get_session() as session:
                if messaging.first_delivery(session, payload, consumer):
                    apply(session, payload.get("data", {}), payload)
            return
        except Exception as exc:
            if attempt < attempts:
                _log.warning("%s failed on attempt %d: %s", consumer, attempt, exc)
                eventlet.sleep(0.2 * attempt)
                continue
            _log.exception("%s parks event %s", consumer, payload.get("event_id"))
            with db.get_session() as session:
                messaging.park(session, payload, consumer, repr(exc))
