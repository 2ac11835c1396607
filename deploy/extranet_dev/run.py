"""``make run``: the whole extranet on this machine, until Ctrl-C.

Environment: EXTRANET_DATA_DIR (default ./data) for the SQLite files, the
mailbox folder and the logs; AMQP_URI; GATEWAY_ADDRESS (default
127.0.0.1:8000); EXTRANET_CLOCK to pretend another date, e.g.
2026-10-31T20:00:00+01:00 to validate the sample October month.
"""

import logging
import os
import signal
import sys
import time
from pathlib import Path

from extranet_common import clock
from extranet_dev import seed
from extranet_dev.system import ROOT, System

_log = logging.getLogger("extranet")


MAX_RESTARTS = 5


def supervise(system: System) -> int:
    """Start again a process that exits, a few times, as an operator would."""
    restarts: dict[str, int] = {}
    while True:
        time.sleep(1)
        for name in system.dead():
            restarts[name] = restarts.get(name, 0) + 1
            if restarts[name] > MAX_RESTARTS:
                _log.error("%s keeps exiting; see %s", name, system.logs / name)
                return 1
            _log.warning("%s exited; starting it again (see its log)", name)
            system.start_one(name)


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    data_dir = Path(os.environ.get("EXTRANET_DATA_DIR", ROOT / "data")).resolve()
    system = System(
        data_dir=data_dir,
        amqp_uri=os.environ.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672/"),
        address=os.environ.get("GATEWAY_ADDRESS", "127.0.0.1:8000"),
    )
    pretend = os.environ.get("EXTRANET_CLOCK")
    if pretend:
        clock_file = data_dir / "clock"
        data_dir.mkdir(parents=True, exist_ok=True)
        clock.set_clock_file(clock_file, clock.parse_instant(pretend))
        os.environ[clock.CLOCK_FILE_ENV] = str(clock_file)

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        _log.info("Migrating the databases under %s ...", data_dir)
        system.migrate()
        _log.info("Starting the services and the gateway ...")
        system.start()
        system.wait_for_services()
        _log.info("Loading the sample agency ...")
        agency = seed.load_sample(system.url, system.amqp_uri)
        _log.info(
            "\nThe extranet runs at %s\n"
            "  API description: %s/api/v1/openapi.json\n"
            "  Agency staff (%s): %s / %s\n"
            "  Emails land in: %s\n"
            "  Logs: %s\n"
            "Ctrl-C stops everything.",
            system.url,
            system.url,
            agency.name,
            agency.staff_email,
            agency.staff_password,
            system.mailbox,
            system.logs,
        )
        return supervise(system)
    except KeyboardInterrupt:
        return 0
    finally:
        _log.info("Stopping ...")
        system.stop()


if __name__ == "__main__":
    sys.exit(main())
