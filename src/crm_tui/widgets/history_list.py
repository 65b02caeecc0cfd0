"""The history of one interaction as sentences a person reads: who did
what, and when ("Luis Gómez changed the status from Pending to Done ·
Mon 23 Nov 10:05").

The events come from `services.history` (action codes and the details
each one stores); `history_sentence` turns one into words, in the user's
language, naming people by their display names. The list draws every line
in one widget: two hundred events cost one Static, not two hundred.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

from textual.content import Content
from textual.widgets import Static

from crm_tui.i18n import register, t
from crm_tui.services import history
from crm_tui.services.records import HistoryRecord
from crm_tui.services.vocab import DIRECTION, KIND, OUTCOME, PRIORITY, STATUS
from crm_tui.widgets import safe
from crm_tui.widgets.form_field import short_datetime

register(
    {
        "ui.history.system": ("The system", "El sistema"),
        "ui.history.none": ("none", "ninguna"),
        "ui.history.and": (" and ", " y "),
        "ui.history.empty": ("No changes recorded", "No hay cambios registrados"),
        "ui.history.older": (
            "Older changes are not shown",
            "Los cambios más antiguos no se muestran",
        ),
        "ui.history.created": ("{who} created the interaction", "{who} creó la interacción"),
        "ui.history.deleted": ("{who} deleted the interaction", "{who} borró la interacción"),
        "ui.history.edited": ("{who} changed {changes}", "{who} cambió {changes}"),
        "ui.history.edited_plain": ("{who} edited the interaction", "{who} editó la interacción"),
        "ui.history.from_to": ("{field} from {old} to {new}", "{field} de {old} a {new}"),
        "ui.history.status": (
            "{who} changed the status from {old} to {new}",
            "{who} cambió el estado de {old} a {new}",
        ),
        "ui.history.assigned": ("{who} assigned it to {new}", "{who} la asignó a {new}"),
        "ui.history.reassigned": (
            "{who} reassigned it from {old} to {new}",
            "{who} la reasignó de {old} a {new}",
        ),
        "ui.history.pooled": (
            "{who} moved it from {old} to the shared pool",
            "{who} la pasó de {old} a la bolsa compartida",
        ),
        "ui.history.linked": (
            "{who} linked it to opportunity {new}",
            "{who} la vinculó a la oportunidad {new}",
        ),
        "ui.history.relinked": (
            "{who} moved it from opportunity {old} to {new}",
            "{who} la pasó de la oportunidad {old} a la {new}",
        ),
        "ui.history.unlinked": (
            "{who} unlinked it from opportunity {old}",
            "{who} la desvinculó de la oportunidad {old}",
        ),
        "ui.history.tags": (
            "{who} changed the tags from {old} to {new}",
            "{who} cambió las etiquetas de {old} a {new}",
        ),
        "ui.history.call_inbound": (
            "{who} logged an inbound call{outcome}",
            "{who} registró una llamada entrante{outcome}",
        ),
        "ui.history.call_outbound": (
            "{who} logged an outbound call{outcome}",
            "{who} registró una llamada saliente{outcome}",
        ),
        "ui.history.call_missed": (
            "{who} logged a missed call",
            "{who} registró una llamada perdida",
        ),
        "ui.history.comment_added": ("{who} added a comment", "{who} añadió un comentario"),
        "ui.history.report_added": ("{who} added a report", "{who} añadió un reporte"),
        "ui.history.comment_deleted": ("{who} deleted a comment", "{who} borró un comentario"),
        "ui.history.campaign_scheduled": (
            "{who} scheduled it in a campaign",
            "{who} la programó en una campaña",
        ),
        "ui.history.email_campaign_sent": (
            "{who} sent it in an e-mail campaign",
            "{who} la envió en una campaña de correo",
        ),
        "ui.history.imported": (
            "{who} imported it from {file}, line {line}",
            "{who} la importó de {file}, línea {line}",
        ),
        "ui.history.other": ("{who}: {action}", "{who}: {action}"),
        # The fields an edit names, with the article each takes in Spanish.
        "ui.history.field.type": ("the type", "el tipo"),
        "ui.history.field.contact": ("the contact", "el cliente"),
        "ui.history.field.kind": ("the kind", "la clase"),
        "ui.history.field.priority": ("the priority", "la prioridad"),
        "ui.history.field.direction": ("the direction", "la dirección"),
        "ui.history.field.internal": ("the internal flag", "la marca de interna"),
        "ui.history.field.subject": ("the subject", "el asunto"),
        "ui.history.field.note": ("the note", "la nota"),
        "ui.history.field.outcome": ("the call outcome", "el resultado de la llamada"),
        "ui.history.field.occurred_at": ("the date", "la fecha"),
        "ui.history.field.starts_at": ("the start", "el inicio"),
        "ui.history.field.ends_at": ("the end", "el fin"),
        "ui.history.field.follow_up_at": ("the follow-up date", "la fecha de seguimiento"),
        "ui.history.field.location": ("the location", "el lugar"),
        "ui.history.field.entry_name": ("the entry name", "el nombre de entrada"),
        "ui.history.field.recurrence": ("the repetition", "la repetición"),
    }
)

EMPTY = "—"

# Fields whose old and new values an edit sentence quotes: short ones from
# a vocabulary, dates and codes. Free text (subject, note) is only named.
_VOCABULARIES = {
    "kind": KIND,
    "priority": PRIORITY,
    "direction": DIRECTION,
    "outcome": OUTCOME,
}
_DATES = {"occurred_at", "starts_at", "ends_at", "follow_up_at"}
_CODES = {"contact"}


def history_sentence(
    event: HistoryRecord, names: Mapping[str, str], lang: str, now: datetime
) -> str:
    """One event as a sentence, without its time. `names` maps usernames
    to display names (a name missing from it shows as the username)."""

    def person(username: object) -> str:
        if not username:
            return t("ui.pool", lang)
        return names.get(str(username), str(username))

    details = event.details
    who = names.get(event.actor, event.actor) if event.actor else t("ui.history.system", lang)
    old, new = details.get("from"), details.get("to")
    action = event.action
    if action == history.STATUS_CHANGED:
        return t(
            "ui.history.status",
            lang,
            who=who,
            old=STATUS.label(str(old), lang),
            new=STATUS.label(str(new), lang),
        )
    if action in _ASSIGNMENT_KEYS:
        return t(_ASSIGNMENT_KEYS[action], lang, who=who, old=person(old), new=person(new))
    if action == history.LINKED_OPPORTUNITY:
        if not new:
            return t("ui.history.unlinked", lang, who=who, old=old)
        key = "ui.history.relinked" if old else "ui.history.linked"
        return t(key, lang, who=who, old=old, new=new)
    if action == history.TAGS_CHANGED:
        return t(
            "ui.history.tags",
            lang,
            who=who,
            old=_tag_list(old, lang),
            new=_tag_list(new, lang),
        )
    if action == history.INTERACTION_EDITED:
        changes = details.get("changes")
        if isinstance(changes, dict) and changes:
            parts = [_change(name, pair, lang, now) for name, pair in changes.items()]
            return t("ui.history.edited", lang, who=who, changes=_join(parts, lang))
    if action in (history.CALL_INBOUND, history.CALL_OUTBOUND):
        outcome = details.get("outcome")
        said = f" ({OUTCOME.label(str(outcome), lang)})" if outcome else ""
        return t(f"ui.history.{action}", lang, who=who, outcome=said)
    if action == history.COMMENT_ADDED:
        report = details.get("kind") == "report"
        return t("ui.history.report_added" if report else "ui.history.comment_added", lang, who=who)
    if action == history.IMPORTED:
        return t(
            "ui.history.imported",
            lang,
            who=who,
            file=details.get("file", ""),
            line=details.get("line", ""),
        )
    if action in _PLAIN_KEYS:
        return t(_PLAIN_KEYS[action], lang, who=who)
    return t("ui.history.other", lang, who=who, action=action)


_ASSIGNMENT_KEYS = {
    history.ASSIGNMENT_ADDED: "ui.history.assigned",
    history.ASSIGNMENT_CHANGED: "ui.history.reassigned",
    history.ASSIGNMENT_REMOVED: "ui.history.pooled",
}
_PLAIN_KEYS = {
    history.INTERACTION_CREATED: "ui.history.created",
    history.INTERACTION_EDITED: "ui.history.edited_plain",
    history.INTERACTION_DELETED: "ui.history.deleted",
    history.CALL_MISSED: "ui.history.call_missed",
    history.COMMENT_DELETED: "ui.history.comment_deleted",
    history.CAMPAIGN_SCHEDULED: "ui.history.campaign_scheduled",
    history.EMAIL_CAMPAIGN_SENT: "ui.history.email_campaign_sent",
}


def _change(name: str, pair: object, lang: str, now: datetime) -> str:
    """One changed field of an edit: named, and with its values when short."""
    field = t(f"ui.history.field.{name}", lang)
    if not isinstance(pair, list | tuple) or len(pair) != 2:
        return field
    describe = _describer(name, lang, now)
    if describe is None:
        return field
    old, new = pair
    return t("ui.history.from_to", lang, field=field, old=describe(old), new=describe(new))


def _describer(name: str, lang: str, now: datetime) -> Callable[[object], str] | None:
    """How to show one value of the field `name`; None: not at all."""

    def empty_or(show: Callable[[object], str]) -> Callable[[object], str]:
        return lambda value: EMPTY if value in (None, "") else show(value)

    vocabulary = _VOCABULARIES.get(name)
    if vocabulary is not None:
        return empty_or(lambda value: vocabulary.label(str(value), lang))
    if name in _DATES:
        return empty_or(lambda value: _stored_date(value, lang, now))
    if name == "internal":
        return lambda value: t("ui.yes" if value else "ui.no", lang)
    if name in _CODES:
        return empty_or(str)
    return None


def _stored_date(value: object, lang: str, now: datetime) -> str:
    """A date as history stores it (ISO text), shown short; what cannot be
    read shows as stored."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return short_datetime(moment, lang, now)


