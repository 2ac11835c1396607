"""Alembic environment of the identity service."""

from extranet_common.migrations import run_env
from identity.models import Base

run_env(Base.metadata)
