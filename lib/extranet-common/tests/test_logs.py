"""Expected errors log one line; bugs keep their traceback."""

import logging
import sys

from extranet_common.logs import QuietExpectedErrors


def record(message: str) -> logging.LogRecord:
    try:
        raise ValueError("boom")
    except ValueError:
        info = sys.exc_info()
    return logging.LogRecord("nameko", logging.WARNING, "", 0, message, (), info)


def test_expected_errors_lose_their_traceback_and_bugs_keep_it():
    quiet = QuietExpectedErrors()
    expected = record("(expected) error handling worker %s: %s")
    bug = record("error handling worker %s: %s")

    assert quiet.filter(expected) and quiet.filter(bug)
    assert expected.exc_info is None
    assert bug.exc_info is not None
