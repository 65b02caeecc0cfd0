"""The history of an interaction, an opportunity or a contact as sentences
a person reads: who did what ("Luis Gómez changed the status from Pending
to Done"). The activity feeds show them, and an exported interaction's
"history" sheet writes them, so both say the same.

The events come from `services.history` (action codes and the details
each one stores); `history_sentence` turns one into words, in the user's
language, naming people by their display names; `history_line` adds which
interaction it was about, for the feeds of an opportunity or a contact.
Every action code has its own sentence: "other" is only for codes newer
than this program.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from crm_tui import ui_text  # noqa: F401 (registers ui.pool, ui.yes and ui.no)
from crm_tui.formatting import preview, short_datetime, stage_label
from crm_tui.i18n import register, t
from crm_tui.services import history
from crm_tui.services.permissions import PERMISSIONS
from crm_tui.services.records import HistoryRecord
from crm_tui.services.vocab import DIRECTION, KIND, OUTCOME, PRIORITY, ROLE, STATUS

register(
    {
        "ui.history.system": ("The system", "El sistema"),
        "ui.history.none": ("none", "ninguna"),
        "ui.history.and": (" and ", " y "),
        "ui.history.created": ("{who} created the interaction", "{who} creó la interacción"),
        "ui.history.deleted": ("{who} deleted the interaction", "{who} borró la interacción"),
        "ui.history.deleted_snapshot": (
            "{who} deleted interaction {id}{what}",
            "{who} borró la interacción {id}{what}",
        ),
        "ui.history.contact_created": (
            "{who} created the contact {code} · {name}",
            "{who} creó el cliente {code} · {name}",
        ),
        "ui.history.contact_created_plain": (
            "{who} created the contact",
            "{who} creó el cliente",
        ),
        "ui.history.opportunity_created": (
            "{who} created the opportunity {code} · {title}",
            "{who} creó la oportunidad {code} · {title}",
        ),
        "ui.history.opportunity_created_plain": (
            "{who} created the opportunity",
            "{who} creó la oportunidad",
        ),
        "ui.history.user_added": ("{who} added the user {user}", "{who} dio de alta a {user}"),
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
        "ui.history.report_deleted": ("{who} deleted a report", "{who} borró un reporte"),
        "ui.history.comment_deleted_by": (
            "{who} deleted a comment by {author}: «{start}»",
            "{who} borró un comentario de {author}: «{start}»",
        ),
        "ui.history.report_deleted_by": (
            "{who} deleted a report by {author}: «{start}»",
            "{who} borró un reporte de {author}: «{start}»",
        ),
        "ui.history.own_comment_deleted": (
            "{who} deleted their comment: «{start}»",
            "{who} borró su comentario: «{start}»",
        ),
        "ui.history.own_report_deleted": (
            "{who} deleted their report: «{start}»",
            "{who} borró su reporte: «{start}»",
        ),
        "ui.history.campaign_scheduled": (
            "{who} scheduled it in a campaign",
            "{who} la programó en una campaña",
        ),
        "ui.history.campaign_scheduled_named": (
            "{who} scheduled it in the campaign «{campaign}»",
            "{who} la programó en la campaña «{campaign}»",
        ),
        "ui.history.email_campaign_sent": (
            "{who} sent it in an e-mail campaign",
            "{who} la envió en una campaña de correo",
        ),
        "ui.history.email_campaign_sent_named": (
            "{who} sent it in the e-mail campaign «{campaign}»",
            "{who} la envió en la campaña de correo «{campaign}»",
        ),
        "ui.history.imported": (
            "{who} imported it from {file}, line {line}",
            "{who} la importó de {file}, línea {line}",
        ),
        "ui.history.imported_plain": ("{who} imported it", "{who} la importó"),
        "ui.history.other": ("{who}: {action}", "{who}: {action}"),
        "ui.history.stage_changed": (
            "{who} moved the opportunity from {old} to {new}",
            "{who} pasó la oportunidad de {old} a {new}",
        ),
        "ui.history.rule_created": (
            "Created by the rule «{rule}»",
            "Creada por la regla «{rule}»",
        ),
        "ui.history.rule_created_plain": ("Created by a rule", "Creada por una regla"),
        "ui.history.rule_notified": (
            "The rule «{rule}» notified {user}",
            "La regla «{rule}» avisó a {user}",
        ),
        "ui.history.rule_notified_plain": (
            "A rule sent a notification",
            "Una regla envió un aviso",
        ),
        "ui.history.permission_refused": (
            "{who} tried to {action}, which the role {role} does not allow",
            "{who} intentó {action}, algo que el rol {role} no permite",
        ),
        "ui.history.permission_refused_plain": (
            "{who} tried something their role does not allow",
            "{who} intentó algo que su rol no permite",
        ),
        "ui.history.permissions_changed": (
            "{who} changed what the role {role} may do: {changes}",
            "{who} cambió lo que puede hacer el rol {role}: {changes}",
        ),
        "ui.history.permissions_granted": ("gave it {names}", "le dio {names}"),
        "ui.history.permissions_revoked": ("took away {names}", "le quitó {names}"),
        "ui.history.activities_stages_changed": (
            "{who} changed the stages that show the activities from {old} to {new}",
            "{who} cambió las etapas que muestran las actividades de {old} a {new}",
        ),
        "ui.history.activities_stages_changed_plain": (
            "{who} changed the stages that show the activities",
            "{who} cambió las etapas que muestran las actividades",
        ),
        "ui.history.every_stage": ("every stage", "todas las etapas"),
        "ui.history.user_edited": (
            "{who} changed {user}: {changes}",
            "{who} cambió {user}: {changes}",
        ),
        "ui.history.user_edited_plain": ("{who} changed {user}", "{who} cambió {user}"),
        "ui.history.user_field.display_name": ("the name", "el nombre"),
        "ui.history.user_field.email": ("the e-mail address", "el correo"),
        "ui.history.user_deactivated": ("{who} deactivated {user}", "{who} desactivó a {user}"),
        "ui.history.user_reactivated": ("{who} reactivated {user}", "{who} reactivó a {user}"),
        # The fields an edit names, with the article each takes in Spanish.
        "ui.history.field.type": ("the type", "el tipo"),
        "ui.history.field.role": ("the role", "el rol"),
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
# Quoted user text (a subject, the start of a comment) is cut to this.
QUOTED_CELLS = 60

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
    event: HistoryRecord,
    names: Mapping[str, str],
    lang: str,
    now: datetime,
    *,
    type_labels: Mapping[str, str] | None = None,
) -> str:
    """One event as a sentence, without its time. `names` maps usernames
    to display names (a name missing from it shows as the username);
    `type_labels` maps interaction type codes to their labels (a deleted
    interaction's snapshot names its type by code)."""
    said = _Said(event, names, lang, now, type_labels or {})
    sentence = _SENTENCES.get(event.action)
    if sentence is not None:
        written = sentence(said)
        if written is not None:
            return written
    plain = _PLAIN_KEYS.get(event.action)
    if plain is not None:
        return said.say(plain)
    return said.say("ui.history.other", action=event.action)


def history_line(
    event: HistoryRecord,
    names: Mapping[str, str],
    lang: str,
    now: datetime,
    *,
    name_interaction: bool,
    type_labels: Mapping[str, str] | None = None,
) -> str:
    """`history_sentence`, led by the interaction it is about ("#123 · …")
    when `name_interaction` (the feed of an opportunity or a contact). A
    deletion names its interaction itself."""
    sentence = history_sentence(event, names, lang, now, type_labels=type_labels)
    about = event.interaction_id
    if not name_interaction or about is None or event.action == history.INTERACTION_DELETED:
        return sentence
    return f"#{about} · {sentence}"


class _Said:
    """What every sentence is made from: the event, who did it, and how to
    name people, types and dates in the reader's language."""

    def __init__(
        self,
        event: HistoryRecord,
        names: Mapping[str, str],
        lang: str,
        now: datetime,
        type_labels: Mapping[str, str],
    ) -> None:
        self.event = event
        self.details = event.details
        self.names = names
        self.lang = lang
        self.now = now
        self.type_labels = type_labels
        actor = event.actor
        self.who = names.get(actor, actor) if actor else t("ui.history.system", lang)

    def say(self, key: str, **params: object) -> str:
        """The sentence `key`, with who did it."""
        return t(key, self.lang, who=self.who, **params)

    def person(self, username: object) -> str:
        """A display name; nobody is the shared pool."""
        if not username:
            return t("ui.pool", self.lang)
        return self.names.get(str(username), str(username))

    def text(self, key: str) -> str:
        """A detail that is text, on one line, cut to a quotable length."""
        value = self.details.get(key)
        return preview(str(value), QUOTED_CELLS) if isinstance(value, str) else ""

    def snapshot(self) -> Mapping[str, object]:
        """What a deletion kept of the deleted thing."""
        snapshot = self.details.get("snapshot")
        return snapshot if isinstance(snapshot, dict) else self.details


def _status(said: _Said) -> str:
    old, new = said.details.get("from"), said.details.get("to")
    return said.say(
        "ui.history.status",
        old=STATUS.label(str(old), said.lang),
        new=STATUS.label(str(new), said.lang),
    )


def _assignment(said: _Said) -> str:
    key = _ASSIGNMENT_KEYS[said.event.action]
    return said.say(
        key, old=said.person(said.details.get("from")), new=said.person(said.details.get("to"))
    )


def _linked(said: _Said) -> str:
    old, new = said.details.get("from"), said.details.get("to")
    if not new:
        return said.say("ui.history.unlinked", old=old)
    return said.say("ui.history.relinked" if old else "ui.history.linked", old=old, new=new)


def _tags(said: _Said) -> str:
    return said.say(
        "ui.history.tags",
        old=_tag_list(said.details.get("from"), said.lang),
        new=_tag_list(said.details.get("to"), said.lang),
    )


def _edited(said: _Said) -> str | None:
    changes = said.details.get("changes")
    if not isinstance(changes, dict) or not changes:
        return None  # the plain "edited the interaction"
    parts = [_change(name, pair, said.lang, said.now) for name, pair in changes.items()]
    return said.say("ui.history.edited", changes=_join(parts, said.lang))


def _call(said: _Said) -> str:
    outcome = said.details.get("outcome")
    shown = f" ({OUTCOME.label(str(outcome), said.lang)})" if outcome else ""
    return said.say(f"ui.history.{said.event.action}", outcome=shown)


def _comment_added(said: _Said) -> str:
    report = said.details.get("kind") == "report"
    return said.say("ui.history.report_added" if report else "ui.history.comment_added")


def _comment_deleted(said: _Said) -> str:
    snapshot = said.snapshot()
    report = snapshot.get("kind") == "report"
    author = snapshot.get("author")
    body = snapshot.get("body")
    start = preview(str(body), QUOTED_CELLS) if isinstance(body, str) else ""
    if not author:
        return said.say("ui.history.report_deleted" if report else "ui.history.comment_deleted")
    if author == said.event.actor:
        own = "ui.history.own_report_deleted" if report else "ui.history.own_comment_deleted"
        return said.say(own, start=start)
    key = "ui.history.report_deleted_by" if report else "ui.history.comment_deleted_by"
    return said.say(key, author=said.person(author), start=start)


def _interaction_deleted(said: _Said) -> str:
    snapshot = said.snapshot()
    number = snapshot.get("id", said.event.interaction_id)
    if number is None:
        return said.say("ui.history.deleted")
    code = str(snapshot.get("type") or "")
    subject = snapshot.get("subject")
    parts = [said.type_labels.get(code, code)]
    if isinstance(subject, str) and subject.strip():
        parts.append(f"«{preview(subject, QUOTED_CELLS)}»")
    what = " · ".join(part for part in parts if part)
    return said.say("ui.history.deleted_snapshot", id=number, what=f" · {what}" if what else "")


def _named(key: str, plain_key: str, *detail_keys: str) -> Callable[[_Said], str]:
    """A sentence that quotes its details (a code, a name) when it has them."""

    def sentence(said: _Said) -> str:
        values = {name: said.text(name) for name in detail_keys}
        if not all(values.values()):
            return said.say(plain_key)
        return said.say(key, **values)

    return sentence


def _imported(said: _Said) -> str:
    file, line = said.text("file"), said.details.get("line")
    if not file or line is None:
        return said.say("ui.history.imported_plain")
    return said.say("ui.history.imported", file=file, line=line)


def _stage(said: _Said) -> str:
    def shown(stage_key: str, sub_key: str) -> str:
        stage = stage_label(str(said.details.get(stage_key) or ""), said.lang)
        sub = said.text(sub_key)
        return f"{stage} ({sub})" if sub else stage

    return said.say(
        "ui.history.stage_changed", old=shown("from", "sub_from"), new=shown("to", "sub_to")
    )


def _rule_notified(said: _Said) -> str:
    rule = said.text("rule")
    if not rule:
        return said.say("ui.history.rule_notified_plain")
    return said.say(
        "ui.history.rule_notified", rule=rule, user=said.person(said.details.get("user"))
    )


def _user_added(said: _Said) -> str:
    return said.say("ui.history.user_added", user=said.person(said.details.get("username")))


def _about_user(key: str) -> Callable[[_Said], str]:
    """A sentence about the user the event names ("deactivated Luis")."""

    def sentence(said: _Said) -> str:
        return said.say(key, user=said.person(said.details.get("username")))

    return sentence


def _user_edited(said: _Said) -> str:
    user = said.person(said.details.get("username"))
    changes = said.details.get("changes")
    if not isinstance(changes, dict) or not changes:
        return said.say("ui.history.user_edited_plain", user=user)
    parts = []
    for name, pair in changes.items():
        if name == "role" and isinstance(pair, list | tuple) and len(pair) == 2:
            old, new = (ROLE.label(str(value), said.lang) for value in pair)
            field = t("ui.history.field.role", said.lang)
            parts.append(t("ui.history.from_to", said.lang, field=field, old=old, new=new))
        else:
            parts.append(t(f"ui.history.user_field.{name}", said.lang))
    return said.say("ui.history.user_edited", user=user, changes=_join(parts, said.lang))


def _permission_refused(said: _Said) -> str:
    permission = str(said.details.get("permission") or "")
    if permission not in PERMISSIONS:
        return said.say("ui.history.permission_refused_plain")
    return said.say(
        "ui.history.permission_refused",
        action=t(f"permission.action.{permission}", said.lang),
        role=ROLE.label(str(said.details.get("role") or ""), said.lang),
    )


def _permissions_changed(said: _Said) -> str:
    parts = []
    for detail, key in (
        ("granted", "ui.history.permissions_granted"),
        ("revoked", "ui.history.permissions_revoked"),
    ):
        names = said.details.get(detail)
        if isinstance(names, list) and names:
            parts.append(t(key, said.lang, names=", ".join(str(name) for name in names)))
    return said.say(
        "ui.history.permissions_changed",
        role=ROLE.label(str(said.details.get("role") or ""), said.lang),
        changes=_join(parts, said.lang) or t("ui.history.none", said.lang),
    )


def _activities_stages_changed(said: _Said) -> str:
    old, new = said.details.get("from"), said.details.get("to")
    if not isinstance(old, list) or not isinstance(new, list):
        return said.say("ui.history.activities_stages_changed_plain")
    return said.say(
        "ui.history.activities_stages_changed",
        old=_stage_list(old, said.lang),
        new=_stage_list(new, said.lang),
    )


_SENTENCES: dict[str, Callable[[_Said], str | None]] = {
    history.STATUS_CHANGED: _status,
    history.ASSIGNMENT_ADDED: _assignment,
    history.ASSIGNMENT_CHANGED: _assignment,
    history.ASSIGNMENT_REMOVED: _assignment,
    history.LINKED_OPPORTUNITY: _linked,
    history.TAGS_CHANGED: _tags,
    history.INTERACTION_EDITED: _edited,
    history.INTERACTION_DELETED: _interaction_deleted,
    history.CALL_INBOUND: _call,
    history.CALL_OUTBOUND: _call,
    history.COMMENT_ADDED: _comment_added,
    history.COMMENT_DELETED: _comment_deleted,
    history.CONTACT_CREATED: _named(
        "ui.history.contact_created", "ui.history.contact_created_plain", "code", "name"
    ),
    history.OPPORTUNITY_CREATED: _named(
        "ui.history.opportunity_created",
        "ui.history.opportunity_created_plain",
        "code",
        "title",
    ),
    history.CAMPAIGN_SCHEDULED: _named(
        "ui.history.campaign_scheduled_named", "ui.history.campaign_scheduled", "campaign"
    ),
    history.EMAIL_CAMPAIGN_SENT: _named(
        "ui.history.email_campaign_sent_named", "ui.history.email_campaign_sent", "campaign"
    ),
    history.IMPORTED: _imported,
    history.USER_ADDED: _user_added,
    history.USER_EDITED: _user_edited,
    history.USER_DEACTIVATED: _about_user("ui.history.user_deactivated"),
    history.USER_REACTIVATED: _about_user("ui.history.user_reactivated"),
    history.PERMISSION_REFUSED: _permission_refused,
    history.PERMISSIONS_CHANGED: _permissions_changed,
    history.ACTIVITIES_STAGES_CHANGED: _activities_stages_changed,
    history.STAGE_CHANGED: _stage,
    history.RULE_CREATED: _named(
        "ui.history.rule_created", "ui.history.rule_created_plain", "rule"
    ),
    history.RULE_NOTIFIED: _rule_notified,
}
_ASSIGNMENT_KEYS = {
    history.ASSIGNMENT_ADDED: "ui.history.assigned",
    history.ASSIGNMENT_CHANGED: "ui.history.reassigned",
    history.ASSIGNMENT_REMOVED: "ui.history.pooled",
}
# Sentences that need no details (also what a sentence above falls back to).
_PLAIN_KEYS = {
    history.INTERACTION_CREATED: "ui.history.created",
    history.INTERACTION_EDITED: "ui.history.edited_plain",
    history.CALL_MISSED: "ui.history.call_missed",
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


def _stage_list(codes: Sequence[object], lang: str) -> str:
    """Stages named in the reader's language; none is every stage."""
    if not codes:
        return t("ui.history.every_stage", lang)
    return _join([stage_label(str(code), lang) for code in codes], lang)


def _join(parts: Sequence[str], lang: str) -> str:
    """`a, b and c` / `a, b y c`."""
    if len(parts) < 2:
        return "".join(parts)
    return ", ".join(parts[:-1]) + t("ui.history.and", lang) + parts[-1]
