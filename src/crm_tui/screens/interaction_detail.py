"""The detail of one interaction: every field, its contact (with a
credit-hold warning that reads without colour too) and its opportunity, its
history (comments and reports among the events, newest first: the
activity feed), and what can be done with it: change its status (the
triage keys), comment, edit, delete, export (the last two only for roles
with delete-interaction and export: see `permission_gate`).

Tab moves the keyboard between the fields and the feed; the feed has its
own keys (show more, attachments, delete a comment, older entries).

Opened with a record (from a list) it paints the record at once and then
reads everything fresh; opened with an id (a screen pop) it reads first.
An id that does not exist, or an interaction someone deletes meanwhile,
shows a message instead of the fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import ClassVar

from peewee import DatabaseError
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Header, Static

from crm_tui import clock
from crm_tui.formatting import detail_datetime, stage_label, textual_colour
from crm_tui.i18n import language, register, t
from crm_tui.screens import navigation
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.comment_dialog import interaction_comment_title, open_comment_box
from crm_tui.screens.interaction_actions import confirm_delete, start_edit
from crm_tui.screens.triage import STATUS_BINDINGS, TriageHooks, change_status, undo
from crm_tui.services.comments import CommentRecord, CommentTarget
from crm_tui.services.contacts import get_contact_by_id, get_opportunity_by_id
from crm_tui.services.errors import CrmError, NotFound
from crm_tui.services.listing import get_interaction
from crm_tui.services.permissions import DELETE_INTERACTION, EXPORT
from crm_tui.services.queue import TriageUndo
from crm_tui.services.records import ContactRecord, InteractionRecord, OpportunityRecord
from crm_tui.services.users import find_user
from crm_tui.services.vocab import DIRECTION, KIND, OUTCOME, PRIORITY, STATUS
from crm_tui.widgets import safe
from crm_tui.widgets.activity_feed import ActivityFeed, FeedTarget, comment_option_id
from crm_tui.widgets.background import run_db
from crm_tui.widgets.field_grid import Field, FieldGrid
from crm_tui.widgets.interaction_table import type_parts
from crm_tui.widgets.key_footer import KeyFooter
from crm_tui.widgets.permission_gate import add_refusal_keys, gate_allows, refuse, with_access

register(
    {
        "ui.detail.section.fields": ("Interaction", "Interacción"),
        "ui.detail.section.contact": ("Contact", "Cliente"),
        "ui.detail.section.opportunity": ("Opportunity", "Oportunidad"),
        "ui.detail.section.history": ("History", "Historial"),
        "ui.detail.section.only_comments": (
            "History · only comments",
            "Historial · solo comentarios",
        ),
        "ui.detail.hint.contact": ("{shortcut}: open the contact", "{shortcut}: abrir el cliente"),
        "ui.detail.hint.opportunity": (
            "{shortcut}: open the opportunity",
            "{shortcut}: abrir la oportunidad",
        ),
        "ui.detail.hint.history": (
            "{comment}: comment · {only}: only comments",
            "{comment}: comentar · {only}: solo comentarios",
        ),
        "ui.detail.hint.only_comments": (
            "{comment}: comment · {only}: all",
            "{comment}: comentar · {only}: todo",
        ),
        "ui.detail.no_opportunity": (
            "Not linked to an opportunity",
            "No está vinculada a ninguna oportunidad",
        ),
        "ui.detail.company": ("Company", "Empresa"),
        "ui.detail.phone": ("Phone", "Teléfono"),
        "ui.detail.owner": ("Owner", "Propietario"),
        "ui.detail.stage": ("Stage", "Etapa"),
        "ui.detail.credit_hold": ("Credit hold", "Retención de crédito"),
        "ui.detail.credit_hold_yes": (
            "⚠ YES: do not sell on credit",
            "⚠ SÍ: no vender a crédito",
        ),
        "ui.detail.credit_hold_banner": (
            "⚠ CREDIT HOLD · {name}: do not sell on credit",
            "⚠ RETENCIÓN DE CRÉDITO · {name}: no vender a crédito",
        ),
        "ui.detail.missing": (
            "Interaction {id} does not exist; it may have been deleted.",
            "La interacción {id} no existe; puede que se haya borrado.",
        ),
        "ui.detail.unreadable": (
            "Interaction {id} could not be read: {reason}",
            "No se pudo leer la interacción {id}: {reason}",
        ),
        "ui.detail.key.undo": ("Undo", "Deshacer"),
        "ui.detail.key.edit": ("Edit", "Editar"),
        "ui.detail.key.delete": ("Delete", "Borrar"),
        "ui.detail.key.export": ("Export", "Exportar"),
        "ui.detail.key.opportunity": ("Open the opportunity", "Abrir la oportunidad"),
        "ui.detail.key.contact": ("Open the contact", "Abrir el cliente"),
        "ui.detail.key.comment": ("Comment", "Comentar"),
        "ui.detail.key.only_comments": ("Only comments", "Solo comentarios"),
        "ui.detail.key.back": ("Back", "Volver"),
        "ui.detail.key.scroll_down": ("Scroll down", "Bajar"),
        "ui.detail.key.scroll_up": ("Scroll up", "Subir"),
    }
)

EMPTY = "—"

# From this many columns the sections sit in two columns.
WIDE_FROM = 110


# --- what the screen shows, as (name, value) fields ---------------------------------


def _field_name(key: str) -> str:
    name = t(key)
    return name[:1].upper() + name[1:]


def _code_and_name(code: str | None, name: str | None) -> str:
    return f"{code} · {name}" if code else ""


def _text(value: str | None) -> Content:
    """User text as typed; an empty value shows as a dash."""
    return safe.plain(value) if value and value.strip() else Content(EMPTY)


def _person(username: str | None, names: dict[str, str]) -> Content:
    """`Luis Gómez (luis)`, or a dash for nobody."""
    if not username:
        return Content(EMPTY)
    return _text(f"{names.get(username, username)} ({username})")


def detail_fields(record: InteractionRecord, lang: str, now: datetime) -> list[Field]:
    """(label, value) for every field of the record, in reading order;
    empty values show as a dash."""

    def when(value: datetime | None) -> Content:
        return _text(detail_datetime(value, lang, now))

    def number(value: int | None) -> Content:
        return _text(str(value) if value is not None else None)

    def term(label: Callable[[str, str], str], code: str | None) -> Content:
        return _text(label(code, lang) if code else None)

    label, colour = type_parts(record.type, lang)
    type_content = safe.plain_line(label, textual_colour(colour))
    responsible = (
        f"{record.user_name or record.user} ({record.user})" if record.user else t("ui.pool", lang)
    )
    return [
        (_field_name("ui.detail.id"), _text(str(record.id))),
        (_field_name("field.type"), type_content),
        (_field_name("field.kind"), term(KIND.label, record.kind)),
        (_field_name("field.status"), term(STATUS.label, record.status)),
        (_field_name("field.priority"), term(PRIORITY.label, record.priority)),
        (_field_name("field.direction"), term(DIRECTION.label, record.direction)),
        (_field_name("field.internal"), _text(t("ui.yes" if record.internal else "ui.no", lang))),
        (_field_name("field.subject"), _text(record.subject)),
        (_field_name("field.note"), _text(record.note)),
        (_field_name("field.outcome"), term(OUTCOME.label, record.outcome)),
        (
            _field_name("field.contact"),
            _text(_code_and_name(record.contact_code, record.contact_name)),
        ),
        (
            _field_name("field.opportunity"),
            _text(_code_and_name(record.opportunity_code, record.opportunity_title)),
        ),
        (_field_name("ui.detail.responsible"), _text(responsible)),
        (_field_name("field.created_by"), _text(record.created_by)),
        (_field_name("field.entry_name"), _text(record.entry_name)),
        (_field_name("field.occurred_at"), when(record.occurred_at)),
        (_field_name("field.starts_at"), when(record.starts_at)),
        (_field_name("field.ends_at"), when(record.ends_at)),
        (_field_name("field.follow_up_at"), when(record.follow_up_at)),
        (_field_name("ui.detail.due_at"), when(record.due_at)),
        (_field_name("field.location"), _text(record.location)),
        (_field_name("field.tags"), _text(", ".join(record.tags))),
        (_field_name("ui.detail.recurrence"), _text(record.recurrence)),
        (_field_name("ui.detail.campaign"), number(record.campaign_id)),
        (_field_name("ui.detail.rule"), number(record.rule_id)),
        (_field_name("ui.detail.created_at"), when(record.created_at)),
        (_field_name("ui.detail.updated_at"), when(record.updated_at)),
        (_field_name("ui.detail.version"), number(record.version)),
        (_field_name("ui.detail.uid"), _text(record.uid)),
    ]


def contact_fields(contact: ContactRecord, names: dict[str, str]) -> list[Field]:
    """The contact's card; a credit hold says so in words, not only colour."""
    hold = (
        safe.plain_line(t("ui.detail.credit_hold_yes"), "bold $error")
        if contact.credit_hold
        else Content(t("ui.no"))
    )
    return [
        (_field_name("field.code"), _text(contact.code)),
        (_field_name("field.name"), _text(contact.name)),
        (t("ui.detail.company"), _text(contact.company)),
        (t("ui.detail.phone"), _text(contact.phone)),
        (_field_name("field.email"), _text(contact.email)),
        (t("ui.detail.owner"), _person(contact.owner, names)),
        (t("ui.detail.credit_hold"), hold),
    ]


