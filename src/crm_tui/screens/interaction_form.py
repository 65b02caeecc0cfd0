"""The form that creates or edits one interaction.

Every value is sent to the services as typed (codes, natural dates such as
"mañana 10:00"); the services parse and check it and name each wrong field,
and the form shows each message on the line under its field, keeping what
was typed. The choices (types, users, the contact's opportunities) load in
a worker before the fields appear.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, cast

from peewee import DatabaseError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from crm_tui import clock
from crm_tui.i18n import language, register, t
from crm_tui.screens.base import DialogScreen
from crm_tui.screens.confirm import ConfirmScreen
from crm_tui.services.contacts import get_contact, opportunities_of
from crm_tui.services.dates import format_interchange, parse_when
from crm_tui.services.errors import Conflict, CrmError, ValidationError
from crm_tui.services.event_series import DEFAULT_SLOT, SLOTS, create_event, next_half_hour
from crm_tui.services.interactions import (
    DateInput,
    InteractionDraft,
    create_interaction,
    draft_of,
    edit_interaction,
)
from crm_tui.services.records import (
    ContactRecord,
    InteractionRecord,
    OpportunityRecord,
    TypeRecord,
    UserRecord,
)
from crm_tui.services.recurrence import PRESETS, describe, is_last_week, occurrences, preset_rule
from crm_tui.services.recurrence import parse as parse_rule
from crm_tui.services.types import TypeIndex, list_types
from crm_tui.services.users import list_users
from crm_tui.services.vocab import DIRECTION, OUTCOME, PRIORITY, STATUS, Vocabulary
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.form_field import (
    FormField,
    date_hint,
    short_datetime,
    show_problems,
    show_validation,
)
from crm_tui.widgets.interaction_table import type_parts
from crm_tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from crm_tui.app import CrmApp

register(
    {
        "ui.form.key.save": ("Save", "Guardar"),
        "ui.form.key.cancel": ("Cancel", "Cancelar"),
        "ui.form.title_new": ("New interaction", "Nueva interacción"),
        "ui.form.title_edit": ("Edit interaction {id}", "Editar interacción {id}"),
        "ui.form.loading": ("Loading…", "Cargando…"),
        "ui.form.label.contact": ("Contact", "Cliente"),
        "ui.form.label.opportunity": ("Opportunity", "Oportunidad"),
        "ui.form.label.type": ("Type", "Tipo"),
        "ui.form.label.direction": ("Direction", "Dirección"),
        "ui.form.label.internal": ("Internal", "Interna"),
        "ui.form.label.status": ("Status", "Estado"),
        "ui.form.label.priority": ("Priority", "Prioridad"),
        "ui.form.label.subject": ("Subject", "Asunto"),
        "ui.form.label.note": ("Note", "Nota"),
        "ui.form.label.outcome": ("Call outcome", "Resultado"),
        "ui.form.label.occurred_at": ("Date", "Fecha"),
        "ui.form.label.starts_at": ("Start", "Inicio"),
        "ui.form.label.ends_at": ("End", "Fin"),
        "ui.form.label.follow_up_at": ("Follow-up", "Seguimiento"),
        "ui.form.label.location": ("Location", "Lugar"),
        "ui.form.label.tags": ("Tags", "Etiquetas"),
        "ui.form.label.user": ("Responsible", "Responsable"),
        "ui.form.choose_type": ("choose a type", "elija un tipo"),
        "ui.form.internal_hint": ("only within the team", "solo dentro del equipo"),
        "ui.form.status_by_date": (
            "by date: done, or pending if later",
            "según la fecha: completo, o pendiente si es posterior",
        ),
        "ui.form.no_outcome": ("none", "ninguno"),
        "ui.form.no_opportunity": ("none", "ninguna"),
        "ui.form.pool": ("shared pool", "bolsa compartida"),
        "ui.form.now": ("now", "ahora"),
        "ui.form.occurred_placeholder": ("empty: the start, else now", "vacía: el inicio, o ahora"),
        "ui.form.date_placeholder": ("e.g. tomorrow 10:00, +2d", "p. ej. mañana 10:00, +2d"),
        "ui.form.tags_placeholder": ("comma separated", "separadas por comas"),
        "ui.form.conflict_hint": (
            "Close the form to see their change; what you typed is still here.",
            "Cierre el formulario para ver su cambio; lo que escribió sigue aquí.",
        ),
        "ui.form.saved": ("Interaction {id} saved", "Interacción {id} guardada"),
        "ui.form.discard_question": (
            "Discard what you changed in this form?",
            "¿Descartar lo que cambió en este formulario?",
        ),
        "ui.form.discard": ("Discard", "Descartar"),
        "ui.form.title_event": ("New event", "Nuevo evento"),
        "ui.form.label.name": ("Name", "Nombre"),
        "ui.form.label.details": ("Details", "Detalles"),
        "ui.form.label.duration": ("Duration", "Duración"),
        "ui.form.label.repeat": ("Repeat", "Repetir"),
        "ui.form.label.recurrence": ("Repeat rule", "Regla"),
        "ui.form.other_end": ("the end typed", "el fin escrito"),
        "ui.form.typed_rule": ("the rule typed", "la regla escrita"),
        "ui.form.end_placeholder": ("e.g. +1h, 11:30", "p. ej. +1h, 11:30"),
        "ui.form.rule_placeholder": (
            "e.g. every monday, 10 times",
            "p. ej. cada lunes, hasta el 30/06/2027",
        ),
        "ui.form.minutes": ("{n} min", "{n} min"),
        "ui.form.hours": ("{n} h", "{n} h"),
        "ui.form.hours_minutes": ("{n} h {m} min", "{n} h {m} min"),
        "ui.form.preview": ("{count} events, next: {next}", "{count} eventos, próximos: {next}"),
        "ui.form.preview_one": ("1 event: {next}", "1 evento: {next}"),
        "ui.form.events_saved": (
            "{count} events saved, the first is {id}",
            "{count} eventos guardados, el primero es {id}",
        ),
    }
)

DATE_FIELDS = ("occurred_at", "starts_at", "ends_at", "follow_up_at")
# Controls that only help fill others in (the end, the rule): not saved.
HELPER_FIELDS = ("duration", "repeat")
LOG_FIELDS = (
    "contact",
    "opportunity",
    "type",
    "direction",
    "internal",
    "status",
    "priority",
    "subject",
    "note",
    "outcome",
    *DATE_FIELDS,
    "location",
    "tags",
    "user",
)
# An event, in the order the help article names what to fill in.
EVENT_FIELDS = (
    "contact",
    "opportunity",
    "type",
    "subject",
    "user",
    "starts_at",
    "duration",
    "ends_at",
    "repeat",
    "recurrence",
    "location",
    "note",
    "priority",
    "tags",
    "internal",
)
# How many next starts the repetition's preview names.
PREVIEW_STARTS = 3

# What each control holds, by field id: the text of inputs, a Select's value
# ("" for blank, the shared pool, no opportunity), the checkbox's state.
FormValues = dict[str, str | bool]


@dataclass(frozen=True)
class FormChoices:
    """What the form offers to choose from, loaded in a worker."""

    contact: ContactRecord
    types: list[TypeRecord]  # the active ones
    users: list[UserRecord]  # the active ones
    opportunities: list[OpportunityRecord]  # the contact's


def load_choices(contact_code: str) -> FormChoices:
    """(Queries: call it from a worker.)"""
    contact = get_contact(contact_code)
    return FormChoices(
        contact=contact,
        types=list_types(active_only=True),
        users=list_users(active_only=True),
        opportunities=opportunities_of(contact.id),
    )


def _code_in(vocabulary: Vocabulary, value: str | None) -> str:
    """The code of a value given as code or label; "" when blank or unknown."""
    if not value or not value.strip():
        return ""
    try:
        return vocabulary.parse(value)
    except ValidationError:
        return ""


def _date_text(value: DateInput) -> str:
    return format_interchange(value) if not isinstance(value, str) else value


def start_values(draft: InteractionDraft, types: list[TypeRecord], *, new: bool) -> FormValues:
    """The form's first values: the draft, as codes and text. A new
    interaction with no date and no start happens "now" (the word, which
    the services read when saving)."""
    try:
        type_code = TypeIndex(types).resolve(draft.type).code if draft.type.strip() else ""
    except ValidationError:
        type_code = ""
    occurred_at = _date_text(draft.occurred_at)
    if new and not occurred_at and not _date_text(draft.starts_at):
        occurred_at = t("ui.form.now")
    return {
        "opportunity": draft.opportunity or "",
        "type": type_code,
        "direction": _code_in(DIRECTION, draft.direction) or "outbound",
        "internal": draft.internal,
        "status": _code_in(STATUS, draft.status),
        "priority": _code_in(PRIORITY, draft.priority) or "normal",
        "subject": draft.subject,
        "note": draft.note,
        "outcome": _code_in(OUTCOME, draft.outcome),
        "occurred_at": occurred_at,
        "starts_at": _date_text(draft.starts_at),
        "ends_at": _date_text(draft.ends_at),
        "follow_up_at": _date_text(draft.follow_up_at),
        "location": draft.location,
        "tags": ", ".join(draft.tags),
        "user": "" if draft.pool else (draft.user or draft.created_by),
    }


def draft_changes(values: FormValues, names: Iterable[str]) -> dict[str, Any]:
    """The named form values as InteractionDraft fields, still as typed:
    the services parse and check them."""
    changes: dict[str, Any] = {}
    for name in names:
        value = values[name]
        if name in HELPER_FIELDS:
            continue
        if name == "user":
            changes.update(user=value or None, pool=not value)
        elif name == "tags":
            changes["tags"] = tuple(str(value).split(","))
        elif name in ("status", "outcome", "opportunity", *DATE_FIELDS):
            changes[name] = value or None
        else:
            changes[name] = value
    return changes


def _option(text: str, value: str, style: str = "") -> tuple[Text, str]:
    return safe.cell(text, style), value


def slot_text(slot: timedelta, lang: str) -> str:
    """`30 min`, `1 h`, `1 h 30 min`."""
    hours, minutes = divmod(int(slot.total_seconds()) // 60, 60)
    if not hours:
        return t("ui.form.minutes", lang, n=minutes)
    if not minutes:
        return t("ui.form.hours", lang, n=hours)
    return t("ui.form.hours_minutes", lang, n=hours, m=minutes)


def typed_date(text: str, base: datetime) -> datetime | None:
    """What a date input's text means, or None while it is not a date."""
    try:
        return parse_when(text, now=base).value if text.strip() else None
    except ValidationError:
        return None


