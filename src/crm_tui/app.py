"""The terminal UI: `run_app` is what `crm-tui` with no subcommand runs.

The first frame comes before anything touches the database: the first
screen shows at once with "Opening the database…", and a thread worker
connects, migrates, resolves who is acting and where to land (screen pop),
reads what a screen pop's party screen shows first, then hands that to
the screen. Every later query also runs in a worker. Under a screen pop
the main screen below is built only when first seen (`CoveredMainScreen`).
No garbage collection runs until the first screen is up (`idle_gc`).

The main screens (My queue, upcoming events, all interactions, contacts,
opportunities, notifications) are modes, each with its own stack: a number
key (and `N` for the notifications) switches between them and `q` goes back
within one.

Once the first screen shows its rows a watcher
(`services.changes.watch_changes`) hears of every commit made elsewhere as
it happens (a first look catches those since the database opened), and
the app then looks at what changed: every screen reloads when next shown,
and the screen in front at once (within half a second) when the change is
someone else's (another agent, a script, the program) or a new
notification. The app's own writes are already on screen, and reloading
under the agent's keys could bring back a row that a reload read just
before their change. A look every
`FALLBACK_POLL_SECONDS` covers a wake-up that went missing; a watcher that
cannot start leaves a look every `POLL_SECONDS`. The looks also keep the
count of unread notifications in the header, and once a minute one writes
the actor's due reminders.

With `CRM_TUI_DEBUG=1` the app appends to a debug log (`debug_log_path`)
how long it took to start: from the first import of the package to the
first frame painted with the rows of the first screen, of which the
imports up to building the app; and, when it quits, how long its lists
took from a key to the new rows (next page, filter change, search).
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from peewee import DatabaseError
from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import Screen
from textual.theme import Theme
from textual.widget import Widget
from textual.widgets import Header, Label, Static

from crm_tui import STARTED_AT, clock, i18n
from crm_tui.config import AppOptions
from crm_tui.i18n import register, t
from crm_tui.idle_gc import HOLD_SECONDS, IDLE_SECONDS, IdleCollector
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.covered_main import CoveredMainScreen
from crm_tui.screens.navigation import open_interaction
from crm_tui.services.changes import ChangeMarker, Changes, check_for_changes, watch_changes
from crm_tui.services.defaults import install_defaults
from crm_tui.services.errors import CrmError, NotFound
from crm_tui.services.listing import get_interaction
from crm_tui.services.records import InteractionRecord, UserRecord
from crm_tui.services.text import clean_line
from crm_tui.services.types import list_types
from crm_tui.services.users import resolve_actor
from crm_tui.settings import load_settings, save_theme
from crm_tui.store import db as store_db
from crm_tui.ui_text import explain, localise_bindings
from crm_tui.upgrade_notice import notify_upgrade
from crm_tui.widgets import safe
from crm_tui.widgets.background import run_db
from crm_tui.widgets.focus_promise import FocusPromise
from crm_tui.widgets.list_timing import ListTimings

if TYPE_CHECKING:
    from textual.timer import Timer

    from crm_tui.screens.party import PartyRead, PartyScreen
    from crm_tui.services.chores import ChoresDone
    from crm_tui.store.change_watch import ChangeWatcher

register(
    {
        "ui.mode.notifications": ("Notifications", "Notificaciones"),
        "ui.mode.calendar": ("Calendar", "Calendario"),
        "ui.mode.campaigns": ("Campaigns", "Campañas"),
        "ui.mode.settings": ("Settings", "Ajustes"),
        # After the program's name in the header; a sign and a word, so it
        # reads without colour.
        "ui.header.unread": ("🔔 {count} unread", "🔔 {count} sin leer"),
    }
)

EXIT_CANNOT_START = 1
# How often the app looks for changes made elsewhere without a watcher and
# with one (in case a wake-up was lost), writes due reminders, and runs the
# chores (time-based rules, outbox); tests change them.
POLL_SECONDS = 2.0
FALLBACK_POLL_SECONDS = 10.0
REMINDER_SECONDS = 60.0
CHORES_SECONDS = 60.0
CHORES_FIRST_SECONDS = 3.0
# Live updates start with the first screen's rows, or this long after the
# database opened on a screen without a list.
LIVE_UPDATES_AFTER_SECONDS = 1.0
DEBUG_ENV = "CRM_TUI_DEBUG"


@dataclass(frozen=True)
class Landing:
    """Where the app opens (screen pop): the screen to open over the main
    screen, with what it shows first already read, and what went wrong
    with the requested code, if anything."""

    party: PartyRead[Any] | None = None
    """What the party screen of `--opportunity` or `--contact` shows first."""
    interaction: InteractionRecord | None = None
    problem: str | None = None


PartyScreenPop = tuple["type[PartyScreen[Any]]", str]
"""The party screen a screen pop opens, and the code asked for."""


def party_screen_pop(options: AppOptions) -> PartyScreenPop | None:
    """The screen of `--opportunity` or `--contact`. Imports its module:
    call it on the UI thread before the database opens (see `on_mount`)."""
    if options.opportunity:
        from crm_tui.screens.timeline import TimelineScreen

        return TimelineScreen, options.opportunity
    if options.contact:
        from crm_tui.screens.contact import ContactScreen

        return ContactScreen, options.contact
    return None


START_MODE = "queue"


def resolve_landing(options: AppOptions, party_pop: PartyScreenPop | None) -> Landing:
    """The screen pop of `--interaction`, or of `--opportunity` or
    `--contact` (`party_pop`), with queries: call it from a worker. What
    a party screen shows first (the party, its first page) is read here,
    beside the database's opening, so that its first frame has the rows,
    instead of after two round trips of its own (the party, then the
    page). An unknown code lands on the list it would have opened from
    (opportunities, contacts, all interactions) with a message, so the
    agent can look for the right one."""
    try:
        if options.interaction:
            interaction = get_interaction(options.interaction)
            return Landing(interaction=interaction)
        if party_pop is not None:
            screen, code = party_pop
            return Landing(party=screen.read_ahead(code))
    except NotFound as error:
        return Landing(problem=error.message())
    return Landing()


def _main_screen(module: str, name: str) -> Callable[[], Screen[Any]]:
    """A main screen, imported the first time it is shown."""

    def make() -> Screen[Any]:
        screen: Screen[Any] = getattr(importlib.import_module(module), name)()
        return screen

    return make


# The main screens, each a mode of its own (its own stack of screens opened
# from it), reached from anywhere with its number key.
MAIN_SCREENS: tuple[tuple[str, str, str, str], ...] = (
    ("queue", "crm_tui.screens.queue", "QueueScreen", "ui.mode.queue"),
    ("events", "crm_tui.screens.events", "EventsScreen", "ui.mode.events"),
    ("interactions", "crm_tui.screens.interactions", "InteractionsScreen", "ui.mode.interactions"),
    ("contacts", "crm_tui.screens.contacts", "ContactsScreen", "ui.mode.contacts"),
    (
        "opportunities",
        "crm_tui.screens.opportunities",
        "OpportunitiesScreen",
        "ui.mode.opportunities",
    ),
    (
        "notifications",
        "crm_tui.screens.notifications",
        "NotificationsScreen",
        "ui.mode.notifications",
    ),
    ("calendar", "crm_tui.screens.calendar", "CalendarScreen", "ui.mode.calendar"),
    ("campaigns", "crm_tui.screens.campaigns", "CampaignsScreen", "ui.mode.campaigns"),
    ("settings", "crm_tui.screens.settings", "SettingsScreen", "ui.mode.settings"),
)


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
# How long a thread holds the GIL while another waits for it (see CrmApp).
WORKER_TURN_SECONDS = 0.001


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


def debug_log_path() -> Path | None:
    """Where debug mode writes (`CRM_TUI_DEBUG` set to anything but 0 or
    nothing): `debug.log` in the user's state folder; None when off."""
    if os.environ.get(DEBUG_ENV, "").strip() in ("", "0"):
        return None
    from platformdirs import user_state_path

    return user_state_path("crm-tui", appauthor=False) / "debug.log"


