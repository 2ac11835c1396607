"""French words for dates, months and document types in emails.

Written out here rather than taken from the system locale, which a server
may not have installed.
"""

from datetime import datetime

from extranet_common.french import MONTHS, long_date  # noqa: F401 - part of wording

DOCUMENT_TYPES = {
    "payslip": "bulletin de paie",
    "contract": "contrat",
    "certificate": "attestation",
    "other": "document",
}


def hour(instant: datetime) -> str:
    """``19:00`` (the instant's own wall clock)."""
    return f"{instant:%H:%M}"


def month(period: str | None) -> str | None:
    """``2026-10`` as ``octobre 2026``; None stays None."""
    if not period:
        return None
    year, number = period.split("-")
    return f"{MONTHS[int(number) - 1]} {year}"


def of_month(period: str | None) -> str | None:
    """``2026-10`` as ``d'octobre 2026``, ``2026-03`` as ``de mars 2026``."""
    name = month(period)
    if name is None:
        return None
    return f"d'{name}" if name[0] in "aeiouéè" else f"de {name}"


def document_type(kind: str) -> str:
    return DOCUMENT_TYPES.get(kind, DOCUMENT_TYPES["other"])
