"""The terminal UI: `run_app` is what `crm-tui` with no subcommand runs.

The first frame comes before anything touches the database: the list
screen shows at once with "Opening the database…", and a thread worker
connects, migrates, resolves who is acting and where to land (screen pop),
then hands that to the screen. Every later query also runs in a worker.
"""

from __future__ import annotations

import os
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from peewee import DatabaseError
from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Header, Label, Static

from crm_tui import STARTED_AT, i18n
from crm_tui.config import AppOptions
from crm_tui.i18n import t
from crm_tui.screens.interactions import InteractionsScreen, ListScope
from crm_tui.services.contacts import get_contact, get_opportunity
from crm_tui.services.defaults import install_defaults
from crm_tui.services.errors import CrmError, NotFound
from crm_tui.services.listing import get_interaction
from crm_tui.services.records import InteractionFilter, InteractionRecord, UserRecord
from crm_tui.services.text import clean_line
from crm_tui.services.types import list_types
from crm_tui.services.users import resolve_actor
from crm_tui.store import db as store_db
from crm_tui.ui_text import explain, localise_bindings
from crm_tui.widgets import safe

EXIT_CANNOT_START = 1


@dataclass(frozen=True)
class Landing:
    """Where the app opens: the list's scope, an interaction whose detail
    opens at once, and what went wrong with the requested code, if anything."""

    scope: ListScope
    record: InteractionRecord | None = None
    problem: str | None = None


def resolve_landing(options: AppOptions) -> Landing:
    """The screen pop of `--interaction`, `--opportunity` or `--contact`
    (queries: call it from a worker). An unknown code lands on the full
    list with a message, so the app stays usable."""
    try:
        if options.interaction:
            return Landing(ListScope(), record=get_interaction(options.interaction))
        if options.opportunity:
            opportunity = get_opportunity(options.opportunity)
            heading = t("ui.list.opportunity", code=opportunity.code, title=opportunity.title)
            return Landing(ListScope(InteractionFilter(opportunities=(opportunity.code,)), heading))
        if options.contact:
            contact = get_contact(options.contact)
            heading = t("ui.list.contact", code=contact.code, name=contact.name)
            return Landing(ListScope(InteractionFilter(contacts=(contact.code,)), heading))
    except NotFound as error:
        return Landing(ListScope(), problem=error.message())
    return Landing(ListScope())


def key_map(screen: Screen[object]) -> list[tuple[str, str]]:
    """(keys, description) of every binding active on `screen` that has an
    id (ours; Textual's own tab and copy bindings have none), the keys of
    one description joined."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for active in screen.active_bindings.values():
        binding = active.binding
        if binding.id is not None and binding.description:
            grouped[binding.description].append(screen.app.get_key_display(binding))
    # Plain letters first: "q, ^c, ^q", "g, home".
    return [
        (", ".join(sorted(keys, key=len)), description) for description, keys in grouped.items()
    ]


class HelpScreen(ModalScreen[None]):
    """The key map of the screen it was opened from. (App-wide, so it lives
    with the app; the full help screen of the next step replaces it.)"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "ui.key.close", id="close_help")
    ]

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        localise_bindings(self)
        self.keys = keys

    def compose(self) -> ComposeResult:
        with Vertical(id="help") as frame:
            frame.border_title = t("ui.help.title")
            table: DataTable[Text] = DataTable(cursor_type="none", zebra_stripes=True)
            table.add_column(Text(t("ui.help.key")), key="key")
            table.add_column(Text(t("ui.help.action")), key="action")
            for keys, description in self.keys:
                table.add_row(safe.cell(keys, "bold"), safe.cell(description))
            yield table
        yield Footer()

    def action_close(self) -> None:
        self.dismiss(None)