def opportunity_fields(opportunity: OpportunityRecord) -> list[Field]:
    stage = " · ".join(
        part for part in (stage_label(opportunity.stage), opportunity.sub_stage) if part
    )
    return [
        (_field_name("field.code"), _text(opportunity.code)),
        (_field_name("field.title"), _text(opportunity.title)),
        (t("ui.detail.stage"), _text(stage)),
    ]


def summary(record: InteractionRecord, lang: str) -> Content:
    """The line at the top: which interaction, its type, status and subject."""
    label, colour = type_parts(record.type, lang)
    parts: list[Content | str | tuple[str, str]] = [
        (t("ui.detail.title", lang, id=record.id), "bold"),
        " · ",
        safe.plain_line(label, textual_colour(colour)),
        " · ",
        (STATUS.label(record.status, lang), "bold"),
    ]
    if record.subject.strip():
        parts += [" · ", safe.plain_line(record.subject)]
    return Content.assemble(*parts)


# --- reading it ---------------------------------------------------------------------


@dataclass(frozen=True)
class DetailData:
    """Everything the screen shows, read in one worker."""

    record: InteractionRecord
    contact: ContactRecord
    opportunity: OpportunityRecord | None
    names: dict[str, str]  # username -> display name, for the contact's owner


def owner_names(contact: ContactRecord) -> dict[str, str]:
    """The display name of the contact's owner, by username."""
    owner = find_user(contact.owner) if contact.owner else None
    return {owner.username: owner.display_name} if owner is not None else {}


