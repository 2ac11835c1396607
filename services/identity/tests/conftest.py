"""Fixtures of the identity tests: a migrated database on each engine."""

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from extranet_common.db import tune_engine
from extranet_common.migrations import upgrade
from identity import accounts


@pytest.fixture
def db_session(database_url):
    upgrade(database_url, "identity")
    engine = sa.create_engine(database_url)
    tune_engine(engine)
    with sessionmaker(bind=engine)() as session:
        yield session
    engine.dispose()


@pytest.fixture
def settings():
    return accounts.Settings(bcrypt_rounds=4)


@pytest.fixture
def agency(db_session):
    agency = accounts.create_agency(
        db_session, "AG-TEST", "Agence Test", "Europe/Paris", "agence@example.org"
    )
    db_session.commit()
    return agency