class StartupFailedScreen(Screen[None]):
    """Why the app cannot start (database unreadable, unknown user); any
    key quits with a non-zero exit and the same message on stderr."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="startup-failed"):
            yield Label(safe.plain_line(t("ui.startup.failed")), id="startup-failed-title")
            yield Static(safe.plain(self.reason), id="startup-failed-reason")
            yield Label(safe.plain_line(t("ui.startup.press_key")))

    def on_key(self, event: events.Key) -> None:
        event.stop()
        self.leave()

    def leave(self) -> None:
        self.app.exit(
            return_code=EXIT_CANNOT_START, message=Text(f"crm-tui: {clean_line(self.reason)}")
        )


TERMINAL_CHECK_SECONDS = 1.0


def terminal_gone(fd: int) -> bool:
    """Whether the controlling terminal has hung up (SSH dropped, tmux
    killed). A process started by a wrapper (make, a shell script) gets no
    SIGHUP then and its reads return at once, so without this check it
    would stay behind spinning at 100% CPU on the shared server."""
    try:
        os.tcgetpgrp(fd)
    except OSError:
        return True
    return False


class CrmApp(App[None]):
    """crm-tui. Opens on the interactions list; see `run_app`."""

    TITLE = "crm-tui"
    CSS_PATH = "app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "ui.key.quit", id="quit"),
        Binding("ctrl+c", "quit", "ui.key.quit", show=False, priority=True, id="quit_ctrl_c"),
        Binding("ctrl+q", "quit", "ui.key.quit", show=False, priority=True, id="quit_ctrl_q"),
        Binding("question_mark", "help", "ui.key.help", key_display="?", id="help"),
        Binding("f1", "help", "ui.key.help", show=False, id="help_f1"),
        Binding(
            "ctrl+p", "command_palette", "ui.key.palette", show=False, priority=True, id="palette"
        ),
    ]

    class _Ready(Message):
        def __init__(self, actor: UserRecord, landing: Landing) -> None:
            super().__init__()
            self.actor = actor
            self.landing = landing

    class _StartupFailed(Message):
        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def __init__(self, options: AppOptions) -> None:
        i18n.set_language(options.lang)  # before any screen or binding is made
        super().__init__()
        localise_bindings(self)
        self.options = options
        self.actor: UserRecord | None = None
        self.interactions = InteractionsScreen()
        self.startup_ms: float | None = None

    def _exit_if_terminal_gone(self, fd: int) -> None:
        if terminal_gone(fd):
            # Nothing can be drawn or read any more; leave without the
            # terminal restore, which would only fail writing to it.
            os._exit(129)

    async def on_mount(self) -> None:
        stdin = sys.__stdin__
        if stdin is not None and stdin.isatty():
            self.set_interval(
                TERMINAL_CHECK_SECONDS, partial(self._exit_if_terminal_gone, stdin.fileno())
            )
        if self.console.color_system == "standard":
            # 16 colours (TERM=linux, plain xterm): a truecolour theme would be
            # squeezed into the palette (yellow comes out red); the ANSI theme
            # uses the terminal's own colours.
            self.theme = "ansi-dark"
        self.sub_title = clean_line(self.options.target.describe())
        # Mounted before the worker starts, so the worker's answer always
        # finds the screen it is for.
        await self.push_screen(self.interactions)
        self._open_database()

    def on_ready(self) -> None:
        self.startup_ms = (time.perf_counter() - STARTED_AT) * 1000
        self.log.info(f"first screen in {self.startup_ms:.0f} ms")

    @work(thread=True, exclusive=True, group="startup")
    def _open_database(self) -> None:
        try:
            try:
                store_db.connect(self.options.target)
                if not list_types():
                    install_defaults()  # a new database: the shipped types
                actor = resolve_actor(self.options.username)
                landing = resolve_landing(self.options)
            finally:
                store_db.close()  # this thread's connection; workers open their own
        except (CrmError, DatabaseError) as error:
            where = self.options.target.describe()
            self.post_message(self._StartupFailed(explain(error, where) or str(error)))
            return
        self.post_message(self._Ready(actor, landing))

    @on(_Ready)
    def _database_ready(self, message: _Ready) -> None:
        self.actor = message.actor
        self.sub_title = clean_line(
            f"{self.options.target.describe()} · {message.actor.display_name}"
        )
        landing = message.landing
        self.interactions.scope = landing.scope
        if landing.record is not None:
            from crm_tui.screens.interaction_detail import InteractionDetailScreen

            self.push_screen(InteractionDetailScreen(landing.record))
        if landing.problem:
            safe.notify(self, landing.problem, severity="error", timeout=10)

    @on(_StartupFailed)
    def _startup_failed(self, message: _StartupFailed) -> None:
        self.switch_screen(StartupFailedScreen(message.reason))

    async def action_quit(self) -> None:
        # Quitting from the start-up failure (ctrl+c too) still says it failed.
        if isinstance(self.screen, StartupFailedScreen):
            self.screen.leave()
        else:
            self.exit()

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(key_map(self.screen)))

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            placeholder = t("ui.palette.placeholder")
            self.push_screen(CommandPalette(id="--command-palette", placeholder=placeholder))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The command palette offers what the keys of the current screen do."""
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if (
                binding.id is None
                or not binding.description
                or binding.action == "command_palette"
                or binding.description in seen
            ):
                continue
            seen.add(binding.description)
            yield SystemCommand(
                binding.description,
                t("ui.palette.key", keys=self.get_key_display(binding)),
                partial(self.run_action, binding.action, active.node),
            )


def run_app(options: AppOptions) -> int:
    """Run the TUI until the person quits; the exit code for the shell."""
    app = CrmApp(options)
    app.run()
    return app.return_code or 0
