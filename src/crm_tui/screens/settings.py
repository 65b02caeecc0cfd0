"""Settings: the hub that lists what can be configured (interaction types,
task templates, automatic rules, activities by stage, users and their
permissions), and the shapes its sections share: a list screen that only
roles with a permission may change, and a form that sends what was typed
to a service and shows each message under its field.

Everyone sees the lists of manage-settings, read-only without it, with a
line saying why nothing there answers their keys (pressed anyway, the
service says so and logs it); the hub offers users and permissions only
to roles with manage-users."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from peewee import DatabaseError
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Button, Header, Input, Label, OptionList, Select, TextArea
from textual.widgets.option_list import Option

from crm_tui.i18n import register, t
from crm_tui.screens.base import CrmScreen, DialogScreen
from crm_tui.screens.confirm import ConfirmScreen
from crm_tui.services.errors import CrmError, ValidationError
from crm_tui.services.permissions import MANAGE_SETTINGS, MANAGE_USERS
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.form_field import FormField, show_problems, show_validation
from crm_tui.widgets.key_footer import KeyFooter
from crm_tui.widgets.paged_table import Column, ListPage, PagedTable
from crm_tui.widgets.permission_gate import (
    Access,
    add_refusal_keys,
    allowed,
    gate_allows,
    refuse,
    with_access,
)

register(
    {
        "ui.settings.title": ("Settings", "Ajustes"),
        "ui.settings.types": ("Interaction types", "Tipos de interacción"),
        "ui.settings.types_about": (
            "Labels, colours, glyphs and order of calls, e-mails, visits…",
            "Etiquetas, colores, símbolos y orden de llamadas, correos, visitas…",
        ),
        "ui.settings.templates": ("Task templates", "Tareas preconfiguradas"),
        "ui.settings.templates_about": (
            "The tasks “Create” offers: type, priority, due time, description",
            "Las tareas que ofrece «Crear»: tipo, prioridad, vencimiento, descripción",
        ),
        "ui.settings.rules": ("Automatic rules", "Reglas automáticas"),
        "ui.settings.rules_about": (
            "What happens by itself after a call, an outcome or a missed event",
            "Lo que ocurre solo tras una llamada, un resultado o un evento vencido",
        ),
        "ui.settings.activities": ("Activities by stage", "Actividades por etapa"),
        "ui.settings.activities_about": (
            "In which stages an opportunity shows its activities",
            "En qué etapas una oportunidad muestra sus actividades",
        ),
        "ui.settings.users": ("Users", "Usuarios"),
        "ui.settings.users_about": (
            "Who logs in: name, e-mail, role; deactivate who left",
            "Quién entra: nombre, correo, rol; desactivar a quien se fue",
        ),
        "ui.settings.permissions": ("Permissions", "Permisos"),
        "ui.settings.permissions_about": (
            "What each role (agent, supervisor, admin) may do",
            "Qué puede hacer cada rol (agente, supervisor, administrador)",
        ),
        "ui.settings.read_only": (
            "Only roles with '{permission}' can change these settings; you can look.",
            "Solo los roles con '{permission}' pueden cambiar estos ajustes; "
            "usted puede consultarlos.",
        ),
        "ui.settings.key.new": ("New", "Nuevo"),
        "ui.settings.key.edit": ("Edit", "Editar"),
        "ui.settings.key.toggle": ("Active / inactive", "Activo / inactivo"),
        "ui.settings.key.delete": ("Delete", "Eliminar"),
        "ui.settings.key.save": ("Save", "Guardar"),
        "ui.settings.key.cancel": ("Cancel", "Cancelar"),
        "ui.settings.active": ("active", "activo"),
        "ui.settings.inactive": ("inactive", "inactivo"),
        "ui.settings.saved": ("Saved", "Guardado"),
        "ui.settings.discard_question": (
            "Discard what you typed in this form?",
            "¿Descartar lo que escribió en este formulario?",
        ),
        "ui.settings.discard": ("Discard", "Descartar"),
    }
)

# What changes settings: hidden from the footer, the help and the palette
# of anyone who may not.
CHANGE_ACTIONS = frozenset({"new", "edit", "toggle_active", "delete", "move"})


# --- the hub ---------------------------------------------------------------------------


def _open_types(app: App[Any]) -> None:
    from crm_tui.screens.types_settings import TypesSettingsScreen

    app.push_screen(TypesSettingsScreen())


def _open_templates(app: App[Any]) -> None:
    from crm_tui.screens.templates_settings import TemplatesSettingsScreen

    app.push_screen(TemplatesSettingsScreen())


def _open_rules(app: App[Any]) -> None:
    from crm_tui.screens.rules_settings import RulesSettingsScreen

    app.push_screen(RulesSettingsScreen())


def _open_activities(app: App[Any]) -> None:
    from crm_tui.screens.activities_settings import ActivitiesSettingsScreen

    app.push_screen(ActivitiesSettingsScreen())


def _open_users(app: App[Any]) -> None:
    from crm_tui.screens.users_settings import UsersSettingsScreen

    app.push_screen(UsersSettingsScreen())


def _open_permissions(app: App[Any]) -> None:
    from crm_tui.screens.permissions_settings import PermissionsSettingsScreen

    app.push_screen(PermissionsSettingsScreen())


@dataclass(frozen=True)
class Section:
    id: str
    title: str  # message ids
    about: str
    open: Callable[[App[Any]], None]
    needs: str | None = None
    """The permission to open it at all (None: anyone, read-only without
    the permission its list asks to change it)."""


SECTIONS = (
    Section("types", "ui.settings.types", "ui.settings.types_about", _open_types),
    Section("templates", "ui.settings.templates", "ui.settings.templates_about", _open_templates),
    Section("rules", "ui.settings.rules", "ui.settings.rules_about", _open_rules),
    Section(
        "activities", "ui.settings.activities", "ui.settings.activities_about", _open_activities
    ),
    Section("users", "ui.settings.users", "ui.settings.users_about", _open_users, MANAGE_USERS),
    Section(
        "permissions",
        "ui.settings.permissions",
        "ui.settings.permissions_about",
        _open_permissions,
        MANAGE_USERS,
    ),
)


def open_sections(access: Access | None) -> tuple[Section, ...]:
    """What the hub offers someone with `access` (None: not known yet)."""
    held = access.permissions if access is not None else frozenset()
    return tuple(section for section in SECTIONS if section.needs is None or section.needs in held)


def section_option(section: Section) -> Option:
    return Option(
        Content.assemble(
            Content.styled(t(section.title), "bold"),
            "\n",
            Content.styled(t(section.about), "dim"),
        ),
        id=section.id,
    )


class ReadOnlyNote(Label):
    """The line that tells someone why the settings do not change for
    them; shown only to who may not change them."""

    DEFAULT_CSS = """
    ReadOnlyNote {
        width: 1fr;
        padding: 0 1;
        text-style: bold;
        color: $warning;
    }
    """

    def __init__(self, permission: str = MANAGE_SETTINGS) -> None:
        super().__init__(t("ui.settings.read_only", permission=permission), id="settings-read-only")
        self.display = False


class SettingsScreen(CrmScreen[None]):
    """A main screen: Enter opens the section under the cursor; only the
    sections the user may open are offered."""

    DEFAULT_CSS = """
    SettingsScreen #settings-sections {
        height: 1fr;
        border: none;
        padding: 0 1;
    }
    SettingsScreen #settings-sections > .option-list--option {
        padding: 0 0 1 0;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "move('down')", "ui.key.down", show=False, id="settings_down"),
        Binding("k", "move('up')", "ui.key.up", show=False, id="settings_up"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(t("ui.settings.title"), id="list-heading")
        yield OptionList(
            *(section_option(section) for section in open_sections(None)),
            id="settings-sections",
        )
        yield ReadOnlyNote()
        yield KeyFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one(OptionList).focus()

    def load_data(self, *, first: bool) -> None:
        with_access(self, self._show_sections)

    def _show_sections(self, access: Access) -> None:
        self.query_one(ReadOnlyNote).display = MANAGE_SETTINGS not in access.permissions
        wanted = open_sections(access)
        options = self.query_one(OptionList)
        offered = [options.get_option_at_index(i).id for i in range(options.option_count)]
        if offered == [section.id for section in wanted]:
            return
        highlighted = options.highlighted
        options.set_options(section_option(section) for section in wanted)
        if highlighted is not None:
            options.highlighted = min(highlighted, len(wanted) - 1)

    def action_move(self, direction: str) -> None:
        sections = self.query_one(OptionList)
        if direction == "down":
            sections.action_cursor_down()
        else:
            sections.action_cursor_up()

    @on(OptionList.OptionSelected)
    def _open(self, event: OptionList.OptionSelected) -> None:
        section = next(s for s in SECTIONS if s.id == event.option_id)
        if section.needs is None or allowed(self, section.needs):
            section.open(self.app)
        else:
            refuse(self, section.needs)  # taken away since the hub was drawn


# --- a section's list ------------------------------------------------------------------

R = TypeVar("R")


class SettingsListScreen(CrmScreen[None], Generic[R]):
    """One section's records in a table (all of them: settings hold a
    handful), `n` new, `e`/Enter edit, space active/inactive, `delete`;
    after a change the list reloads with the cursor on the same record.
    Subclasses name the columns, the query, what each action calls and
    the permission that changes them (`permission`)."""

    DEFAULT_CSS = """
    SettingsListScreen #settings-table {
        height: 1fr;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", "ui.settings.key.new", id="settings_new"),
        Binding("e", "edit", "ui.settings.key.edit", id="settings_edit"),
        Binding("space", "toggle_active", "ui.settings.key.toggle", id="settings_toggle"),
        Binding("delete", "delete", "ui.settings.key.delete", id="settings_delete"),
        Binding("r", "refresh", "ui.key.refresh", show=False, id="settings_refresh"),
    ]

    heading = ""  # message id
    permission = MANAGE_SETTINGS
    """What a role needs to change this section."""
    change_actions: ClassVar[frozenset[str]] = CHANGE_ACTIONS
    """Which of the changing keys this section has (the others are hidden)."""

    def __init__(self, columns: tuple[Column[Any], ...]) -> None:
        super().__init__()
        self.columns = columns
        self.gates = dict.fromkeys(self.change_actions, self.permission)
        add_refusal_keys(self, self.gates)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label(t(self.heading), id="list-heading")
        yield PagedTable(self.columns, id="settings-table")
        yield ReadOnlyNote(self.permission)
        yield KeyFooter()

    def on_mount(self) -> None:
        super().on_mount()
        self.table.focus()

    @property
    def table(self) -> PagedTable[Any]:
        table: PagedTable[Any] = self.query_one("#settings-table", PagedTable)
        return table

    @property
    def may_change(self) -> bool:
        return self.is_ready and allowed(self, self.permission)

    def selected(self) -> R | None:
        record: R | None = self.table.record_at_cursor()
        return record

    def fetch(self) -> list[Any]:
        """The rows (queries: runs in a worker)."""
        raise NotImplementedError

    def load_data(self, *, first: bool) -> None:
        with_access(self, self._access_known)
        if first:
            self.table.load(lambda _after: ListPage(tuple(self.fetch()), None))
        else:
            self.table.reload()

    def _access_known(self, access: Access) -> None:
        self.query_one(ReadOnlyNote).display = self.permission not in access.permissions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in CHANGE_ACTIONS and action not in self.change_actions:
            return False
        return gate_allows(self, self.gates, action, parameters)

    def action_refuse(self, permission: str) -> None:
        refuse(self, permission)

    def action_refresh(self) -> None:
        if self.is_ready:
            self.load_data(first=False)

    @on(PagedTable.Opened)
    def _opened(self, event: PagedTable.Opened) -> None:
        event.stop()
        if self.may_change and "edit" in self.change_actions:
            self.action_edit()

    def action_new(self) -> None:
        raise NotImplementedError

    def action_edit(self) -> None:
        raise NotImplementedError

    def action_toggle_active(self) -> None:
        raise NotImplementedError

    def action_delete(self) -> None:
        raise NotImplementedError

    # -- for the subclasses -----------------------------------------------------------

    def change(self, call: Callable[[], object]) -> None:
        """Run a settings change (a service call), then reload."""
        run_db(self, call, done=lambda _result: self.after_change(), group="settings-change")

    def open_form(self, form: SettingsForm[Any]) -> None:
        """A form over the list; the list reloads when it saved."""

        def closed(record: object | None) -> None:
            if record is not None:
                self.after_change()

        self.app.push_screen(form, callback=closed)

    def after_change(self) -> None:
        """Reload here, and every other screen when next shown."""
        self.crm.data_changed()
        self.refresh_if_stale()

    def ask_then(self, question: str, confirm_label: str, then: Callable[[], None]) -> None:
        """`then` once the person confirms a destructive change."""

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                then()

        self.app.push_screen(
            ConfirmScreen(question, confirm_label=confirm_label, danger=True), callback=answered
        )


# --- a record's form -------------------------------------------------------------------

FormValues = dict[str, str]


class SettingsForm(DialogScreen[R | None], Generic[R]):
    """A form of one record: each control's id is the service's field id,
    so a ValidationError puts each message under its field, and what was
    typed stays. Dismissed with the saved record, or None."""

    DEFAULT_CSS = """
    SettingsForm #settings-form {
        max-width: 84;
        margin: 0 1;
        background: $panel;
    }
    SettingsForm #form-fields {
        height: auto;
        max-height: 16;
        scrollbar-size-vertical: 1;
    }
    SettingsForm #form-problem {
        display: none;
        height: auto;
        color: $error;
        text-style: bold;
    }
    SettingsForm #form-problem.-shown {
        display: block;
    }
    SettingsForm #form-buttons {
        height: 1;
        align-horizontal: right;
    }
    SettingsForm #form-buttons Button {
        margin-left: 2;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # F2 first: ctrl+s never reaches some terminals (XON/XOFF).
        Binding("f2", "save", "ui.settings.key.save", priority=True, id="settings_form_save_f2"),
        Binding("ctrl+s", "save", "ui.settings.key.save", priority=True, id="settings_form_save"),
        Binding("escape", "cancel", "ui.settings.key.cancel", id="settings_form_cancel"),
    ]

    def __init__(self, title: str) -> None:
        super().__init__()
        localise_bindings(self)
        self.title_text = title
        self._initial: FormValues = {}
        self._saving = False

    def fields(self) -> Iterator[FormField]:
        raise NotImplementedError

    def save_call(self, values: FormValues) -> Callable[[], R]:
        """The service call that saves these values."""
        raise NotImplementedError

    def value_changed(self, name: str, values: FormValues) -> None:
        """A control changed (previews follow it here)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="settings-form", classes="dialog-frame") as frame:
            frame.border_title = self.title_text
            with VerticalScroll(id="form-fields"):
                yield from self.fields()
            yield Label(id="form-problem")
            with Horizontal(id="form-buttons"):
                yield Button(
                    t("ui.settings.key.save"), variant="primary", compact=True, id="form-save"
                )
                yield Button(t("ui.settings.key.cancel"), compact=True, id="form-cancel")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._initial = self.values()
        first = next(
            (field.control for field in self.query(FormField) if not field.control.disabled),
            None,
        )
        if first is not None:
            first.focus()

    def values(self) -> FormValues:
        values: FormValues = {}
        for control in self.query(".form-control"):
            name = control.id or ""
            if isinstance(control, Select):
                values[name] = str(control.selection or "")
            elif isinstance(control, Input):
                values[name] = control.value
            elif isinstance(control, TextArea):
                values[name] = control.text
        return values

    @on(Input.Changed)
    @on(Select.Changed)
    @on(TextArea.Changed)
    def _edited(self, event: Input.Changed | Select.Changed | TextArea.Changed) -> None:
        """A field being corrected loses its message."""
        control: Widget = event.control
        field = next((node for node in control.ancestors if isinstance(node, FormField)), None)
        if field is not None and field.has_error:
            field.show_errors([])
        if self._initial:
            self.value_changed(control.id or "", self.values())

    @on(Input.Submitted)
    def _next_field(self) -> None:
        self.focus_next()

    @on(Button.Pressed, "#form-save")
    def action_save(self) -> None:
        if self._saving:
            return
        show_problems(self, [])
        for field in self.query(FormField):
            field.show_errors([])
        self._set_saving(True)
        run_db(
            self,
            self.save_call(self.values()),
            done=self._saved,
            failed=self._save_failed,
            group="settings-form-save",
        )

    def _set_saving(self, saving: bool) -> None:
        self._saving = saving
        self.query_one("#form-save", Button).disabled = saving

    def _saved(self, record: R) -> None:
        safe.notify(self.app, t("ui.settings.saved"))
        self.dismiss(record)

    def _save_failed(self, error: CrmError | DatabaseError, reason: str) -> None:
        self._set_saving(False)
        if not isinstance(error, ValidationError):
            show_problems(self, [reason])
            return
        show_validation(self, error)

    @on(Button.Pressed, "#form-cancel")
    def action_cancel(self) -> None:
        if self._saving:
            return  # the write is under way: its answer decides
        if self.values() == self._initial:
            self.dismiss(None)
            return

        def discard(confirmed: bool | None) -> None:
            if confirmed:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen(
                t("ui.settings.discard_question"),
                confirm_label=t("ui.settings.discard"),
                danger=True,
            ),
            callback=discard,
        )
