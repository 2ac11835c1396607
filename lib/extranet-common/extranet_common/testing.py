"""pytest fixtures every service's tests share (a pytest plugin).

``database_url`` runs a test twice: on a fresh SQLite file and on a fresh
PostgreSQL database created on the server named by
``EXTRANET_TEST_POSTGRES_URL`` (default: the local server, user postgres)
and dropped afterwards. PostgreSQL being away fails the test rather than
skipping it: both engines are part of the contract.
"""

import contextlib
import os
import uuid

import pytest
import sqlalchemy as sa

POSTGRES_ADMIN_ENV = "EXTRANET_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_ADMIN = "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"


@contextlib.contextmanager
def fresh_postgres_database():
    """Create an empty PostgreSQL database; yield its URL; drop it."""
    admin_url = sa.engine.make_url(
        os.environ.get(POSTGRES_ADMIN_ENV, DEFAULT_POSTGRES_ADMIN)
    )
    name = f"extranet_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'service.sqlite'}"
        return
    with fresh_postgres_database() as url:
        yield url
