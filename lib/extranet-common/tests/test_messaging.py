"""Outbox, idempotent consumption and parking, on SQLite and PostgreSQL."""

import json

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from extranet_common.db import consume_event, engine_url, tune_engine
from extranet_common.messaging import Messaging

METADATA = sa.MetaData()
MESSAGING = Messaging(METADATA)
COUNTER = sa.Table(
    "counter",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("hits", sa.Integer, nullable=False),
)


class Wrapper:
    """What nameko-sqlalchemy's dependency hands a worker: get_session()."""

    def __init__(self, factory):
        self.factory = factory

    def get_session(self):
        return _Committing(self.factory())


class _Committing:
    def __init__(self, session):
        self.session = session

    def __enter__(self):
        return self.session

    def __exit__(self, exc_type, *_):
        if exc_type:
            self.session.rollback()
        else:
            self.session.commit()
        self.session.close()


@pytest.fixture
def db(database_url):
    engine = sa.create_engine(database_url)
    tune_engine(engine)
    METADATA.create_all(engine)
    with engine.begin() as connection:
        connection.execute(sa.insert(COUNTER).values(id=1, hits=0))
    yield Wrapper(sessionmaker(bind=engine))
    engine.dispose()


def hits(db) -> int:
    with db.get_session() as session:
        return session.execute(sa.select(COUNTER.c.hits)).scalar_one()


def add_hit(session, data, payload):
    session.execute(sa.update(COUNTER).values(hits=COUNTER.c.hits + data["n"]))


def test_recorded_events_wait_in_the_outbox_until_marked(db):
    with db.get_session() as session:
        envelope = MESSAGING.record(session, "shift_scheduled", "agency-1", {"n": 1})

    with db.get_session() as session:
        pending = MESSAGING.pending(session)
        MESSAGING.mark_published(session, [row.id for row in pending])
    with db.get_session() as session:
        left = MESSAGING.pending(session)

    assert [json.loads(row.payload) for row in pending] == [envelope]
    assert envelope["agency_id"] == "agency-1"
    assert left == []


def test_an_event_delivered_twice_takes_effect_once(db):
    payload = {"event_id": "e-1", "data": {"n": 5}}

    consume_event(db, MESSAGING, payload, "tests.add_hit", add_hit)
    consume_event(db, MESSAGING, payload, "tests.add_hit", add_hit)

    assert hits(db) == 5


def test_a_failing_handler_is_retried_then_parked(db):
    calls = []

    def broken(session, data, payload):
        calls.append(1)
        add_hit(session, data, payload)
        raise RuntimeError("cannot apply")

    consume_event(db, MESSAGING, {"event_id": "e-2", "data": {"n": 1}}, "t.b", broken)

    with db.get_session() as session:
        parked = session.execute(sa.select(MESSAGING.parked)).all()
    assert len(calls) == 3
    assert hits(db) == 0
    assert [(row.event_id, row.consumer) for row in parked] == [("e-2", "t.b")]
    assert "cannot apply" in parked[0].error


@pytest.mark.parametrize(
    "given, expected",
    [
        ("postgresql://u@h/db", "postgresql+psycopg2://u@h/db"),
        ("postgres://u@h/db", "postgresql+psycopg2://u@h/db"),
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg2://u@h/db"),
        ("sqlite:///x.sqlite", "sqlite:///x.sqlite"),
    ],
)
def test_postgresql_urls_use_the_green_driver(given, expected):
    assert engine_url(given) == expected
