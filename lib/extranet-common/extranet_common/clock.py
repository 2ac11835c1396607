"""The one clock every service reads.

Production reads the system clock. Tests and demos can set the time of every
process at once by pointing ``EXTRANET_CLOCK_FILE`` at a file that holds an
ISO 8601 instant: each call reads it again, so a test can move time forward
while the services run. Inside one process, :func:`frozen` does the same
without a file.
"""

import contextlib
import os
from datetime import UTC, datetime
from pathlib import Path

CLOCK_FILE_ENV = "EXTRANET_CLOCK_FILE"

_frozen: datetime | None = None


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    if _frozen is not None:
        return _frozen

    path = os.environ.get(CLOCK_FILE_ENV)
    if path:
        text = _read(path)
        if text:
            return parse_instant(text)

    return datetime.now(UTC)


def parse_instant(text: str) -> datetime:
    """Read an ISO 8601 instant; one without an offset is refused."""
    instant = datetime.fromisoformat(text.strip())
    if instant.tzinfo is None:
        raise ValueError(f"instant without an offset: {text!r}")
    return instant.astimezone(UTC)


def set_clock_file(path: str | os.PathLike, instant: datetime) -> None:
    """Make every process reading ``path`` see ``instant`` as now."""
    target = Path(path)
    scratch = target.with_suffix(".tmp")
    scratch.write_text(instant.astimezone(UTC).isoformat())
    scratch.replace(target)


@contextlib.contextmanager
def frozen(instant: datetime):
    """Freeze this process's clock at ``instant`` for the ``with`` block."""
    global _frozen
    previous, _frozen = _frozen, instant.astimezone(UTC)
    try:
        yield
    finally:
        _frozen = previous


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except FileNotFoundError:
        return ""
