"""Login throttling that slows guessing down without locking anyone out.

Failures are counted under two keys: the account *from* an address (the
email typed, with the client's address) and the address alone. Each key
may fail a few times freely (``ACCOUNT_FREE``, ``ADDRESS_FREE``); every
failure after that makes the key wait twice as long as the previous one,
from one second up to ``MAX_DELAY``. While a key waits, attempts under it
are answered ``TooManyAttempts`` (HTTP 429 with Retry-After) without the
password being checked. A success clears the account-from-address key;
counters are forgotten ``FORGET_AFTER`` the last failure.

No account is ever locked: an attacker's failures slow down the attacker's
address, not the caregiver's own address. The price is that an attacker
spread over many addresses gets ``ACCOUNT_FREE`` tries per address; bcrypt
at cost 12 and the common-password list are the defence there.
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from extranet_common import clock
from extranet_common.errors import TooManyAttempts
from identity.models import Throttle

ACCOUNT_FREE = 5
ADDRESS_FREE = 20
FIRST_DELAY = timedelta(seconds=1)
MAX_DELAY = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class Keys:
    """The throttle keys of one login attempt."""

    account: str
    address: str


def login_keys(email_key: str, address: str | None) -> Keys:
    place = address or "unknown"
    return Keys(
        account="acct:" + _digest(f"{email_key}|{place}"),
        address="addr:" + _digest(place),
    )


def check(session: Session, keys: Keys) -> None:
    """Raise TooManyAttempts while either key must wait."""
    now = clock.now()
    waits = []
    for key in (keys.account, keys.address):
        row = session.get(Throttle, key)
        if (
            row is not None
            and row.blocked_until is not None
            and row.blocked_until > now
        ):
            waits.append(row.blocked_until - now)
    if waits:
        seconds = max(1, math.ceil(max(waits).total_seconds()))
        raise TooManyAttempts(
            "Trop de tentatives : réessayez dans "
            f"{_in_words(seconds)}. Vous pouvez aussi demander un nouveau "
            "mot de passe.",
            data={"retry_after": seconds},
        )


def failed(session: Session, keys: Keys) -> None:
    """Count a failure under both keys and set their waits."""
    _count(session, keys.account, ACCOUNT_FREE)
    _count(session, keys.address, ADDRESS_FREE)


def succeeded(session: Session, keys: Keys) -> None:
    session.execute(delete(Throttle).where(Throttle.key == keys.account))


def forget_old(session: Session) -> int:
    """Drop counters that are no longer needed; returns how many."""
    now = clock.now()
    return session.execute(
        delete(Throttle).where(
            Throttle.last_failure_at < now - FORGET_AFTER,
            or_(Throttle.blocked_until.is_(None), Throttle.blocked_until < now),
        )
    ).rowcount


def delay(failures: int, free: int) -> timedelta | None:
    """How long a key waits after its ``failures``-th failure."""
    if failures < free:
        return None
    return min(MAX_DELAY, FIRST_DELAY * 2 ** min(failures - free, 20))


def _count(session: Session, key: str, free: int) -> None:
    now = clock.now()
    row = session.get(Throttle, key)
    if row is None:
        try:
            with session.begin_nested():
                row = Throttle(key=key, failures=0, last_failure_at=now)
                session.add(row)
        except IntegrityError:
            # Another attempt under the same key created it a moment ago.
            row = session.get(Throttle, key, populate_existing=True)
    if row.last_failure_at < now - FORGET_AFTER:
        row.failures = 0
    row.failures += 1
    row.last_failure_at = now
    wait = delay(row.failures, free)
    row.blocked_until = now + wait if wait else None
    session.flush()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _in_words(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} seconde{'s' if seconds > 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes > 1 else ''}"
