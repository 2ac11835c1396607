"""How long a login takes on this machine: ``python -m identity.bench``.

Runs the account rules on an in-memory SQLite database (no broker) and
prints, per case, the median and the spread of a few logins at the
configured bcrypt cost: a success, a wrong password, an unknown email and
an unconfirmed account. The failures must cost about the same as each
other, so that timing tells an attacker nothing about which emails exist.
"""

import argparse
import statistics
import time
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from extranet_common.errors import NotAuthenticated
from identity import accounts
from identity.models import Base

PASSWORD = "une phrase de banc d essai"  # noqa: S105 - a benchmark account


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=12, help="bcrypt cost")
    parser.add_argument("--repeat", type=int, default=5, help="logins per case")
    options = parser.parse_args(argv)

    engine = sa.create_engine("sqlite://")
    Base.metadata.create_all(engine)
    settings = accounts.Settings(bcrypt_rounds=options.rounds)
    with sessionmaker(bind=engine)() as session:
        cases = _accounts(session, settings)
        print(f"bcrypt cost {options.rounds}, {options.repeat} logins per case")
        for case, (email, password) in cases.items():
            figures = []
            for attempt in range(options.repeat):
                started = time.perf_counter()
                try:
                    accounts.login(
                        session, settings, email, password, f"bench-{attempt}"
                    )
                except NotAuthenticated:
                    pass
                figures.append((time.perf_counter() - started) * 1000)
                session.rollback()
            print(
                f"{case:<22} median {statistics.median(figures):7.1f} ms"
                f"   min {min(figures):7.1f}   max {max(figures):7.1f}"
            )
    engine.dispose()


def _accounts(session, settings) -> dict:
    agency = accounts.create_agency(session, "BENCH", "Banc", "Europe/Paris", None)
    active = f"active-{uuid.uuid4().hex[:6]}@example.org"
    accounts.create_staff(session, settings, agency["id"], active, "A", "B", PASSWORD)
    pending = f"pending-{uuid.uuid4().hex[:6]}@example.org"
    accounts.invite_caregiver(session, settings, agency["id"], "C", "D", pending)
    accounts.register(session, settings, "C", "D", pending, PASSWORD)
    session.commit()
    return {
        "success": (active, PASSWORD),
        "wrong password": (active, PASSWORD + "!"),
        "unknown email": ("nobody@example.org", PASSWORD),
        "unconfirmed account": (pending, PASSWORD),
    }


if __name__ == "__main__":
    main()
