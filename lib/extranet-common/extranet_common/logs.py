"""Logging pieces the services' YAML configs refer to.

nameko logs a caller's mistake (an expected exception: a wrong password, a
bad CSV line) at WARNING with its full traceback, which buries real bugs in
noise. ``QuietExpectedErrors`` keeps the one-line warning and drops the
traceback of those records only; unexpected errors keep theirs.
"""

import logging

EXPECTED_PREFIX = "(expected) error handling worker"


class QuietExpectedErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and str(record.msg).startswith(EXPECTED_PREFIX):
            record.exc_info = None
            record.exc_text = None
        return True
