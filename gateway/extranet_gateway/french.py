"""marshmallow's refusals, in French like the rest of the API.

marshmallow words its default messages in English and lets them be replaced
class by class (``default_error_messages`` on fields, ``error_messages`` on
schemas, the ``message`` attributes of validators). :func:`speak_french`
replaces those the gateway's schemas can meet; the package runs it once on
import, before any schema class builds its fields, which copy the messages.
A schema or field that words its own message keeps it.
"""

from marshmallow import Schema, fields, validate

FIELD_MESSAGES = {
    fields.Field: {
        "required": "Champ obligatoire.",
        "null": "Valeur vide (null) refusée.",
        "validator_failed": "Valeur refusée.",
    },
    fields.Nested: {"type": "Objet attendu."},
    fields.List: {"invalid": "Liste attendue."},
    fields.String: {
        "invalid": "Texte attendu.",
        "invalid_utf8": "Texte UTF-8 attendu.",
    },
    fields.Number: {"invalid": "Nombre attendu.", "too_large": "Nombre trop grand."},
    fields.Integer: {"invalid": "Nombre entier attendu."},
    fields.Float: {"special": "Nombre attendu (NaN et infini refusés)."},
    fields.Decimal: {"special": "Nombre attendu (NaN et infini refusés)."},
    fields.Boolean: {"invalid": "true ou false attendu."},
    fields.DateTime: {
        "invalid": "Date et heure attendues (AAAA-MM-JJTHH:MM avec décalage).",
        "invalid_awareness": "Date et heure avec décalage horaire attendues.",
        "format": "« {input} » ne se lit pas comme une date et heure.",
    },
    fields.Date: {
        "invalid": "Date attendue, qui existe, au format AAAA-MM-JJ.",
        "format": "« {input} » ne se lit pas comme une date.",
    },
    fields.Time: {
        "invalid": "Heure attendue au format HH:MM.",
        "format": "« {input} » ne se lit pas comme une heure.",
    },
    fields.Mapping: {"invalid": "Objet attendu."},
    fields.Email: {
        "invalid": "Adresse email invalide (exemple : prenom.nom@exemple.fr)."
    },
    fields.Url: {"invalid": "Adresse web invalide."},
    fields.UUID: {"invalid_uuid": "Identifiant invalide."},
    fields.Enum: {"unknown": "Valeur attendue parmi : {choices}."},
}

SCHEMA_MESSAGES = {"type": "Objet attendu.", "unknown": "Champ inconnu."}

VALIDATOR_MESSAGES = {
    validate.Length: {
        "message_min": "Au moins {min} signe(s) ou élément(s).",
        "message_max": "Au plus {max} signe(s) ou élément(s).",
        "message_all": "Entre {min} et {max} signe(s) ou élément(s).",
        "message_equal": "Exactement {equal} signe(s) ou élément(s).",
    },
    validate.Range: {
        "message_min": "Doit être {min_op} {{min}}.",
        "message_max": "Doit être {max_op} {{max}}.",
        "message_all": "Doit être {min_op} {{min}} et {max_op} {{max}}.",
        "message_gte": "au moins",
        "message_gt": "plus que",
        "message_lte": "au plus",
        "message_lt": "moins que",
    },
    validate.OneOf: {"default_message": "Valeur attendue parmi : {choices}."},
    validate.Email: {"default_message": "Adresse email invalide."},
    validate.URL: {"default_message": "Adresse web invalide."},
    validate.Regexp: {"default_message": "Forme inattendue."},
    validate.Equal: {"default_message": "Doit valoir {other}."},
}


def speak_french() -> None:
    """Word marshmallow's default refusals in French, for every schema made
    after this call."""
    for field_class, messages in FIELD_MESSAGES.items():
        field_class.default_error_messages = {
            **field_class.default_error_messages,
            **messages,
        }
    Schema.error_messages = {**Schema.error_messages, **SCHEMA_MESSAGES}
    for validator_class, messages in VALIDATOR_MESSAGES.items():
        for name, message in messages.items():
            setattr(validator_class, name, message)
