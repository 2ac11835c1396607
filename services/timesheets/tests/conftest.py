"""Fixtures of the timesheets tests: a migrated database on each engine, and
factories for planning's shift events."""

import uuid
from datetime import datetime

import pytest
import sqlalchemy as sa
from nameko_sqlalchemy.database import Session as NamekoSession
from sqlalchemy.orm import sessionmaker

from extranet_common.db import tune_engine
from extranet_common.localtime import local_date
from extranet_common.migrations import upgrade
from timesheets import shifts

AGENCY = "agency-1"
CAMILLE = "caregiver-camille"
PARIS = "Europe/Paris"

APPLY = {
    "shift_scheduled": shifts.apply_shift_scheduled,
    "shift_changed": shifts.apply_shift_changed,
    "shift_cancelled": shifts.apply_shift_cancelled,
}


@pytest.fixture
def engine(database_url):
    upgrade(database_url, "timesheets")
    engine = sa.create_engine(database_url)
    tune_engine(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(engine):
    with sessionmaker(bind=engine)() as session:
        yield session


class FakeDatabase:
    """What ``consume_event`` needs of the nameko dependency: ``get_session``."""

    def __init__(self, engine):
        self.Session = sessionmaker(bind=engine, class_=NamekoSession)

    def get_session(self):
        return self.Session(close_on_exit=True)


@pytest.fixture
def db(engine):
    return FakeDatabase(engine)


def _shift_event(
    event_type: str,
    shift_id: str,
    start: str,
    end: str,
    caregiver_id: str | None = CAMILLE,
    agency_id: str = AGENCY,
    changes: dict | None = None,
    **fields,
) -> dict:
    """A planning event envelope as planning publishes it."""
    start_at = datetime.fromisoformat(start)
    end_at = datetime.fromisoformat(end)
    data = {
        "shift_id": shift_id,
        "external_id": f"EXT-{shift_id[:8]}",
        "caregiver_id": caregiver_id,
        "family_ref": "FAM-1",
        "family_name": "Dupont",
        "family_address": "12 rue des Lilas, Lyon",
        "activity": "Sortie d'école",
        "start": start,
        "end": end,
        "minutes": int((end_at - start_at).total_seconds() // 60),
        "local_date": local_date(start_at, PARIS).isoformat(),
        "timezone": PARIS,
        "car_transport": False,
        "notes": "",
    }
    data.update(fields)
    if event_type == "shift_changed":
        data["changes"] = changes or {}
    return {
        "event_id": str(uuid.uuid4()),
        "event_type": event_type,
        "occurred_at": "2026-10-01T08:00:00+00:00",
        "agency_id": agency_id,
        "version": 1,
        "data": data,
    }


@pytest.fixture
def shift_event():
    """Build a planning event: ``shift_event(type, shift_id, start, end, ...)``."""
    return _shift_event


@pytest.fixture
def apply_event(db_session):
    """Apply one event directly (as ``consume_event`` would) and commit."""

    def apply(payload: dict) -> None:
        APPLY[payload["event_type"]](db_session, payload["data"], payload)
        db_session.commit()

    return apply


@pytest.fixture
def schedule(shift_event, apply_event):
    """Schedule a shift for a caregiver; returns its shift id."""

    def schedule(start: str, end: str, caregiver_id: str = CAMILLE, **fields) -> str:
        shift_id = str(uuid.uuid4())
        apply_event(
            shift_event("shift_scheduled", shift_id, start, end, caregiver_id, **fields)
        )
        return shift_id

    return schedule
