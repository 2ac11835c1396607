"""Alembic environment of the notifications service."""

from extranet_common.migrations import run_env
from notifications.models import Base

run_env(Base.metadata)
