"""French names of days and months, as the product writes dates to people."""

from datetime import date

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def long_date(day: date) -> str:
    """``jeudi 22 octobre 2026``."""
    return f"{DAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def of(words: str) -> str:
    """``words`` after "de", elided before a vowel: "d'octobre 2026",
    "de novembre 2026"."""
    if words[:1].lower() in "aeiouyàâäéèêëîïôöùûü":
        return f"d'{words}"
    return f"de {words}"
