"""Reassign: pick a person (or the shared pool) from a list that narrows
as a name is typed. The filter box keeps the focus: arrows move the
choice, Enter takes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from peewee import DatabaseError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from crm_tui.i18n import register, t
from crm_tui.screens.base import DialogScreen
from crm_tui.screens.triage import item_name
from crm_tui.services.errors import CrmError
from crm_tui.services.records import InteractionRecord, UserRecord
from crm_tui.services.users import list_users
from crm_tui.services.vocab import fold
from crm_tui.ui_text import localise_bindings
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.key_footer import KeyFooter

register(
    {
        "ui.reassign.title": ("Reassign · {item}", "Reasignar · {item}"),
        "ui.reassign.placeholder": ("Type to filter people", "Escriba para filtrar personas"),
        "ui.reassign.pool": ("Shared pool (nobody)", "Bolsa compartida (nadie)"),
        "ui.reassign.loading": ("Loading people…", "Cargando personas…"),
        "ui.reassign.no_match": ("Nobody matches “{text}”", "Nadie coincide con «{text}»"),
        "ui.reassign.key.choose": ("Choose", "Elegir"),
        "ui.reassign.key.cancel": ("Cancel", "Cancelar"),
        "ui.reassign.key.next": ("Next person", "Siguiente persona"),
        "ui.reassign.key.previous": ("Previous person", "Persona anterior"),
    }
)

POOL_ID = "pool"
USER_PREFIX = "user:"  # usernames never hold a colon, so no id clashes with the pool's


@dataclass(frozen=True)
class Assignee:
    """Who gets the item: a username, or None for the shared pool."""

    username: str | None


def person_label(user: UserRecord) -> str:
    return f"{user.display_name} ({user.username})"


def matches(text: str, label: str) -> bool:
    """Every word typed appears in the label (any case, accents optional)."""
    folded = fold(label)
    return all(word in folded for word in fold(text).split())


class ReassignDialog(DialogScreen[Assignee | None]):
    """Dismissed with the chosen `Assignee`, or None when cancelled. The
    item's current responsible is not offered (choosing them changes
    nothing)."""

    DEFAULT_CSS = """
    ReassignDialog #reassign-dialog {
        max-width: 60;
        margin: 1 2;
    }
    ReassignDialog #reassign-filter {
        margin-bottom: 1;
    }
    ReassignDialog #reassign-people {
        height: auto;
        max-height: 12;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "move(1)", "ui.reassign.key.next", show=False, id="reassign_next"),
        Binding("up", "move(-1)", "ui.reassign.key.previous", show=False, id="reassign_previous"),
        Binding("enter", "choose", "ui.reassign.key.choose", id="reassign_choose"),
        Binding("escape", "cancel", "ui.reassign.key.cancel", id="reassign_cancel"),
    ]

    AUTO_FOCUS = "#reassign-filter"

    def __init__(self, record: InteractionRecord) -> None:
        super().__init__()
        localise_bindings(self)
        self.record = record
        self.people: list[UserRecord] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="reassign-dialog", classes="dialog-frame") as dialog:
            dialog.border_title = safe.plain_line(
                t("ui.reassign.title", item=item_name(self.record))
            )
            yield Input(
                placeholder=t("ui.reassign.placeholder"), id="reassign-filter", compact=True
            )
            yield OptionList(
                Option(safe.plain_line(t("ui.reassign.loading")), disabled=True),
                id="reassign-people",
            )
        yield KeyFooter()

    def on_mount(self) -> None:
        run_db(
            self,
            lambda: list_users(active_only=True),
            done=self._loaded,
            failed=self._failed,
            group="reassign-people",
        )

    @property
    def options(self) -> OptionList:
        return self.query_one("#reassign-people", OptionList)

    def _loaded(self, people: list[UserRecord]) -> None:
        self.people = [person for person in people if person.username != self.record.user]
        self._show_choices()

    def _failed(self, _error: CrmError | DatabaseError, reason: str) -> None:
        self.options.clear_options()
        self.options.add_option(Option(safe.plain_line(reason, "bold"), disabled=True))

    @on(Input.Changed, "#reassign-filter")
    def _show_choices(self) -> None:
        if self.people is None:
            return
        text = self.query_one("#reassign-filter", Input).value
        choices: list[Option] = []
        pool = t("ui.reassign.pool")
        if self.record.user is not None and matches(text, pool):
            choices.append(Option(safe.plain_line(pool, "italic"), id=POOL_ID))
        choices.extend(
            Option(safe.plain_line(person_label(person)), id=f"{USER_PREFIX}{person.username}")
            for person in self.people
            if matches(text, person_label(person))
        )
        if not choices:
            choices.append(
                Option(safe.plain_line(t("ui.reassign.no_match", text=text.strip())), disabled=True)
            )
        self.options.set_options(choices)
        self.options.highlighted = 0 if choices[0].id is not None else None

    def action_move(self, step: int) -> None:
        if step > 0:
            self.options.action_cursor_down()
        else:
            self.options.action_cursor_up()

    @on(Input.Submitted, "#reassign-filter")
    def action_choose(self) -> None:
        index = self.options.highlighted
        if index is None:
            return
        self._choose(self.options.get_option_at_index(index))

    @on(OptionList.OptionSelected, "#reassign-people")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option)

    def _choose(self, option: Option) -> None:
        if option.id is None or option.disabled:
            return
        self.dismiss(
            Assignee(option.id.removeprefix(USER_PREFIX) if option.id != POOL_ID else None)
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
