"""Spanish and English text for everything a person reads.

One flat catalogue keyed by message id; each entry is (English, Spanish).
The language is chosen once at start (`--lang`, else the locale, else
English) and read by `t()`; services raise errors carrying a key so the
message is rendered in the user's language wherever it is shown.
"""

from __future__ import annotations

import locale
import os

LANGUAGES = ("en", "es")
_current = "en"

CATALOG: dict[str, tuple[str, str]] = {
    # errors raised by the services
    "error.required": ("{field} is required", "{field} es obligatorio"),
    "error.unknown_value": (
        "unknown {field} {value!r}; use one of: {choices}",
        "{field} desconocido {value!r}; use uno de: {choices}",
    ),
    "error.unknown_user": ("unknown user {value!r}", "usuario desconocido {value!r}"),
    "error.inactive_user": ("user {value!r} is not active", "el usuario {value!r} no está activo"),
    "error.unknown_contact": ("unknown contact {value!r}", "cliente desconocido {value!r}"),
    "error.unknown_opportunity": (
        "unknown opportunity {value!r}",
        "oportunidad desconocida {value!r}",
    ),
    "error.unknown_type": (
        "unknown interaction type {value!r}; use one of: {choices}",
        "tipo de interacción desconocido {value!r}; use uno de: {choices}",
    ),
    "error.unknown_interaction": (
        "no interaction with id {value!r}",
        "no hay ninguna interacción con id {value!r}",
    ),
    "error.opportunity_of_other_contact": (
        "opportunity {value!r} belongs to another contact",
        "la oportunidad {value!r} pertenece a otro cliente",
    ),
    "error.end_before_start": (
        "the end ({end}) is before the start ({start})",
        "el fin ({end}) es anterior al inicio ({start})",
    ),
    "error.end_without_start": ("an end needs a start", "un fin necesita un inicio"),
    "error.bad_date": (
        "{value!r} is not a date; write e.g. 2026-11-23, 2026-11-23 14:05, "
        "today, tomorrow 10:00, +2d or monday",
        "{value!r} no es una fecha; escriba p. ej. 2026-11-23, 2026-11-23 14:05, "
        "hoy, mañana 10:00, +2d o lunes",
    ),
    "error.too_long": (
        "{field} is {length:,} characters long; the limit is {limit:,}",
        "{field} tiene {length:,} caracteres; el límite es {limit:,}",
    ),
    "error.duplicate": ("{field} {value!r} already exists", "{field} {value!r} ya existe"),
    "error.bad_email": ("{value!r} is not an e-mail address", "{value!r} no es un correo válido"),
    "error.bad_number": ("{value!r} is not a number", "{value!r} no es un número"),
    "error.stale": (
        "{who} changed this interaction while you edited it",
        "{who} cambió esta interacción mientras la editaba",
    ),
    "error.database_busy": (
        "the database stayed busy (locked by another program); nothing was saved, try again",
        "la base de datos siguió ocupada (bloqueada por otro programa); "
        "no se guardó nada, inténtelo de nuevo",
    ),
    "error.database_missing": (
        "database not found: {path}",
        "no se encuentra la base de datos: {path}",
    ),
    "error.database_unreadable": (
        "cannot open the database {path}: {reason}",
        "no se puede abrir la base de datos {path}: {reason}",
    ),
    "error.schema_too_new": (
        "this database was written by a newer crm-tui (schema {found}, this program knows "
        "up to {known}); upgrade crm-tui",
        "esta base de datos es de un crm-tui más nuevo (esquema {found}, este programa "
        "conoce hasta {known}); actualice crm-tui",
    ),
    "error.history_immutable": ("history cannot be changed", "el historial no se puede cambiar"),
    # field names
    "field.type": ("type", "tipo"),
    "field.status": ("status", "estado"),
    "field.priority": ("priority", "prioridad"),
    "field.direction": ("direction", "dirección"),
    "field.outcome": ("call outcome", "resultado de la llamada"),
    "field.kind": ("kind", "clase"),
    "field.contact": ("contact", "cliente"),
    "field.opportunity": ("opportunity", "oportunidad"),
    "field.user": ("user", "usuario"),
    "field.created_by": ("created by", "creado por"),
    "field.subject": ("subject", "asunto"),
    "field.note": ("note", "nota"),
    "field.occurred_at": ("date", "fecha"),
    "field.starts_at": ("start", "inicio"),
    "field.ends_at": ("end", "fin"),
    "field.follow_up_at": ("follow-up date", "fecha de seguimiento"),
    "field.location": ("location", "lugar"),
    "field.tags": ("tags", "etiquetas"),
    "field.internal": ("internal", "interno"),
    "field.role": ("role", "rol"),
    "field.username": ("user name", "nombre de usuario"),
    "field.email": ("e-mail", "correo"),
    "field.code": ("code", "código"),
    "field.name": ("name", "nombre"),
    "field.title": ("title", "título"),
    "field.body": ("comment", "comentario"),
    "field.entry_name": ("entry name", "nombre de entrada"),
    "field.since": ("since", "desde"),
    "field.until": ("until", "hasta"),
    "field.limit": ("limit", "límite"),
}


def set_language(lang: str) -> None:
    global _current  # noqa: PLW0603 (one language per process, set at start)
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; use one of: {', '.join(LANGUAGES)}")
    _current = lang


def language() -> str:
    return _current


def detect_language(requested: str | None = None) -> str:
    """`--lang` if given, else the locale's language when supported, else English."""
    if requested:
        return requested
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "")
        if value:
            code = value.split(":")[0].split("_")[0].split(".")[0].lower()
            return code if code in LANGUAGES else "en"
    code = (locale.getlocale()[0] or "").split("_")[0].lower()
    return code if code in LANGUAGES else "en"


def t(key: str, lang: str | None = None, **params: object) -> str:
    """The text for `key` in `lang` (default: the current language)."""
    entry = CATALOG.get(key)
    if entry is None:
        return key
    text = entry[1] if (lang or _current) == "es" else entry[0]
    return text.format(**params) if params else text


def register(entries: dict[str, tuple[str, str]]) -> None:
    """Add a module's own messages to the catalogue (screens, exporters)."""
    clash = set(entries) & set(CATALOG)
    if clash:
        raise ValueError(f"message ids defined twice: {sorted(clash)}")
    CATALOG.update(entries)
