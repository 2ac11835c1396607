"""Alembic, driven from code: one migration history per service.

A service keeps its revisions in ``<package>/migrations``; its ``env.py``
calls :func:`run_env`. ``extranet-migrate CONFIG PACKAGE`` upgrades the
database named by the config to the newest revision before the service
starts.
"""

import argparse
import logging

import sqlalchemy as sa
from alembic import command, context
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, pool

from extranet_common.config import database_url, load_config
from extranet_common.db import engine_url

_log = logging.getLogger(__name__)


def alembic_config(url: str, package: str) -> Config:
    config = Config()
    config.set_main_option("script_location", f"{package}:migrations")
    config.set_main_option("sqlalchemy.url", engine_url(url).replace("%", "%%"))
    return config


def upgrade(url: str, package: str) -> None:
    """Bring the database at ``url`` to the newest revision of ``package``."""
    command.upgrade(alembic_config(url, package), "head")


def run_env(target_metadata: MetaData) -> None:
    """The body of every service's ``migrations/env.py``."""
    url = context.config.get_main_option("sqlalchemy.url")
    engine = sa.create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def differences(url: str, metadata: MetaData) -> list:
    """What the migrated database and the models disagree on (empty: agree)."""
    engine = sa.create_engine(engine_url(url), poolclass=pool.NullPool)
    with engine.connect() as connection:
        migration_context = MigrationContext.configure(
            connection, opts={"compare_type": True}
        )
        found = compare_metadata(migration_context, metadata)
    engine.dispose()
    return found


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        prog="extranet-migrate",
        description="Upgrade a service's database to its newest revision.",
    )
    parser.add_argument("config", help="the service's YAML config file")
    parser.add_argument("package", help="the service's Python package")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    url = database_url(load_config(args.config))
    upgrade(url, args.package)
    _log.info("%s is at the newest revision", args.package)
