"""The payroll export of an agency's month, as CSV.

One line per entry, ordered by caregiver then start; separator ``;``,
UTF-8 without BOM, a header line, decimal point in kilometres. Columns:
``caregiver_ref`` (identity's reference, else the caregiver's id),
``caregiver_name``, ``date`` (local day the entry starts), ``start`` and
``end`` (local ``YYYY-MM-DD HH:MM``, the format of the planning import),
``planned_minutes``, ``counted_minutes``, ``status``, ``reason`` (code),
``km``, ``entry_id``. A text cell that a spreadsheet would take for a
formula (starting with ``=``, ``+``, ``-`` or ``@``) is prefixed with ``'``.
"""

import csv
import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from extranet_common.localtime import to_local
from timesheets import access, directory, months
from timesheets.models import Entry

SEPARATOR = ";"
COLUMNS = (
    "caregiver_ref",
    "caregiver_name",
    "date",
    "start",
    "end",
    "planned_minutes",
    "counted_minutes",
    "status",
    "reason",
    "km",
    "entry_id",
)


def month_csv(
    session: Session, actor: dict, month: str, agency_id: str | None = None
) -> str:
    """The CSV text of the agency's month (staff of that agency)."""
    month = months.check_month(month)
    agency_id = access.check_agency(actor, agency_id)
    entries = session.scalars(
        select(Entry).where(Entry.agency_id == agency_id, Entry.month == month)
    ).all()
    names = directory.caregivers(session, {entry.caregiver_id for entry in entries})

    def order(entry: Entry):
        known = names.get(entry.caregiver_id)
        who = (known.last_name, known.first_name) if known else ("", "")
        return (*who, entry.caregiver_id, entry.start_at, entry.id)

    out = io.StringIO()
    writer = csv.writer(out, delimiter=SEPARATOR, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry in sorted(entries, key=order):
        known = names.get(entry.caregiver_id)
        name = f"{known.first_name} {known.last_name}".strip() if known else ""
        start = to_local(entry.start_at, entry.timezone)
        end = to_local(entry.end_at, entry.timezone)
        writer.writerow(
            [
                _cell((known.ref if known else None) or entry.caregiver_id),
                _cell(name),
                entry.local_date.isoformat(),
                f"{start:%Y-%m-%d %H:%M}",
                f"{end:%Y-%m-%d %H:%M}",
                entry.planned_minutes,
                months.counted_minutes(entry),
                entry.status,
                entry.reason or "",
                months.km_text(entry.km) or "",
                entry.id,
            ]
        )
    return out.getvalue()


def _cell(text: str) -> str:
    if text and text[0] in "=+-@":
        return "'" + text
    return text
