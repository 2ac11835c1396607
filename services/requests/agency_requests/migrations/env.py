"""Alembic environment of the requests service."""

from agency_requests.models import Base
from extranet_common.migrations import run_env

run_env(Base.metadata)
