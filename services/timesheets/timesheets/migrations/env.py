"""Alembic environment of the timesheets service."""

from extranet_common.migrations import run_env
from timesheets.models import Base

run_env(Base.metadata)