def repeat_options(start: datetime, lang: str) -> list[tuple[Text, str]]:
    """The repetitions offered for an event starting at `start`, each
    said as the sentence its rule reads as ("Every fourth Monday of the
    month")."""
    codes = [code for code in PRESETS if code != "monthly_last" or is_last_week(start)]
    return [_option(describe(preset_rule(code, start), lang), code) for code in codes]


def repetition_preview(text: str, start: datetime | None, lang: str, now: datetime) -> str:
    """What the typed repetition makes: how many events and the next
    starts, or why it is not one; "" while there is nothing to say."""
    if not text.strip() or start is None:
        return ""
    try:
        rule = parse_rule(text, start)
    except ValidationError as exc:
        return exc.message(lang)
    starts = occurrences(start, rule)
    if len(starts) <= 1:
        return describe(rule, lang)
    shown = ", ".join(short_datetime(each, lang, now) for each in starts[:PREVIEW_STARTS])
    count = t("ui.form.preview", lang, count=len(starts), next=f"{shown}, …")
    return f"{describe(rule, lang)} · {count}"


def _listed(save: Callable[[], InteractionRecord]) -> list[InteractionRecord]:
    """What one save gives, as a new event's saves are: a list."""
    return [save()]


def _type_option(kind: TypeRecord, lang: str) -> tuple[Text, str]:
    """A type as the lists show it: glyph and label in its colour."""
    label, colour = type_parts(kind, lang)
    return _option(label, kind.code, colour)


