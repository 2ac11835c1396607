"""Reading the CSV exports agencies send, and reporting their faults by line.

A file is read whole before anything is written: every fault found is kept
with its line number (the header is line 1) and the column at fault, and the
import is refused with all of them at once, so that the agency fixes its
file in one go.

A NUL character is refused wherever it stands (PostgreSQL cannot keep it in
a text column; it is the mark of a damaged or binary file), on the line and
in the column that hold it; a line the CSV reader cannot read at all (a
quote opened and never closed, text glued to a closing quote, a value too
long) is refused as a fault of the file on that line. The reader is strict so
that an unclosed quote is such a fault, where a lenient reader would run the
rest of the file into one value and import it.
"""

import csv
import io
import logging
from dataclasses import dataclass, field

from extranet_common.errors import InvalidInput

_log = logging.getLogger(__name__)

FILE = "file"
NUL = "\x00"
HAS_NUL = "caractère nul interdit (fichier abîmé ou mal exporté ?)"
TOO_LONG = "ligne illisible (une valeur de plus de 131 072 signes ?)"
BAD_QUOTES = (
    'ligne illisible : des guillemets mal fermés (un texte ouvert par « " » '
    'doit se fermer par « " » juste avant la virgule suivante)'
)


@dataclass
class Row:
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "").strip()


@dataclass
class Faults:
    """The faults found in one file, line by line."""

    lines: list[dict] = field(default_factory=list)

    def add(self, line: int, column: str, message: str) -> None:
        self.lines.append({"line": line, "field": column, "message": message})

    def raise_if_any(self) -> None:
        if not self.lines:
            return
        ordered = sorted(self.lines, key=lambda fault: fault["line"])
        count = len({fault["line"] for fault in ordered})
        summary = (
            f"{count} ligne en erreur" if count == 1 else f"{count} lignes en erreur"
        )
        raise InvalidInput(
            f"Le fichier n'a pas été importé ({summary}) : corrigez-le puis "
            "envoyez-le de nouveau.",
            {FILE: summary},
            {"lines": ordered},
        )


def read_rows(text: str, columns: tuple[str, ...], faults: Faults) -> list[Row]:
    """The data rows of ``text``, keyed by lower-case column name.

    A missing column, or a row with more values than the header, is added to
    ``faults``. A file whose header already fails gives no rows.
    """
    if not isinstance(text, str) or not text.strip():
        faults.add(1, FILE, "le fichier est vide")
        return []

    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text), strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except csv.Error as error:
        _log.warning("unreadable CSV header: %s", error)
        faults.add(1, FILE, _unreadable(error))
        return []
    if any(NUL in name for name in header):
        faults.add(1, FILE, "en-tête : " + HAS_NUL)
        return []
    missing = [column for column in columns if column not in header]
    if missing:
        faults.add(1, FILE, "colonnes manquantes : " + ", ".join(missing))
        return []

    rows = []
    previous_end = reader.line_num
    while True:
        line = previous_end + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            _log.warning("unreadable CSV line %d: %s", line, error)
            faults.add(
                line, FILE, _unreadable(error) + " ; la lecture s'est arrêtée là"
            )
            break
        previous_end = reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(values) > len(header):
            faults.add(
                line,
                FILE,
                f"{len(values)} valeurs pour {len(header)} colonnes (une virgule "
                "sans guillemets autour du texte ?)",
            )
            continue
        row = Row(line, dict(zip(header, values, strict=False)))
        damaged = [column for column, value in row.values.items() if NUL in value]
        for column in damaged:
            faults.add(line, column, HAS_NUL)
        if not damaged:
            rows.append(row)
    return rows


def _unreadable(error: csv.Error) -> str:
    """Why the CSV reader gave up, in the agency's words."""
    return TOO_LONG if "field limit" in str(error) else BAD_QUOTES


def _delimiter(text: str) -> str:
    """Comma, or semicolon for the French spreadsheet exports that use it."""
    first_line = text.split("\n", 1)[0]
    if ";" in first_line and "," not in first_line:
        return ";"
    return ","
