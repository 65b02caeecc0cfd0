"""Controlled vocabularies: a code used in the database and in files, and
its Spanish and English labels. Input accepts any of the three, in any case
and with or without accents ("reunion" finds `meeting`)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from crm_tui.services.errors import FieldName, ValidationError


def fold(text: str) -> str:
    """Lower case without accents, for matching what people type."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Term:
    code: str
    es: str
    en: str

    def label(self, lang: str) -> str:
        return self.es if lang == "es" else self.en


class Vocabulary:
    def __init__(self, field_id: str, terms: list[Term]) -> None:
        self.field_id = field_id
        self.terms = tuple(terms)
        self.codes = tuple(term.code for term in terms)
        self._by_code = {term.code: term for term in terms}
        self._lookup: dict[str, str] = {}
        for term in terms:
            for spelling in (term.code, term.es, term.en, term.code.replace("_", " ")):
                self._lookup[fold(spelling)] = term.code

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def parse(self, value: str, field_id: str | None = None) -> str:
        """The code for `value` (code, Spanish or English label), or a
        ValidationError naming the choices."""
        code = self._lookup.get(fold(value))
        if code is None:
            field_id = field_id or self.field_id
            raise ValidationError.single(
                field_id,
                "error.unknown_value",
                field=FieldName(f"field.{field_id}"),
                value=value,
                choices=", ".join(self.codes),
            )
        return code

    def label(self, code: str, lang: str) -> str:
        term = self._by_code.get(code)
        return term.label(lang) if term else code


STATUS = Vocabulary(
    "status",
    [
        Term("pending", "Pendiente", "Pending"),
        Term("in_progress", "En curso", "In progress"),
        Term("done", "Completo", "Done"),
        Term("cancelled", "Cancelado", "Cancelled"),
    ],
)
OPEN_STATUSES = ("pending", "in_progress")

PRIORITY = Vocabulary(
    "priority",
    [
        Term("low", "Baja", "Low"),
        Term("normal", "Normal", "Normal"),
        Term("high", "Alta", "High"),
        Term("urgent", "Urgente", "Urgent"),
    ],
)
# Sorting weight: urgent first.
PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}

DIRECTION = Vocabulary(
    "direction",
    [
        Term("outbound", "Saliente", "Outbound"),
        Term("inbound", "Entrante", "Inbound"),
    ],
)

OUTCOME = Vocabulary(
    "outcome",
    [
        Term("connected", "Contestada", "Connected"),
        Term("no_answer", "Sin respuesta", "No answer"),
        Term("busy", "Ocupado", "Busy"),
        Term("voicemail", "Buzón de voz", "Voicemail"),
        Term("wrong_number", "Número equivocado", "Wrong number"),
        Term("callback", "Volver a llamar", "Call back"),
    ],
)

KIND = Vocabulary(
    "kind",
    [
        Term("logged", "Registrada", "Logged"),
        Term("scheduled", "Programada", "Scheduled"),
        Term("task", "Tarea", "Task"),
        Term("automatic", "Automática", "Automatic"),
    ],
)

CHANNEL = Vocabulary(
    "channel",
    [
        Term("call", "Llamada", "Call"),
        Term("email", "Correo", "E-mail"),
        Term("meeting", "Reunión", "Meeting"),
        Term("visit", "Visita", "Visit"),
        Term("message", "Mensaje", "Message"),
        Term("task", "Tarea", "Task"),
        Term("note", "Nota", "Note"),
    ],
)

ROLE = Vocabulary(
    "role",
    [
        Term("agent", "Agente", "Agent"),
        Term("supervisor", "Supervisor", "Supervisor"),
        Term("admin", "Administrador", "Admin"),
    ],
)

COMMENT_KIND = Vocabulary(
    "kind",
    [
        Term("comment", "Comentario", "Comment"),
        Term("report", "Reporte", "Report"),
    ],
)

YES_WORDS = {"yes", "si", "sí", "true", "1", "y", "s", "x"}
NO_WORDS = {"no", "false", "0", "n", ""}


def parse_flag(value: str, field_id: str) -> bool:
    """`yes`/`no` and the other spellings import accepts (sí, true, 1, ...)."""
    folded = fold(value)
    if folded in {fold(word) for word in YES_WORDS}:
        return True
    if folded in NO_WORDS:
        return False
    raise ValidationError.single(
        field_id,
        "error.unknown_value",
        field=FieldName(f"field.{field_id}"),
        value=value,
        choices="yes, no",
    )