class InteractionFormScreen(DialogScreen[InteractionRecord | None]):
    """Create (`for_new`) or edit (`for_edit`) one interaction; dismissed
    with the saved record, or None when cancelled."""

    DEFAULT_CSS = """
    InteractionFormScreen #form-frame {
        max-width: 110;
        height: 1fr;
        max-height: 30;
        /* Not $surface: the controls are $surface, and must stand out. */
        background: $panel;
        margin: 0;
    }
    InteractionFormScreen #form-fields {
        height: 1fr;
        scrollbar-size-vertical: 1;
    }
    InteractionFormScreen #form-loading.-failed, InteractionFormScreen #form-problem {
        color: $error;
        text-style: bold;
    }
    InteractionFormScreen #form-problem {
        display: none;
        height: auto;
    }
    InteractionFormScreen #form-problem.-shown {
        display: block;
    }
    InteractionFormScreen TextArea#note {
        height: 5;
    }
    InteractionFormScreen Input.date-input {
        width: 26;
    }
    InteractionFormScreen #recurrence-preview {
        width: 1fr;
        height: auto;
        margin-left: 14;
        color: $text-muted;
    }
    InteractionFormScreen #form-buttons {
        height: 1;
        align-horizontal: right;
    }
    InteractionFormScreen #form-buttons Button {
        margin-left: 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # ctrl+s never reaches some terminals (XON/XOFF flow control), so F2
        # comes first: the footer shows the first key of an action.
        Binding("f2", "save", "ui.form.key.save", priority=True, id="form_save_f2"),
        Binding("ctrl+s", "save", "ui.form.key.save", priority=True, id="form_save"),
        Binding("escape", "cancel", "ui.form.key.cancel", id="form_cancel"),
    ]

    def __init__(
        self,
        actor: UserRecord,
        draft: InteractionDraft,
        record: InteractionRecord | None = None,
        *,
        event: bool = False,
    ) -> None:
        super().__init__()
        localise_bindings(self)
        self.actor = actor
        self.draft = draft
        self.record = record
        # A new future event: its own fields, and it may repeat.
        self.event = event and record is None
        self.choices: FormChoices | None = None
        self._initial: FormValues = {}
        self._saving = False
        # What the form itself last wrote into the end and the rule: a
        # change to anything else is the person typing their own.
        self._filled: dict[str, str] = {}

    @classmethod
    def for_new(
        cls,
        actor: UserRecord,
        *,
        contact: str,
        opportunity: str | None,
        draft: InteractionDraft | None = None,
    ) -> InteractionFormScreen:
        """A new interaction of `contact`, recorded by `actor`: blank, or
        filled from `draft` (a task template's)."""
        start = draft or InteractionDraft(
            type="", contact=contact, opportunity=opportunity, created_by=""
        )
        return cls(actor, replace(start, contact=contact, created_by=actor.username))

    @classmethod
    def for_event(
        cls, actor: UserRecord, *, contact: str, opportunity: str | None
    ) -> InteractionFormScreen:
        """A future event of `contact`, scheduled by `actor`: pending,
        starting at the next half hour and lasting the default slot."""
        start = next_half_hour(clock.now())
        draft = InteractionDraft(
            type="",
            contact=contact,
            opportunity=opportunity,
            created_by=actor.username,
            kind="scheduled",
            status="pending",
            starts_at=start,
            ends_at=start + DEFAULT_SLOT,
        )
        return cls(actor, draft, event=True)

    @classmethod
    def for_edit(cls, actor: UserRecord, record: InteractionRecord) -> InteractionFormScreen:
        return cls(actor, draft_of(record), record)

    # --- building -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="form-frame", classes="dialog-frame") as frame:
            if self.event:
                frame.border_title = t("ui.form.title_event")
            elif self.record is None:
                frame.border_title = t("ui.form.title_new")
            else:
                frame.border_title = t("ui.form.title_edit", id=self.record.id)
            if self.choices is None:
                yield Label(t("ui.form.loading"), id="form-loading")
            else:
                with VerticalScroll(id="form-fields"):
                    yield from self._fields(self.choices)
                yield Label(id="form-problem")
                with Horizontal(id="form-buttons"):
                    yield Button(
                        t("ui.form.key.save"), variant="primary", compact=True, id="form-save"
                    )
                    yield Button(t("ui.form.key.cancel"), compact=True, id="form-cancel")
        yield KeyFooter()

    def on_mount(self) -> None:
        run_db(
            self,
            partial(load_choices, self.draft.contact),
            done=self._choices_loaded,
            failed=self._choices_failed,
            group="form-choices",
        )

    def _choices_loaded(self, choices: FormChoices) -> None:
        self.choices = choices
        self.call_next(self._show_fields)

    async def _show_fields(self) -> None:
        await self.recompose()
        if self.event:
            self._show_preview()
        self._initial = self._values()
        first_empty = "type" if not self._initial["type"] else "subject"
        self.query_one(f"#{first_empty}").focus()

    def _choices_failed(self, _error: CrmError | DatabaseError, reason: str) -> None:
        loading = self.query_one("#form-loading", Label)
        loading.update(safe.plain(reason))
        loading.add_class("-failed")

    def _types(self, choices: FormChoices) -> list[TypeRecord]:
        """The active types, and the edited interaction's own when it is not."""
        if self.record is not None and all(
            known.id != self.record.type.id for known in choices.types
        ):
            return [*choices.types, self.record.type]
        return choices.types

    def _fields(self, choices: FormChoices) -> Iterator[Widget]:
        lang = language()
        types = self._types(choices)
        values = start_values(self.draft, types, new=self.record is None)
        if self.event and not values["opportunity"] and len(choices.opportunities) == 1:
            # The usual case: the contact's only opportunity.
            values["opportunity"] = choices.opportunities[0].code
        renamed = {"subject": "name", "note": "details"} if self.event else {}

        def label(name: str) -> str:
            return t(f"ui.form.label.{renamed.get(name, name)}")

        def select(
            name: str, options: list[tuple[Text, str]], *, blank: str | None = None
        ) -> FormField:
            value = str(values[name])
            if value and value not in {code for _, code in options}:
                options = [*options, _option(value, value)]  # kept, whatever it is
            control: Select[str] = Select(
                options,
                prompt=blank or "",
                allow_blank=blank is not None,
                value=value if value or blank is None else Select.NULL,
                compact=True,
                id=name,
            )
            return FormField(label(name), control)

        def text(name: str, placeholder: str = "") -> FormField:
            control = Input(str(values[name]), placeholder=placeholder, compact=True, id=name)
            return FormField(label(name), control)

        def vocabulary(name: str, terms: Vocabulary) -> list[tuple[Text, str]]:
            return [_option(terms.label(code, lang), code) for code in terms.codes]

        now = clock.now()

        def date(name: str) -> FormField:
            placeholder = {
                "occurred_at": "ui.form.occurred_placeholder",
                "ends_at": "ui.form.end_placeholder" if self.event else "ui.form.date_placeholder",
            }.get(name, "ui.form.date_placeholder")
            typed = str(values[name])
            return FormField(
                label(name),
                Input(
                    typed, placeholder=t(placeholder), compact=True, id=name, classes="date-input"
                ),
                aside=Label(safe.plain_line(self._date_hint(name, typed)), id=f"{name}-hint"),
            )

        contact = choices.contact
        makers: dict[str, Callable[[], Widget]] = {
            "contact": lambda: FormField(
                label("contact"),
                Static(safe.plain_line(f"{contact.code} · {contact.name}"), id="contact"),
            ),
            "opportunity": lambda: select(
                "opportunity",
                [
                    _option(t("ui.form.no_opportunity"), ""),
                    *(_option(f"{o.code} · {o.title}", o.code) for o in choices.opportunities),
                ],
            ),
            "type": lambda: select(
                "type",
                [_type_option(kind, lang) for kind in types],
                blank=t("ui.form.choose_type"),
            ),
            "direction": lambda: select("direction", vocabulary("direction", DIRECTION)),
            "internal": lambda: FormField(
                label("internal"),
                Checkbox(
                    safe.plain_line(t("ui.form.internal_hint")),
                    bool(values["internal"]),
                    compact=True,
                    id="internal",
                ),
            ),
            "status": lambda: select(
                "status", vocabulary("status", STATUS), blank=t("ui.form.status_by_date")
            ),
            "priority": lambda: select("priority", vocabulary("priority", PRIORITY)),
            "subject": lambda: text("subject"),
            "note": lambda: FormField(
                label("note"),
                TextArea(str(values["note"]), soft_wrap=True, compact=True, id="note"),
            ),
            "outcome": lambda: select(
                "outcome", vocabulary("outcome", OUTCOME), blank=t("ui.form.no_outcome")
            ),
            **{name: partial(date, name) for name in DATE_FIELDS},
            "location": lambda: text("location"),
            "tags": lambda: text("tags", t("ui.form.tags_placeholder")),
            "user": lambda: select(
                "user",
                [
                    *(
                        _option(f"{u.display_name} ({u.username})", u.username)
                        for u in choices.users
                    ),
                    _option(t("ui.form.pool"), ""),
                ],
            ),
            "duration": lambda: select(
                "duration",
                [_option(slot_text(slot, lang), str(slot.seconds // 60)) for slot in SLOTS],
                blank=t("ui.form.other_end"),
            ),
            "repeat": lambda: select(
                "repeat",
                repeat_options(typed_date(str(values["starts_at"]), now) or now, lang),
                blank=t("ui.form.typed_rule"),
            ),
            "recurrence": lambda: text("recurrence", t("ui.form.rule_placeholder")),
        }
        if self.event:
            values.update(self._event_values(values))
        for name in EVENT_FIELDS if self.event else LOG_FIELDS:
            yield makers[name]()
            if name == "recurrence":
                yield Label(id="recurrence-preview")

    def _event_values(self, values: FormValues) -> FormValues:
        """The helpers' first values: the slot the start and end make, and
        the rule as it was given."""
        start = typed_date(str(values["starts_at"]), clock.now())
        end = typed_date(str(values["ends_at"]), clock.now())
        slot = str(int((end - start).total_seconds()) // 60) if start and end else ""
        self._filled = {"ends_at": str(values["ends_at"]), "recurrence": self.draft.recurrence}
        return {
            "duration": slot if slot in {str(s.seconds // 60) for s in SLOTS} else "",
            "repeat": "" if self.draft.recurrence else "none",
            "recurrence": self.draft.recurrence,
        }

    def _start(self) -> datetime | None:
        """The start as typed so far, if it is a date."""
        starts = self.query("#starts_at")
        typed = starts.first(Input).value if starts else _date_text(self.draft.starts_at)
        return typed_date(typed, clock.now())

    def _date_hint(self, name: str, typed: str) -> str:
        """An end typed as an offset ("+1h") counts from the start."""
        lang, now = language(), clock.now()
        start = self._start() if name == "ends_at" and typed.strip().startswith("+") else None
        if start is None:
            return date_hint(typed, lang, now)
        end = typed_date(typed, start)
        if end is None:
            return date_hint(typed, lang, now)
        return f"→ {short_datetime(end, lang, now)}"

    # --- reading and editing ---------------------------------------------------------------

    def _values(self) -> FormValues:
        values: FormValues = {}
        for control in self.query(".form-control"):
            name = control.id or ""
            if isinstance(control, Select):
                values[name] = str(control.selection or "")
            elif isinstance(control, Input):
                values[name] = control.value
            elif isinstance(control, TextArea):
                values[name] = control.text
            elif isinstance(control, Checkbox):
                values[name] = control.value
        return values

    def _changed(self, values: FormValues) -> list[str]:
        return [name for name, value in values.items() if self._initial.get(name) != value]

    @on(Input.Changed)
    @on(Select.Changed)
    @on(TextArea.Changed)
    @on(Checkbox.Changed)
    def _edited(
        self, event: Input.Changed | Select.Changed | TextArea.Changed | Checkbox.Changed
    ) -> None:
        """A field being corrected loses its message; a date shows what it means."""
        control: Widget = event.control
        field = next((node for node in control.ancestors if isinstance(node, FormField)), None)
        if field is not None and field.has_error:
            field.show_errors([])
        if isinstance(control, Input) and control.has_class("date-input"):
            hint = self.query_one(f"#{control.id}-hint", Label)
            hint.update(safe.plain_line(self._date_hint(control.id or "", control.value)))
        if self.event:
            self._event_edited(control)

    def _event_edited(self, control: Widget) -> None:
        """Keep the helpers and what they fill in together: a slot sets the
        end from the start, a repetition writes its rule; typing an end or
        a rule of one's own leaves the helper on "as typed"."""
        name = control.id or ""
        if name == "starts_at":
            self._refresh_repeat_options()
            self._fill_end()
            self._fill_rule()
        elif name == "duration":
            self._fill_end()
        elif name == "repeat":
            self._fill_rule()
        elif isinstance(control, Input) and control.value != self._filled.get(name, control.value):
            helper = "duration" if name == "ends_at" else "repeat"
            self.query_one(f"#{helper}", Select).clear()
        if name in ("starts_at", "recurrence", "repeat"):
            self._show_preview()

    def _fill(self, name: str, text: str) -> None:
        self._filled[name] = text
        self.query_one(f"#{name}", Input).value = text

    def _fill_end(self) -> None:
        minutes = self.query_one("#duration", Select).selection
        start = self._start()
        if minutes and start is not None:
            self._fill("ends_at", format_interchange(start + timedelta(minutes=int(minutes))))

    def _fill_rule(self) -> None:
        code = self.query_one("#repeat", Select).selection
        start = self._start()
        if code and start is not None:
            self._fill(
                "recurrence",
                describe(preset_rule(code, start), language()) if code != "none" else "",
            )

    def _refresh_repeat_options(self) -> None:
        """The choices name the start's weekday and day: follow it."""
        start = self._start()
        repeat = self.query_one("#repeat", Select)
        if start is None:
            return
        chosen = repeat.selection
        options = repeat_options(start, language())
        with self.prevent(Select.Changed):
            repeat.set_options(options)
            if chosen in {code for _, code in options}:
                repeat.value = chosen

    def _show_preview(self) -> None:
        text = self.query_one("#recurrence", Input).value
        preview = repetition_preview(text, self._start(), language(), clock.now())
        self.query_one("#recurrence-preview", Label).update(safe.plain(preview))

    @on(Input.Submitted)
    def _next_field(self) -> None:
        """Enter in a one-line field moves on, as in a paper form."""
        self.focus_next()

    # --- saving -----------------------------------------------------------------------------

    @on(Button.Pressed, "#form-save")
    def action_save(self) -> None:
        if self.choices is None or self._saving:
            return
        values = self._values()
        show_problems(self, [])
        for field in self.query(FormField):
            field.show_errors([])
        call: Callable[[], list[InteractionRecord]]
        if self.record is None:
            draft = replace(self.draft, **draft_changes(values, values))
            if self.event:
                call = partial(create_event, draft)
            else:
                call = partial(_listed, partial(create_interaction, draft))
        else:
            changes = draft_changes(values, self._changed(values))
            if not changes:
                self.dismiss(None)
                return
            edit = partial(
                edit_interaction,
                self.record.id,
                changes,
                actor=self.actor,
                expected_version=self.record.version,
            )
            call = partial(_listed, edit)
        self._set_saving(True)
        run_db(self, call, done=self._saved, failed=self._save_failed, group="form-save")

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        self.query_one("#form-save", Button).disabled = saving

    def _saved(self, records: list[InteractionRecord]) -> None:
        """The record, or a repeating event's occurrences (the first is
        what the form hands back)."""
        cast("CrmApp", self.app).data_changed()
        if len(records) == 1:
            safe.notify(self.app, t("ui.form.saved", id=records[0].id))
        else:
            safe.notify(self.app, t("ui.form.events_saved", count=len(records), id=records[0].id))
        self.dismiss(records[0])

    def _save_failed(self, error: CrmError | DatabaseError, reason: str) -> None:
        self._set_saving(False)
        if isinstance(error, ValidationError):
            show_validation(self, error)
        elif isinstance(error, Conflict):
            show_problems(self, [reason, t("ui.form.conflict_hint")])
        else:
            show_problems(self, [reason])

    # --- leaving -------------------------------------------------------------------------------

    @on(Button.Pressed, "#form-cancel")
    def action_cancel(self) -> None:
        if self._saving:
            return  # the write is under way: its answer decides what happens
        if self.choices is None or not self._changed(self._values()):
            self.dismiss(None)
            return

        def discard(confirmed: bool | None) -> None:
            if confirmed:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen(
                t("ui.form.discard_question"), confirm_label=t("ui.form.discard"), danger=True
            ),
            callback=discard,
        )
