"""Helpers of the browser tests (tests/test_browser.py)."""