class CrmApp(App[None]):
    """crm-tui. Opens on My queue, or where a screen pop asks; see `run_app`."""

    TITLE = "crm-tui"
    CSS_PATH = "app.tcss"
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        mode: _main_screen(module, name) for mode, module, name, _label in MAIN_SCREENS
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "back", "ui.key.back", id="back"),
        Binding("ctrl+c", "quit", "ui.key.quit", show=False, priority=True, id="quit_ctrl_c"),
        Binding("ctrl+q", "quit", "ui.key.quit", show=False, priority=True, id="quit_ctrl_q"),
        Binding("question_mark", "help", "ui.key.help", key_display="?", id="help"),
        Binding("f1", "help", "ui.key.help", show=False, id="help_f1"),
        Binding(
            "ctrl+p", "command_palette", "ui.key.palette", show=False, priority=True, id="palette"
        ),
        *(
            Binding(str(number), f"switch_mode('{mode}')", label, show=False, id=f"mode_{mode}")
            for number, (mode, _module, _name, label) in enumerate(MAIN_SCREENS, start=1)
        ),
        Binding(
            "N",
            "switch_mode('notifications')",
            "ui.mode.notifications",
            show=False,
            id="notifications",
        ),
    ]

    class _Ready(Message):
        def __init__(self, actor: UserRecord, landing: Landing, marker: ChangeMarker) -> None:
            super().__init__()
            self.actor = actor
            self.landing = landing
            self.marker = marker
            """The database as it was opened, before any screen read it."""

    class _StartupFailed(Message):
        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    class _ChangesCommitted(Message):
        """From the watcher's thread: someone committed; look now."""

    class _WatcherFailed(Message):
        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def __init__(self, options: AppOptions) -> None:
        self._built_at = time.perf_counter()
        # A worker's query lets go of the GIL for every row SQLite steps to,
        # and takes it back only when the UI thread (painting the frame a key
        # caused) hands it over: by default after 5 ms each time. A 3 ms
        # page took 58 ms (max 460) beside a busy UI thread, 10 ms with 1 ms
        # turns (`python bench/gil_convoy.py DB`).
        sys.setswitchinterval(WORKER_TURN_SECONDS)
        i18n.set_language(options.lang)  # before any screen or binding is made
        super().__init__()
        localise_bindings(self)
        self.options = options
        self.actor: UserRecord | None = None
        self.data_version = 0
        self.view_state: dict[str, Any] = {}
        """What a screen remembers while the app runs (its filters), by key."""
        self.startup_ms: float | None = None
        """From the package's import to the first frame with rows in it."""
        self.debug_log = debug_log_path()
        self.list_timings = ListTimings(
            enabled=self.debug_log is not None, first_rows=self._first_rows_applied
        )
        """Key-to-rows latencies of the lists (on in debug mode and in the bench)."""
        self.focus_promise = FocusPromise()
        """A list's focus that comes with its rows or the next key."""
        self.idle_collector = IdleCollector()
        """Full garbage collections in the person's pauses."""
        self._saved_theme: str | None = None
        self.unread = 0
        """The actor's unread notifications, as the header shows them."""
        self._marker: ChangeMarker | None = None
        self._refreshed = False  # the last look reloaded the screen in front
        self._polling = False
        self._poll_again = False
        self._watcher: ChangeWatcher | None = None
        self._poll_timer: Timer | None = None
        self._reminders_due = 0.0  # time.monotonic() of the next reminder run
        self._watching = False  # live updates started (`_start_live_updates`)
        self._doing_chores = False

    def data_changed(self) -> None:
        """Something was written: every screen reloads when next shown."""
        self.data_version += 1

    # -- live updates -----------------------------------------------------------------

    def _start_live_updates(self) -> None:
        """Once the first screen shows its rows (or after
        `LIVE_UPDATES_AFTER_SECONDS`): the watcher, and the first look,
        which writes due reminders and compares with the database as it
        was opened. Before, the watcher's connection and the reminders'
        write would hold up that screen."""
        actor = self.actor
        if actor is None or self._watching:
            return
        self._watching = True
        self._watch_changes(actor)
        self.poll_changes()

    def _watch_changes(self, actor: UserRecord) -> None:
        """Look whenever the watcher hears of a commit, now and then in
        case it missed one, and when reminders are due."""
        self._watcher = watch_changes(
            actor.id,
            wake=lambda: self.post_message(self._ChangesCommitted()),
            failed=lambda reason: self.post_message(self._WatcherFailed(reason)),
        )
        self._poll_every(FALLBACK_POLL_SECONDS)
        self.set_interval(REMINDER_SECONDS, self._remind, name="reminders")

    def _remind(self) -> None:
        self._reminders_due = 0.0
        self.poll_changes()

    def _poll_every(self, seconds: float) -> None:
        if self._poll_timer is not None:
            self._poll_timer.stop()
        self._poll_timer = self.set_interval(seconds, self.poll_changes, name="changes")

    @on(_ChangesCommitted)
    def _changes_committed(self) -> None:
        self.poll_changes()

    @on(_WatcherFailed)
    def _watcher_failed(self, message: _WatcherFailed) -> None:
        self.log.warning(
            f"cannot watch for changes ({message.reason}); looking every {POLL_SECONDS} s"
        )
        self._watcher = None
        self._poll_every(POLL_SECONDS)

    def on_unmount(self) -> None:
        self.idle_collector.stop()
        if self._watcher is not None:
            self._watcher.stop()
        store_db.close_kept_connections()
        for kind, summary in self.list_timings.summary().items():
            self._write_debug(f"key to rows, {kind.replace('_', ' ')}: {summary.describe()}")

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent) and not event.is_forwarded:
            self.list_timings.input_received(event)
            self.idle_collector.input_received()
            if isinstance(event, events.Key):
                self.focus_promise.key_arrived()
        await super().on_event(event)

    def _first_rows_applied(self, table: Widget) -> bool:
        """Whether these are the first screen's first rows (a list on the
        screen in front; a screen pop's list, not the one under it)."""
        if table.screen is not self.screen:
            return False
        # The rows are in the table; the frame that paints them comes next.
        self.call_after_refresh(self._first_frame_with_rows)
        return True

    def _first_frame_with_rows(self) -> None:
        painted = time.perf_counter()
        self.startup_ms = (painted - STARTED_AT) * 1000
        imports_ms = (self._built_at - STARTED_AT) * 1000
        line = (
            f"started in {self.startup_ms:.0f} ms (import {imports_ms:.0f} ms, "
            f"first frame {self.startup_ms - imports_ms:.0f} ms)"
        )
        self.log.info(line)
        self._write_debug(line)
        self.idle_collector.start()
        self._start_live_updates()

    def _write_debug(self, line: str) -> None:
        """Append `line` to the debug log, when debug mode is on."""
        if self.debug_log is None:
            return
        stamp = datetime.now().isoformat(timespec="seconds")
        try:
            self.debug_log.parent.mkdir(parents=True, exist_ok=True)
            with self.debug_log.open("a", encoding="utf-8") as log:
                log.write(f"{stamp} {line}\n")
        except OSError as error:
            self.log.warning(f"cannot write the debug log {self.debug_log}: {error}")

    def poll_changes(self) -> None:
        """Look for changes now (the watcher asks when someone commits), and
        write the actor's due reminders when a minute has passed. One look
        at a time: asked while one runs, another follows it, so what a
        screen just wrote is counted."""
        actor = self.actor
        if actor is None:
            return
        if self._polling:
            self._poll_again = True
            return
        self._polling = True
        remind = time.monotonic() >= self._reminders_due
        run_db(
            self,
            partial(
                check_for_changes,
                actor.id,
                self._marker,
                remind_at=clock.now() if remind else None,
            ),
            done=partial(self._changes_seen, remind),
            failed=self._poll_failed,
            group="changes",
            exclusive=False,
        )

    def _changes_seen(self, reminded: bool, changes: Changes) -> None:
        if reminded:
            self._reminders_due = time.monotonic() + REMINDER_SECONDS
        marker = changes.marker
        previous, self._marker = self._marker, marker
        self._show_unread(marker.unread)
        # The first look compares with the marker read as the database
        # opened, before any screen read it: a change in between is news.
        if previous is None or marker == previous:
            self._refreshed = False
        else:
            self.data_changed()
            news = changes.by_others or marker.newest_unread > previous.newest_unread
            # After a reload, one more for the agent's own change: that
            # reload may have read just before it and shown the row as it was.
            if news or self._refreshed:
                self._refresh_front()
                self._refreshed = True
        self._poll_done()

    def do_chores(self) -> None:
        """Run the time-based rules and send the outbox (see
        `services.chores`), one run at a time."""
        if self.actor is None or self._doing_chores:
            return
        # Imported here: the rules and the mailer load after the first screen.
        from crm_tui.services.chores import run_chores

        self._doing_chores = True
        run_db(
            self,
            partial(run_chores, clock.now()),
            done=self._chores_done,
            failed=self._chores_failed,
            group="chores",
            exclusive=False,
        )

    def _chores_done(self, done: ChoresDone) -> None:
        self._doing_chores = False
        if done.mail is not None and done.mail.problem:
            # Quietly: the messages stay queued and the next minute retries;
            # `crm-tui outbox list` says why.
            self.log.warning(f"sending e-mail: {done.mail.problem}")
        if done.wrote:
            self.poll_changes()

    def _chores_failed(self, _error: CrmError | DatabaseError, reason: str) -> None:
        self._doing_chores = False
        self.log.warning(f"automatic rules and e-mail: {reason}")

    def _refresh_front(self) -> None:
        screen = self.screen
        if not isinstance(screen, CrmScreen):
            return  # a dialog: the screen under it reloads when it closes
        screen.refresh_if_stale()

    def _poll_failed(self, _error: CrmError | DatabaseError, reason: str) -> None:
        # A busy or unreachable database: skip this look, quietly (a toast
        # on every look would bury the screen); the next one retries.
        self.log.warning(f"looking for changes failed: {reason}")
        self._poll_done()

    def _poll_done(self) -> None:
        self._polling = False
        if self._poll_again:
            self._poll_again = False
            self.poll_changes()

    def _show_unread(self, count: int) -> None:
        self.unread = count
        self.title = f"{self.TITLE} · {t('ui.header.unread', count=count)}" if count else self.TITLE

    def _exit_if_terminal_gone(self, fd: int) -> None:
        if terminal_gone(fd):
            # Nothing can be drawn or read any more; leave without the
            # terminal restore, which would only fail writing to it.
            os._exit(129)

    def on_load(self) -> None:
        # Here, not in __init__: an app that is made but never run would
        # leave collections off.
        self.idle_collector.hold()
        self.set_timer(HOLD_SECONDS, self.idle_collector.start, name="collections resume")

    async def on_mount(self) -> None:
        self.set_interval(IDLE_SECONDS, self.idle_collector.tick, name="idle collection")
        stdin = sys.__stdin__
        if stdin is not None and stdin.isatty():
            self.set_interval(
                TERMINAL_CHECK_SECONDS, partial(self._exit_if_terminal_gone, stdin.fileno())
            )
        if self.console.color_system == "standard":
            # 16 colours (TERM=linux, plain xterm): a truecolour theme would be
            # squeezed into the palette (yellow comes out red); the ANSI theme
            # uses the terminal's own colours. The theme chosen on a richer
            # terminal stays saved for it.
            self.theme = "ansi-dark"
        else:
            self._saved_theme = load_settings().theme
            if self._saved_theme in self.available_themes:
                self.theme = self._saved_theme
            self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.sub_title = clean_line(self.options.target.describe())
        # The database opens while the first screen is built and painted.
        # Its answer is a message, handled after this handler: the screen a
        # screen pop lands on (known before the database is open) is there
        # for it, showing "Opening the database…" meanwhile. A party
        # screen's module is imported first, here: imported by the thread
        # that reads what it shows, both threads took turns importing and
        # the bench's first frame came 50 ms later.
        self._open_database(party_screen_pop(self.options))
        mode = requested_mode(self.options)
        if is_screen_pop(self.options):
            self._cover_main_screen(mode)
        await self.switch_mode(mode)

    def _cover_main_screen(self, mode: str) -> None:
        """Start `mode` with a stand-in that builds its main screen when
        first seen (see `CoveredMainScreen`)."""
        build = self.MODES[mode]
        assert callable(build)
        self.remove_mode(mode)  # not shown yet: nothing to remove but the name
        self.add_mode(mode, partial(CoveredMainScreen, build))

    def _remember_theme(self, theme: Theme) -> None:
        if theme.name != self._saved_theme:  # not when the saved one is applied
            save_theme(theme.name)
            self._saved_theme = theme.name

    def action_change_theme(self) -> None:
        """The theme picker, in the user's language."""
        from textual.command import CommandPalette
        from textual.theme import ThemeProvider

        placeholder = t("ui.palette.theme_placeholder")
        self.push_screen(CommandPalette(providers=[ThemeProvider], placeholder=placeholder))

    @work(thread=True, exclusive=True, group="startup")
    def _open_database(self, party_pop: PartyScreenPop | None) -> None:
        try:
            try:
                db = store_db.connect(
                    self.options.target,
                    upgraded=partial(notify_upgrade, self),
                    reuse_seconds=store_db.APP_IDLE_CONNECTION_SECONDS,
                )
                store_db.use_app_page_cache(db)
                if not list_types():
                    install_defaults()  # a new database: the shipped types
                actor = resolve_actor(self.options.username)
                landing = resolve_landing(self.options, party_pop)
                marker = check_for_changes(actor.id).marker
            finally:
                store_db.close()  # this thread's connection; kept for the workers
        except (CrmError, DatabaseError) as error:
            where = self.options.target.describe()
            self.post_message(self._StartupFailed(explain(error, where) or str(error)))
            return
        self.post_message(self._Ready(actor, landing, marker))

    @on(_Ready)
    def _database_ready(self, message: _Ready) -> None:
        self.actor = message.actor
        self._marker = message.marker
        self._show_unread(message.marker.unread)
        self.sub_title = clean_line(
            f"{self.options.target.describe()} · {message.actor.display_name}"
        )
        landing = message.landing
        screen = self.screen
        screen_pop = landing.party or landing.interaction
        # Under a screen pop the main screen loads when it is next shown:
        # its queries would hold up the screen the person asked for.
        if isinstance(screen, CrmScreen) and not screen_pop:
            screen.refresh_if_stale()
        elif isinstance(screen, CoveredMainScreen) and not screen_pop:
            screen.replace()  # the code was unknown: the list to look in, now
        if landing.party is not None:
            self.push_screen(landing.party.screen())
        elif landing.interaction is not None:
            open_interaction(self, landing.interaction)
        if landing.problem:
            safe.notify(self, landing.problem, severity="error", timeout=10)
        self.set_timer(LIVE_UPDATES_AFTER_SECONDS, self._start_live_updates, name="live updates")
        # Not at once: the first screen's queries go first.
        self.set_timer(CHORES_FIRST_SECONDS, self.do_chores, name="first chores")
        self.set_interval(CHORES_SECONDS, self.do_chores, name="chores")

    @on(_StartupFailed)
    def _startup_failed(self, message: _StartupFailed) -> None:
        self.push_screen(StartupFailedScreen(message.reason))

    async def action_back(self) -> None:
        """`q`: back to the screen this one was opened from; on a main
        screen, quit."""
        if len(self.screen_stack) > 1 and not isinstance(self.screen, StartupFailedScreen):
            self.pop_screen()
        else:
            await self.action_quit()

    async def action_quit(self) -> None:
        # Quitting from the start-up failure (ctrl+c too) still says it failed.
        if isinstance(self.screen, StartupFailedScreen):
            self.screen.leave()
        else:
            self.exit()

    def action_help(self) -> None:
        from crm_tui.screens.help import HelpScreen, key_map

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(key_map(self.screen)))

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            placeholder = t("ui.palette.placeholder")
            self.push_screen(CommandPalette(id="--command-palette", placeholder=placeholder))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The command palette offers what the keys of the current screen
        do, each with all the keys that do it ("F2, ^s")."""
        keys: dict[str, list[str]] = {}
        first: dict[str, ActiveBinding] = {}
        for active in screen.active_bindings.values():
            binding = active.binding
            if binding.id is None or not binding.description:
                continue
            if binding.action == "command_palette":
                continue
            keys.setdefault(binding.description, []).append(self.get_key_display(binding))
            first.setdefault(binding.description, active)
        for description, active in first.items():
            yield SystemCommand(
                description,
                t("ui.palette.key", keys=", ".join(keys[description])),
                partial(self.run_action, active.binding.action, active.node),
            )
        yield SystemCommand(
            t("ui.palette.theme"), t("ui.palette.theme_help"), self.action_change_theme
        )


def is_screen_pop(options: AppOptions) -> bool:
    """Whether the app was asked to open on one record."""
    return bool(options.interaction or options.opportunity or options.contact)


def requested_mode(options: AppOptions) -> str:
    """The main screen under a screen pop (before its code is checked)."""
    if options.interaction:
        return "interactions"
    if options.opportunity:
        return "opportunities"
    if options.contact:
        return "contacts"
    return START_MODE


def run_app(options: AppOptions) -> int:
    """Run the TUI until the person quits; the exit code for the shell."""
    app = CrmApp(options)
    app.run()
    return app.return_code or 0