def _tag_list(value: object, lang: str) -> str:
    if isinstance(value, list | tuple) and value:
        return ", ".join(str(tag) for tag in value)
    return t("ui.history.none", lang)


def _join(parts: Sequence[str], lang: str) -> str:
    """`a, b and c` / `a, b y c`."""
    if len(parts) < 2:
        return "".join(parts)
    return ", ".join(parts[:-1]) + t("ui.history.and", lang) + parts[-1]


def history_lines(
    events: Iterable[HistoryRecord], names: Mapping[str, str], lang: str, now: datetime
) -> Content:
    """Every event on its own line, its time after it, dimmed."""
    lines = [
        Content.assemble(
            safe.plain_line(history_sentence(event, names, lang, now)),
            (f" · {short_datetime(event.at, lang, now)}", "dim"),
        )
        for event in events
    ]
    return Content("\n").join(lines)


class HistoryList(Static):
    """The history of one interaction, newest first. `show` replaces what
    it shows; an empty history says so."""

    DEFAULT_CSS = """
    HistoryList {
        height: auto;
    }
    """

    def show(
        self,
        events: Sequence[HistoryRecord],
        names: Mapping[str, str],
        *,
        older: bool,
        lang: str,
        now: datetime,
    ) -> None:
        """`older`: there are older events than those given."""
        if not events:
            self.update(Content.styled(t("ui.history.empty", lang), "italic"))
            return
        shown = history_lines(events, names, lang, now)
        if older:
            shown = Content("\n").join([shown, Content.styled(t("ui.history.older", lang), "dim")])
        self.update(shown)