def read_detail(interaction_id: int) -> DetailData | None:
    """Everything the screen shows (queries: run it in a worker); None when
    there is no such interaction."""
    try:
        record = get_interaction(interaction_id)
    except NotFound:
        return None
    contact = get_contact_by_id(record.contact_id)
    opportunity = (
        get_opportunity_by_id(record.opportunity_id) if record.opportunity_id is not None else None
    )
    return DetailData(
        record=record, contact=contact, opportunity=opportunity, names=owner_names(contact)
    )


# --- the screen ---------------------------------------------------------------------

# Actions that need the interaction on screen (not while loading or missing).
RECORD_ACTIONS = frozenset(
    {
        "set_status",
        "edit",
        "delete",
        "export",
        "open_contact",
        "open_opportunity",
        "comment",
        "toggle_only_comments",
    }
)
# Actions that need a permission: hidden without it (see permission_gate).
GATES = {"delete": DELETE_INTERACTION, "export": EXPORT}


class InteractionDetailScreen(CrmScreen[None]):
    """One interaction in full; `q` or Escape goes back."""

    DEFAULT_CSS = """
    InteractionDetailScreen #detail-body {
        height: 1fr;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    InteractionDetailScreen #detail-summary {
        background: $panel;
        padding: 0 1;
    }
    InteractionDetailScreen #detail-credit-hold {
        display: none;
        background: $error;
        color: $text;
        text-style: bold;
        padding: 0 1;
    }
    InteractionDetailScreen #detail-credit-hold.-on-hold {
        display: block;
    }
    InteractionDetailScreen #detail-problem {
        display: none;
        margin-top: 1;
        color: $error;
        text-style: bold;
    }
    InteractionDetailScreen.-missing #detail-problem {
        display: block;
    }
    InteractionDetailScreen.-missing #detail-sections {
        display: none;
    }
    InteractionDetailScreen #detail-sections {
        height: auto;
    }
    InteractionDetailScreen #detail-main, InteractionDetailScreen #detail-side {
        height: auto;
    }
    /* Wide enough for two columns: the fields on the left; the contact
       and the history beside them, in view without scrolling. */
    InteractionDetailScreen.-wide #detail-sections {
        layout: horizontal;
    }
    InteractionDetailScreen.-wide #detail-main {
        width: 4fr;
    }
    InteractionDetailScreen.-wide #detail-side {
        width: 3fr;
        margin-left: 2;
    }
    InteractionDetailScreen .section-heading {
        margin-top: 1;
        color: $accent;
        text-style: bold;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    InteractionDetailScreen .section-note {
        color: $text-muted;
        text-style: italic;
    }
    /* As tall as its entries: the body scrolls, not the feed. */
    InteractionDetailScreen #detail-feed {
        max-height: initial;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *STATUS_BINDINGS,
        Binding("u", "undo", "ui.detail.key.undo", id="undo"),
        Binding("e", "edit", "ui.detail.key.edit", id="edit"),
        Binding("delete", "delete", "ui.detail.key.delete", id="delete"),
        Binding("x", "export", "ui.detail.key.export", id="export"),
        Binding("c", "comment", "ui.detail.key.comment", id="comment"),
        Binding("O", "open_opportunity", "ui.detail.key.opportunity", id="open_opportunity"),
        Binding("C", "open_contact", "ui.detail.key.contact", id="open_contact"),
        Binding("v", "toggle_only_comments", "ui.detail.key.only_comments", id="only_comments"),
        Binding("r", "refresh", "ui.key.refresh", show=False, id="refresh"),
        Binding("j", "scroll_body(1)", "ui.detail.key.scroll_down", show=False, id="scroll_down"),
        Binding("k", "scroll_body(-1)", "ui.detail.key.scroll_up", show=False, id="scroll_up"),
        Binding("escape", "app.back", "ui.detail.key.back", show=False, id="close"),
    ]

    AUTO_FOCUS = "#detail-body"
    # Not annotated ClassVar: Textual declares it `ClassVar[...] | None`,
    # which mypy takes for an instance variable that a ClassVar cannot override.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (WIDE_FROM, "-wide")]  # noqa: RUF012

    def __init__(self, interaction: InteractionRecord | int) -> None:
        super().__init__()
        add_refusal_keys(self, GATES)
        self.record: InteractionRecord | None = None
        if isinstance(interaction, InteractionRecord):
            self.record, self.interaction_id = interaction, interaction.id
        else:
            self.interaction_id = interaction
        self._undo: TriageUndo | None = None

    # -- building ----------------------------------------------------------------------

    def _key_of(self, binding_id: str) -> str:
        """The key of one of this screen's bindings, as the footer shows it."""
        for bindings in self._bindings.key_to_bindings.values():
            for binding in bindings:
                if binding.id == binding_id:
                    return self.app.get_key_display(binding)
        return "?"

    def _heading(self, title_key: str, hint: str = "") -> Content:
        title = Content.styled(t(title_key), "bold")
        return Content.assemble(title, ("   " + hint, "dim not bold")) if hint else title

    def compose(self) -> ComposeResult:
        lang, now = language(), clock.now()
        record = self.record
        yield Header()
        with VerticalScroll(id="detail-body"):
            loading = Content(t("ui.status.loading"))
            yield Static(summary(record, lang) if record else loading, id="detail-summary")
            yield Static(id="detail-credit-hold")
            yield Static(id="detail-problem")
            with Vertical(id="detail-sections"):
                with Vertical(id="detail-main"):
                    yield Static(
                        self._heading("ui.detail.section.fields"), classes="section-heading"
                    )
                    yield FieldGrid(
                        detail_fields(record, lang, now) if record else (), id="detail-fields"
                    )
                with Vertical(id="detail-side"):
                    yield from self._compose_side()
        yield KeyFooter()

    def _compose_side(self) -> ComposeResult:
        """What the interaction hangs from and what was said and done about it."""
        contact_hint = t("ui.detail.hint.contact", shortcut=self._key_of("open_contact"))
        yield Static(
            self._heading("ui.detail.section.contact", contact_hint), classes="section-heading"
        )
        yield FieldGrid(id="detail-contact")
        yield Static(id="detail-opportunity-heading", classes="section-heading")
        yield Static(id="detail-no-opportunity", classes="section-note")
        yield FieldGrid(id="detail-opportunity")
        yield Static(id="detail-feed-heading", classes="section-heading")
        yield ActivityFeed(FeedTarget(interaction_id=self.interaction_id), id="detail-feed")

    def on_mount(self) -> None:
        self._show_feed_heading()
        self._show_opportunity_heading()

    @property
    def body(self) -> VerticalScroll:
        return self.query_one("#detail-body", VerticalScroll)

    # -- reading -------------------------------------------------------------------------

    @property
    def feed(self) -> ActivityFeed:
        return self.query_one(ActivityFeed)

    def load_data(self, *, first: bool) -> None:
        with_access(self)
        run_db(
            self,
            partial(read_detail, self.interaction_id),
            done=self._show_data,
            failed=self._read_failed,
            group="interaction-detail",
        )
        self.feed.reload()

    def _read_failed(self, _error: CrmError | DatabaseError, reason: str) -> None:
        if self.record is None:
            self._show_problem(t("ui.detail.unreadable", id=self.interaction_id, reason=reason))
        safe.notify(self.app, reason, severity="error")

    # -- showing -------------------------------------------------------------------------

    def _show_data(self, data: DetailData | None) -> None:
        if data is None:
            self._show_missing()
            return
        self._show_record(data.record)
        contact = data.contact
        banner = self.query_one("#detail-credit-hold", Static)
        banner.update(safe.plain_line(t("ui.detail.credit_hold_banner", name=contact.name)))
        banner.set_class(contact.credit_hold, "-on-hold")
        self.query_one("#detail-contact", FieldGrid).show(contact_fields(contact, data.names))
        opportunity = data.opportunity
        self.query_one("#detail-opportunity", FieldGrid).show(
            opportunity_fields(opportunity) if opportunity else ()
        )
        self._show_opportunity_heading()

    def _show_record(self, record: InteractionRecord) -> None:
        """The interaction's own fields (after a read, a triage action, an edit)."""
        self.record = record
        lang = language()
        self.remove_class("-missing")
        self.query_one("#detail-summary", Static).update(summary(record, lang))
        self.query_one("#detail-fields", FieldGrid).show(detail_fields(record, lang, clock.now()))
        self.refresh_bindings()

    def _show_opportunity_heading(self) -> None:
        linked = self.record is not None and self.record.opportunity_code is not None
        hint = t("ui.detail.hint.opportunity", shortcut=self._key_of("open_opportunity"))
        self.query_one("#detail-opportunity-heading", Static).update(
            self._heading("ui.detail.section.opportunity", hint if linked else "")
        )
        note = self.query_one("#detail-no-opportunity", Static)
        note.update(Content(t("ui.detail.no_opportunity")))
        note.display = self.record is not None and not linked

    def _show_feed_heading(self) -> None:
        only = self.feed.only_comments
        hint = t(
            "ui.detail.hint.only_comments" if only else "ui.detail.hint.history",
            comment=self._key_of("comment"),
            only=self._key_of("only_comments"),
        )
        title = "ui.detail.section.only_comments" if only else "ui.detail.section.history"
        self.query_one("#detail-feed-heading", Static).update(self._heading(title, hint))

    def _show_missing(self) -> None:
        self._show_problem(t("ui.detail.missing", id=self.interaction_id))

    def _show_problem(self, message: str) -> None:
        """Instead of the fields: why there are none."""
        self.record = None
        self._undo = None
        self.query_one("#detail-summary", Static).update(
            Content.styled(t("ui.detail.title", id=self.interaction_id), "bold")
        )
        self.query_one("#detail-credit-hold", Static).remove_class("-on-hold")
        self.query_one("#detail-problem", Static).update(safe.plain(message))
        self.add_class("-missing")
        self.refresh_bindings()

    # -- keys ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not gate_allows(self, GATES, action, parameters):
            return False
        if action in RECORD_ACTIONS and self.record is None:
            return False
        if action == "open_opportunity":
            return self.record is not None and self.record.opportunity_code is not None
        if action == "undo":
            return self._undo is not None
        return True

    def action_refuse(self, permission: str) -> None:
        refuse(self, permission)

    def action_set_status(self, status: str) -> None:
        if self.record is not None:
            hooks = TriageHooks(stale=self._stale, undo_key=self._key_of("undo"))
            change_status(self, self.record, status, self._triaged, hooks)

    def _triaged(self, after: InteractionRecord, change: TriageUndo) -> None:
        self._undo = change
        self._changed(after)

    def _changed(self, after: InteractionRecord) -> None:
        """Show the changed record now; its history comes with the reload."""
        self._show_record(after)
        self.refresh_if_stale()

    def _stale(self, current: InteractionRecord | None) -> None:
        """A triage action was refused: someone changed or deleted it."""
        self._undo = None
        if current is None:
            self._show_missing()
        else:
            self._changed(current)

    def action_undo(self) -> None:
        change, self._undo = self._undo, None
        self.refresh_bindings()
        if change is not None:
            undo(self, change, self._changed, TriageHooks(stale=self._stale))

    def action_edit(self) -> None:
        if self.record is not None:
            start_edit(self, self.record, self._edited)

    def _edited(self, saved: InteractionRecord) -> None:
        self._undo = None  # the undo would put back what the edit just saved
        self._changed(saved)

    def action_delete(self) -> None:
        if self.record is not None:
            confirm_delete(self, self.record, lambda _gone: self._leave())

    def _leave(self) -> None:
        # Only when still in front: a person who went elsewhere meanwhile
        # finds "does not exist" here when coming back.
        if self.app.screen is self:
            self.dismiss(None)

    def action_export(self) -> None:
        """`x`: this interaction, with its comments and history, to a file."""
        if self.record is not None:
            from crm_tui.screens.export_dialog import ExportDialog

            self.app.push_screen(ExportDialog(self.record.id))

    def action_open_opportunity(self) -> None:
        if self.record is not None and self.record.opportunity_code is not None:
            navigation.open_opportunity(self.app, self.record.opportunity_code)

    def action_open_contact(self) -> None:
        if self.record is not None:
            navigation.open_contact(self.app, self.record.contact_code)

    def action_comment(self) -> None:
        if self.record is not None:
            target = CommentTarget(interaction_id=self.record.id)
            title = interaction_comment_title(self.record)
            open_comment_box(self, target, title, self._posted)

    def _posted(self, comment: CommentRecord) -> None:
        """The new comment at the top of the feed, highlighted."""
        self.feed.reload(highlight=comment_option_id(comment))
        self.feed.focus()

    def action_toggle_only_comments(self) -> None:
        self.feed.only_comments = not self.feed.only_comments
        self._show_feed_heading()

    def action_refresh(self) -> None:
        self.load_data(first=False)

    def action_scroll_body(self, lines: int) -> None:
        self.body.scroll_relative(y=lines, animate=False)
