"""The form that creates or edits one interaction.

Every value is sent to the services as typed (codes, natural dates such as
"mañana 10:00"); the services parse and check it and name each wrong field,
and the form shows each message on the line under its field, keeping what
was typed. The choices (types, users, the contact's opportunities) load in
a worker before the fields appear.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, cast

from peewee import DatabaseError
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Footer, Input, Label, Select, Static, TextArea

from crm_tui import clock
from crm_tui.i18n import language, register, t
from crm_tui.screens.confirm import ConfirmScreen
from crm_tui.services.contacts import get_contact, opportunities_of
from crm_tui.services.dates import format_interchange
from crm_tui.services.errors import Conflict, CrmError, ValidationError
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
from crm_tui.services.types import TypeIndex, list_types
from crm_tui.services.users import list_users
from crm_tui.services.vocab import DIRECTION, OUTCOME, PRIORITY, STATUS, Vocabulary
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.form_field import FormField, date_hint
from crm_tui.widgets.interaction_table import type_parts

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
    }
)

DATE_FIELDS = ("occurred_at", "starts_at", "ends_at", "follow_up_at")

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


def _type_option(kind: TypeRecord, lang: str) -> tuple[Text, str]:
    """A type as the lists show it: glyph and label in its colour."""
    label, colour = type_parts(kind, lang)
    return _option(label, kind.code, colour)


class InteractionFormScreen(ModalScreen[InteractionRecord | None]):
    """Create (`for_new`) or edit (`for_edit`) one interaction; dismissed
    with the saved record, or None when cancelled."""

    DEFAULT_CSS = """
    InteractionFormScreen {
        align: center middle;
    }
    InteractionFormScreen #form-frame {
        width: 100%;
        max-width: 110;
        height: 1fr;
        max-height: 30;
        border: round $accent;
        border-title-color: $accent;
        border-title-style: bold;
        /* Not $surface: the controls are $surface, and must stand out. */
        background: $panel;
        padding: 0 1;
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
    ) -> None:
        super().__init__()
        localise_bindings(self)
        self.actor = actor
        self.draft = draft
        self.record = record
        self.choices: FormChoices | None = None
        self._initial: FormValues = {}
        self._saving = False

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
    def for_edit(cls, actor: UserRecord, record: InteractionRecord) -> InteractionFormScreen:
        return cls(actor, draft_of(record), record)

    # --- building -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="form-frame") as frame:
            if self.record is None:
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
        yield Footer()

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

    def _fields(self, choices: FormChoices) -> Iterator[FormField]:
        lang = language()
        types = self._types(choices)
        values = start_values(self.draft, types, new=self.record is None)

        def label(name: str) -> str:
            return t(f"ui.form.label.{name}")

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

        contact = choices.contact
        yield FormField(
            label("contact"),
            Static(safe.plain_line(f"{contact.code} · {contact.name}"), id="contact"),
        )
        yield select(
            "opportunity",
            [
                _option(t("ui.form.no_opportunity"), ""),
                *(_option(f"{o.code} · {o.title}", o.code) for o in choices.opportunities),
            ],
        )
        yield select(
            "type",
            [_type_option(kind, lang) for kind in types],
            blank=t("ui.form.choose_type"),
        )
        yield select("direction", vocabulary("direction", DIRECTION))
        yield FormField(
            label("internal"),
            Checkbox(
                safe.plain_line(t("ui.form.internal_hint")),
                bool(values["internal"]),
                compact=True,
                id="internal",
            ),
        )
        yield select("status", vocabulary("status", STATUS), blank=t("ui.form.status_by_date"))
        yield select("priority", vocabulary("priority", PRIORITY))
        yield text("subject")
        yield FormField(
            label("note"),
            TextArea(str(values["note"]), soft_wrap=True, compact=True, id="note"),
        )
        yield select("outcome", vocabulary("outcome", OUTCOME), blank=t("ui.form.no_outcome"))
        now = clock.now()
        for name in DATE_FIELDS:
            placeholder = t(
                "ui.form.occurred_placeholder"
                if name == "occurred_at"
                else "ui.form.date_placeholder"
            )
            typed = str(values[name])
            yield FormField(
                label(name),
                Input(typed, placeholder=placeholder, compact=True, id=name, classes="date-input"),
                aside=Label(safe.plain_line(date_hint(typed, lang, now)), id=f"{name}-hint"),
            )
        yield text("location")
        yield text("tags", t("ui.form.tags_placeholder"))
        yield select(
            "user",
            [
                *(_option(f"{u.display_name} ({u.username})", u.username) for u in choices.users),
                _option(t("ui.form.pool"), ""),
            ],
        )

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
            hint.update(safe.plain_line(date_hint(control.value, language(), clock.now())))

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
        self._show_problems([])
        for field in self.query(FormField):
            field.show_errors([])
        if self.record is None:
            draft = replace(self.draft, **draft_changes(values, values))
            call = partial(create_interaction, draft)
        else:
            changes = draft_changes(values, self._changed(values))
            if not changes:
                self.dismiss(None)
                return
            call = partial(
                edit_interaction,
                self.record.id,
                changes,
                actor=self.actor,
                expected_version=self.record.version,
            )
        self._set_saving(True)
        run_db(self, call, done=self._saved, failed=self._save_failed, group="form-save")

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        self.query_one("#form-save", Button).disabled = saving

    def _saved(self, record: InteractionRecord) -> None:
        cast("CrmApp", self.app).data_changed()
        safe.notify(self.app, t("ui.form.saved", id=record.id))
        self.dismiss(record)

    def _save_failed(self, error: CrmError | DatabaseError, reason: str) -> None:
        self._set_saving(False)
        if isinstance(error, ValidationError):
            self._show_validation(error)
        elif isinstance(error, Conflict):
            self._show_problems([reason, t("ui.form.conflict_hint")])
        else:
            self._show_problems([reason])

    def _show_validation(self, error: ValidationError) -> None:
        """Each message under its field; focus on the first wrong field.
        A message about something the form does not show goes below it."""
        by_field: dict[str, list[str]] = {}
        for problem in error.errors:
            by_field.setdefault(problem.field, []).append(problem.message())
        first_wrong: FormField | None = None
        for field in self.query(FormField):
            messages = by_field.pop(field.control.id or "", [])
            field.show_errors(messages)
            if messages and first_wrong is None:
                first_wrong = field
        self._show_problems([message for messages in by_field.values() for message in messages])
        if first_wrong is not None:
            first_wrong.control.focus()
            first_wrong.scroll_visible()

    def _show_problems(self, messages: list[str]) -> None:
        problem = self.query_one("#form-problem", Label)
        problem.update(safe.plain("\n".join(messages)))
        problem.set_class(bool(messages), "-shown")

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
