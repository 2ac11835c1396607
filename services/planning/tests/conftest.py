"""Fixtures of the planning tests: a migrated database on each engine, the
sample agency of ``tests/data`` and the actors who act on it."""

import json
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from extranet_common.db import tune_engine
from extranet_common.migrations import upgrade
from planning import agencies, families, shifts
from planning.models import MESSAGING

DATA = Path(__file__).parent / "data"

AGENCY_ID = "a0000000-0000-4000-8000-000000000001"
OTHER_AGENCY_ID = "a0000000-0000-4000-8000-000000000002"
TIMEZONE = "Europe/Paris"

CAREGIVERS = {
    "camille.martin@example.org": "c0000000-0000-4000-8000-000000000001",
    "ines.haddad@example.org": "c0000000-0000-4000-8000-000000000002",
    "eloise.girard@example.org": "c0000000-0000-4000-8000-000000000003",
    "lucas.bernard@example.org": "c0000000-0000-4000-8000-000000000004",
}


def _text(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def _resolve(emails) -> dict:
    """What identity's ``resolve_caregivers`` answers for the sample agency."""
    return {email: CAREGIVERS.get(email.strip().lower()) for email in emails}


def _actor(role: str, agency_id: str | None = AGENCY_ID, user_id=None) -> dict:
    return {"id": user_id or str(uuid.uuid4()), "role": role, "agency_id": agency_id}


def _events(session, event_type=None) -> list[dict]:
    payloads = session.scalars(
        sa.select(MESSAGING.outbox.c.payload).order_by(MESSAGING.outbox.c.id)
    )
    found = [json.loads(payload) for payload in payloads]
    return [event for event in found if event_type in (None, event["event_type"])]


@pytest.fixture
def sample():
    """The sample agency's data and helpers to act on it."""
    return SimpleNamespace(
        text=_text,
        resolve=_resolve,
        actor=_actor,
        events=_events,
        agency_id=AGENCY_ID,
        other_agency_id=OTHER_AGENCY_ID,
        timezone=TIMEZONE,
        caregivers=CAREGIVERS,
        camille=CAREGIVERS["camille.martin@example.org"],
        ines=CAREGIVERS["ines.haddad@example.org"],
        eloise=CAREGIVERS["eloise.girard@example.org"],
    )


@pytest.fixture
def db_session(database_url):
    upgrade(database_url, "planning")
    engine = sa.create_engine(database_url)
    tune_engine(engine)
    with sessionmaker(bind=engine)() as session:
        yield session
    engine.dispose()


@pytest.fixture
def staff():
    return _actor("staff")


@pytest.fixture
def agency(db_session):
    view = agencies.remember(
        db_session,
        {
            "id": AGENCY_ID,
            "ref": "AG-LYON6",
            "name": "Agence Lyon 6e",
            "timezone": TIMEZONE,
        },
    )
    agencies.remember(
        db_session,
        {
            "id": OTHER_AGENCY_ID,
            "ref": "AG-NICE",
            "name": "Agence Nice",
            "timezone": TIMEZONE,
        },
    )
    db_session.commit()
    return view


@pytest.fixture
def sample_families(db_session, agency, staff):
    families.import_families_csv(db_session, staff, _text("families.csv"))
    db_session.commit()


@pytest.fixture
def import_shifts(db_session, staff):
    """Import a shift file as the sample agency's staff, then commit."""

    def run(text: str) -> dict:
        result = shifts.import_shifts_csv(
            db_session, staff, text, _resolve(shifts.caregiver_emails(text)), TIMEZONE
        )
        db_session.commit()
        return result

    return run


@pytest.fixture
def sample_planning(sample_families, import_shifts):
    return import_shifts(_text("planning-2026-10.csv"))
