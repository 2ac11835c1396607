"""Fixtures of the requests tests: a migrated database on each engine, and
the people who act on requests."""

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from extranet_common.db import tune_engine
from extranet_common.migrations import upgrade

AGENCY = "agency-lyon"
OTHER_AGENCY = "agency-nantes"


@pytest.fixture
def db_session(database_url):
    upgrade(database_url, "agency_requests")
    engine = sa.create_engine(database_url)
    tune_engine(engine)
    with sessionmaker(bind=engine)() as session:
        yield session
    engine.dispose()


def person(role: str, agency_id: str | None) -> dict:
    return {"id": str(uuid.uuid4()), "role": role, "agency_id": agency_id}


@pytest.fixture
def camille():
    return person("caregiver", AGENCY)


@pytest.fixture
def ines():
    return person("caregiver", AGENCY)


@pytest.fixture
def staff():
    return person("staff", AGENCY)


@pytest.fixture
def other_staff():
    return person("staff", OTHER_AGENCY)


@pytest.fixture
def admin():
    return person("admin", None)
