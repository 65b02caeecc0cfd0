"""The TUI driven as a person drives it (Pilot), on real databases made
through the services: the list, paging, search, detail, help, screen pops,
start-up failures, and hostile text that must show as typed."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from peewee import OperationalError
from textual.pilot import Pilot
from textual.widgets import Input, Label, Static
from textual.widgets._toast import Toast

from crm_tui.app import CrmApp, StartupFailedScreen
from crm_tui.screens.covered_main import CoveredMainScreen
from crm_tui.screens.interaction_detail import InteractionDetailScreen
from crm_tui.screens.interactions import InteractionsScreen
from crm_tui.screens.opportunities import OpportunitiesScreen
from crm_tui.screens.timeline import TimelineScreen
from crm_tui.services import users
from crm_tui.services.errors import DatabaseBusy
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.services.records import Page
from crm_tui.services.text import clean_line, clean_text
from crm_tui.store import db as store_db
from crm_tui.widgets import interaction_table
from crm_tui.widgets.interaction_table import COLUMNS, ColumnSpec, fit_widths, id_cell
from crm_tui.widgets.paged_table import PagedTable

from .app_helpers import (
    NOW,
    NOW_ENV,
    column_texts,
    log,
    make_app,
    row_texts,
    settle,
    shown,
    table_of,
)
from .conftest import World


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)


async def open_list(pilot: Pilot[None]) -> None:
    """All interactions (the app starts on My queue), loaded."""
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot)


def toasts(app: CrmApp) -> list[str]:
    return [shown(toast) for toast in app.screen.query(Toast)]


async def wait_for_toasts(pilot: Pilot[None]) -> list[str]:
    """Toasts are mounted a few frames after `notify`."""
    await settle(pilot, until=lambda: bool(toasts(pilot.app)))  # type: ignore[arg-type]
    return toasts(pilot.app)  # type: ignore[arg-type]


# --- the list -------------------------------------------------------------------


async def test_rows_appear_newest_first_with_their_columns(
    world: World, db: store_db.Target, now: None
) -> None:
    oldest = log("Primera visita", NOW - timedelta(days=40), type="visit")
    middle = log("Llamada de seguimiento", NOW - timedelta(days=2), note="Quiere precio")
    newest = log(
        "Reunión de cierre",
        NOW - timedelta(hours=1),
        type="meeting",
        contact="C-002",
        user=None,
        status="pending",
    )
    store_db.close()  # the app opens its own connections, as it does for real

    app = make_app(db)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_list(pilot)
        table = table_of(app)
        assert column_texts(table, "id") == [str(r.id) for r in (newest, middle, oldest)]
        assert row_texts(table, 0) == [
            str(newest.id),
            "◆ Meeting",
            "Pending",
            "pool",
            "09:00",
            "Panadería Sol",
            "Reunión de cierre",
        ]
        # A recent note is previewed after the subject; an old one is not.
        assert row_texts(table, 1)[3:] == [
            "Luis Gómez",
            "Nov 21",
            "Ferretería López",
            "Llamada de seguimiento — Quiere precio",
        ]
        assert row_texts(table, 2)[1] == "⌂ Visit"
        assert row_texts(table, 2)[6] == "Primera visita"
        assert "Luis Gómez" in app.sub_title
        assert shown(app.screen.query_one("#list-status", Label)) == "3 shown"


async def test_the_apps_worker_connections_keep_a_small_page_cache(
    sqlite_target: store_db.Target, now: None
) -> None:
    """Each worker reads through a connection of its own: a big SQLite
    cache there only grows the app's memory at a million rows (issue 8)."""
    users.add_user("luis", "Luis Gómez")
    store_db.close()
    app = make_app(sqlite_target)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        database = store_db.current()
        with database.connection_context():
            size = database.execute_sql("PRAGMA cache_size").fetchone()[0]
        assert size == -store_db.APP_PAGE_CACHE_KIB
        assert store_db.APP_PAGE_CACHE_KIB < store_db.PAGE_CACHE_KIB


async def test_the_spanish_list_is_in_spanish(world: World, db: store_db.Target, now: None) -> None:
    log("Llamada", NOW - timedelta(days=2), user=None, status="in_progress", kind="task")
    store_db.close()
    app = make_app(db, lang="es")
    async with app.run_test(size=(120, 30)) as pilot:
        await open_list(pilot)
        table = table_of(app)
        assert row_texts(table, 0)[1:5] == ["☎ Llamada", "En curso", "bolsa", "21 nov"]
        assert [column.label.plain for column in table.ordered_columns][:3] == [
            "Id",
            "Tipo",
            "Estado",
        ]
        assert shown(app.screen.query_one("#list-heading", Label)) == "Todas las interacciones"


async def test_paging_loads_the_next_page_as_the_cursor_nears_the_end(
    world: World, db: store_db.Target, now: None
) -> None:
    for number in range(120):
        log(f"Llamada {number:03d}", NOW - timedelta(minutes=number))
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_list(pilot)
        table = table_of(app)
        assert table.row_count == 50 and table.has_more
        assert shown(app.screen.query_one("#list-status", Label)) == "50 shown · more below"

        await pilot.press("G")  # last loaded row: near the end, so the next page comes
        await settle(pilot)
        assert table.row_count == 100
        assert table.cursor_row == 49

        for _ in range(40):
            await pilot.press("j")
        await settle(pilot)
        assert table.row_count == 120 and not table.has_more
        assert column_texts(table, "subject") == [f"Llamada {n:03d}" for n in range(120)]
        assert shown(app.screen.query_one("#list-status", Label)) == "120 shown"

        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("k", "down", "j")
        assert table.cursor_row == 2


async def test_search_filters_and_escape_clears_it(
    world: World, db: store_db.Target, now: None
) -> None:
    log("Renovación del contrato", NOW - timedelta(days=1))
    log("Avería en la caja", NOW - timedelta(days=2), note="renovar la garantía")
    log("Pedido de tornillos", NOW - timedelta(days=3))
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_list(pilot)
        table = table_of(app)
        await pilot.press("slash")
        assert app.focused is app.screen.query_one("#search")
        await pilot.press(*"renov")  # letters that are also keys (r, q...) go to the box
        await pilot.pause(0.5)  # the debounce
        await settle(pilot)
        assert sorted(column_texts(table, "subject")) == [
            "Avería en la caja — renovar la garantía",
            "Renovación del contrato",
        ]

        await pilot.press("backspace", *"zzz", "enter")
        await settle(pilot)
        assert table.row_count == 0
        assert shown(app.screen.query_one("#list-status", Label)) == "Nothing matches “renozzz”"
        assert app.focused is table

        await pilot.press("escape")
        await settle(pilot)
        assert table.row_count == 3
        assert app.screen.query_one("#search", Input).value == ""

        await pilot.press("slash", "x", "escape")  # Escape in the box clears it too
        await settle(pilot)
        assert app.screen.query_one("#search", Input).value == ""
        assert app.focused is table and table.row_count == 3


async def test_keys_right_after_enter_go_to_the_list_while_its_rows_are_on_their_way(
    world: World, db: store_db.Target, now: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The list takes the focus with its rows (one repaint, not two), but a
    key that comes first moves it at once: it never lands in the box."""
    log("Renovación del contrato", NOW - timedelta(days=1))
    log("Pedido de tornillos", NOW - timedelta(days=2))
    log("Pedido de arandelas", NOW - timedelta(days=3))
    store_db.close()
    held = threading.Event()
    held.set()
    real = interaction_table.list_interactions

    def slow(*args: Any, **kwargs: Any) -> Any:
        held.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(interaction_table, "list_interactions", slow)
    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_list(pilot)
        table = table_of(app)
        box = app.screen.query_one("#search", Input)
        await pilot.press("slash", *"pedido")
        held.clear()  # the search's page waits
        await pilot.press("enter")
        assert app.focused is box  # no repaint of the old rows for the focus
        await pilot.press("j")
        assert app.focused is table
        assert box.value == "pedido"
        assert table.cursor_row == 1  # the key moved the cursor

        held.set()
        await settle(pilot)
        assert sorted(column_texts(table, "subject")) == [
            "Pedido de arandelas",
            "Pedido de tornillos",
        ]
        assert app.focused is table


async def test_refresh_shows_new_rows_and_keeps_the_cursor(
    world: World, db: store_db.Target, now: None
) -> None:
    log("Antigua", NOW - timedelta(days=3))
    second = log("Segunda", NOW - timedelta(days=2))
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_list(pilot)
        table = table_of(app)
        assert table.cursor_row == 0  # on "Segunda"
        log("Nueva", NOW - timedelta(hours=1))  # another agent logs a call
        await pilot.press("r")
        await settle(pilot)
        assert column_texts(table, "subject") == ["Nueva", "Segunda", "Antigua"]
        record = table.record_at_cursor()
        assert table.cursor_row == 1
        assert record is not None and record.id == second.id


# --- detail, help, quitting ---------------------------------------------------------


async def test_enter_opens_the_detail_with_every_field(
    world: World, db: store_db.Target, now: None
) -> None:
    record = log(
        "Llamada de seguimiento",
        NOW - timedelta(hours=3),
        opportunity="OP-001",
        outcome="voicemail",  # not no_answer: the shipped rule would add a retry call
        note="Línea uno\nLínea dos",
        tags=("vip", "renovación"),
        location="Tienda",
    )
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_list(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, InteractionDetailScreen)
        names = [shown(label) for label in app.screen.query("#detail-fields > .field-name")]
        values = [
            shown(value)
            for value in app.screen.query("#detail-fields > .field-value").results(Static)
        ]
        fields = dict(zip(names, values, strict=True))
        assert fields["Id"] == str(record.id)
        assert fields["Type"] == "☎ Call"
        assert fields["Status"] == "Done"
        assert fields["Call outcome"] == "Voicemail"
        assert fields["Note"] == "Línea uno\nLínea dos"
        assert fields["Contact"] == "C-001 · Ferretería López"
        assert fields["Opportunity"] == "OP-001 · Renovación de contrato"
        assert fields["Responsible"] == "Luis Gómez (luis)"
        assert fields["Tags"] == "renovación, vip"
        assert fields["Date"] == "Monday, November 23, 2026, 7:00 AM (3 hours ago)"
        assert fields["Follow-up date"] == "—"
        assert fields["Global id"] == record.uid
        assert len(fields) == 29  # every field of the record

        await pilot.press("escape")
        assert isinstance(app.screen, InteractionsScreen)


async def test_the_command_palette_offers_the_screen_actions(
    world: World, db: store_db.Target
) -> None:
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_list(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert {"Open", "Search", "Refresh", "Help", "Quit", "First row"} <= set(titles)
        assert "Commands" not in titles


async def test_q_quits(world: World, db: store_db.Target) -> None:
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_list(pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_ctrl_c_quits_even_from_the_search_box(world: World, db: store_db.Target) -> None:
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_list(pilot)
        await pilot.press("slash", "q", "ctrl+c")
        await pilot.pause()
    assert app.return_code == 0


# --- screen pops and start-up -----------------------------------------------------------


async def test_interaction_pop_opens_its_detail(
    world: World, db: store_db.Target, now: None
) -> None:
    record = log("Llamada entrante", NOW - timedelta(minutes=5))
    store_db.close()
    app = make_app(db, interaction=str(record.id))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, InteractionDetailScreen)
        assert app.screen.interaction_id == record.id
        await pilot.press("q")  # closes the detail, does not quit
        await settle(pilot)
        assert isinstance(app.screen, InteractionsScreen)
        assert table_of(app).row_count == 1


async def test_opportunity_pop_builds_the_list_under_it_only_when_it_is_seen(
    world: World, db: store_db.Target, now: None
) -> None:
    log("Llamada de la oportunidad", NOW - timedelta(hours=1), opportunity="OP-001")
    store_db.close()
    app = make_app(db, opportunity="OP-001")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen)
        assert table_of(app).row_count == 1
        # Under the timeline: a stand-in, not the list with its queries.
        under = app.screen_stack[0]
        assert isinstance(under, CoveredMainScreen)
        assert not under.query(PagedTable)
        await pilot.press("1")  # another mode and back: the timeline again
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen)
        assert isinstance(app.screen_stack[0], CoveredMainScreen)
        await pilot.press("q")  # back to the list, built now, with its rows
        await settle(pilot)
        assert isinstance(app.screen, OpportunitiesScreen)
        assert app.screen_stack == [app.screen]
        assert app.screen.query_one(PagedTable).row_count == 2
        await pilot.press("q")  # a main screen: quits
        await pilot.pause()
    assert app.return_code == 0


async def test_an_unknown_code_says_so_and_opens_the_list_to_look_in(
    world: World, db: store_db.Target, now: None
) -> None:
    log("Una llamada", NOW - timedelta(days=1))
    store_db.close()
    app = make_app(db, opportunity="OP-404")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        assert await wait_for_toasts(pilot) == ["unknown opportunity 'OP-404'"]
        await settle(pilot)
        assert isinstance(app.screen, OpportunitiesScreen)
        assert app.screen.query_one(PagedTable).row_count == 2


async def test_an_unknown_user_cannot_start_and_exits_non_zero(
    world: World, db: store_db.Target
) -> None:
    store_db.close()
    app = make_app(db, user="nadie")
    async with app.run_test(size=(100, 30)) as pilot:
        await open_list(pilot)
        assert isinstance(app.screen, StartupFailedScreen)
        assert shown(app.screen.query_one("#startup-failed-reason", Static)) == (
            "unknown user 'nadie'"
        )
        await pilot.press("x")
        await pilot.pause()
    assert app.return_code == 1


async def test_an_unreadable_database_cannot_start(tmp_path: Path) -> None:
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"this is not a database" * 100)
    app = make_app(store_db.Target("sqlite", str(broken)))
    async with app.run_test(size=(100, 30)) as pilot:
        await open_list(pilot)
        assert isinstance(app.screen, StartupFailedScreen)
        reason = shown(app.screen.query_one("#startup-failed-reason", Static))
        assert reason.startswith(f"cannot open the database {broken}")
        await pilot.press("ctrl+c")  # a priority key that quits: still a failure
        await pilot.pause()
    assert app.return_code == 1


# --- failures in workers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            DatabaseBusy(),
            "the database stayed busy (locked by another program); nothing was saved, try again",
        ),
        (
            OperationalError("database is locked"),
            "the database stayed busy (locked by another program); nothing was saved, try again",
        ),
        (OperationalError("disk I/O error"), "database error: disk I/O error"),
    ],
)
async def test_a_failing_page_is_a_toast_not_a_traceback(
    world: World, db: store_db.Target, error: Exception, message: str
) -> None:
    store_db.close()

    def failing(after: object) -> Page:
        raise error

    app = make_app(db)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await open_list(pilot)
        table_of(app).load(failing)
        assert await wait_for_toasts(pilot) == [message]
        assert shown(app.screen.query_one("#list-status", Label)) == "The list could not be loaded"
        assert app.is_running


# --- hostile text ---------------------------------------------------------------------------

HOSTILE_SUBJECT = "[bold]Oferta[/] [@click=app.quit]x[/] [red]rojo"
HOSTILE_NOTE = "Nota [/] \x1b]0;title\x07 fin\n[@click=app.quit]y[/] \x1b]52;c;ZXZpbA==\x07"
HOSTILE_CONTACT = "[b]Cliente[/b] [/] \x1b[31mrojo"
HOSTILE_TAG = "[red]tag"


async def test_hostile_text_shows_as_typed_and_does_nothing(
    world: World, db: store_db.Target, now: None
) -> None:
    from crm_tui.services import contacts

    contacts.create_contact("[X]", HOSTILE_CONTACT, actor_id=world.admin.id)
    record = create_interaction(
        _draft(contact="[X]", subject=HOSTILE_SUBJECT, note=HOSTILE_NOTE, tags=(HOSTILE_TAG,))
    )
    store_db.close()
    subject = clean_line(HOSTILE_SUBJECT)
    note = clean_text(HOSTILE_NOTE)
    contact = clean_line(HOSTILE_CONTACT)
    assert "\x1b" not in note + contact and "]0;title" in note  # what the services leave

    # A code typed on the command line comes back in the toast.
    app = make_app(db, contact="[@click=app.quit]x[/]")
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        assert await wait_for_toasts(pilot) == ["unknown contact '[@click=app.quit]x[/]'"]
        await pilot.press("3")
        await settle(pilot)

        table = table_of(app)
        cells = row_texts(table, 0)
        assert cells[5] == contact
        assert cells[6] == f"{subject} — {' '.join(note.split())}"

        # Clicking the subject's text twice (the second click opens the row)
        # runs no action hidden in it.
        await pilot.click("InteractionTable", offset=(100, 1))
        await pilot.click("InteractionTable", offset=(100, 1))
        await settle(pilot)
        assert app.is_running
        assert isinstance(app.screen, InteractionDetailScreen)
        names = [shown(label) for label in app.screen.query("#detail-fields > .field-name")]
        values = [
            shown(value)
            for value in app.screen.query("#detail-fields > .field-value").results(Static)
        ]
        fields = dict(zip(names, values, strict=True))
        assert fields["Subject"] == subject
        assert fields["Note"] == note
        assert fields["Contact"] == f"[X] · {contact}"
        assert fields["Tags"] == "[red]tag"
        assert fields["Global id"] == record.uid

        for _ in range(3):  # clicking the text of the detail does nothing either
            await pilot.click(".field-value", offset=(2, 0))
        await pilot.press("escape")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, InteractionsScreen)


def _draft(**fields: Any) -> InteractionDraft:
    return InteractionDraft(type="call", created_by="luis", occurred_at=NOW, **fields)


# --- column widths and start-up cost --------------------------------------------------------


def test_columns_share_a_narrow_terminal_and_grow_on_a_wide_one() -> None:
    natural = [5, 9, 7, 19, 6, 22, 0]  # what the loaded rows need
    narrow = fit_widths(COLUMNS, natural, available=79, padding=1)
    assert sum(narrow) + 2 * len(COLUMNS) == 79
    assert narrow[:3] == [5, 9, 7] and narrow[4] == 6  # short columns keep their content
    assert narrow[6] >= 12 and narrow[3] >= 6 and narrow[5] >= 8
    wide = fit_widths(COLUMNS, natural, available=160, padding=1)
    assert wide[3] == 18 and wide[5] == 22  # capped, and never wider than the content
    assert wide[6] == 160 - 14 - sum(wide[:6])


def test_a_terminal_too_narrow_keeps_the_minimums() -> None:
    specs = (
        ColumnSpec("a", "x", id_cell, max_width=10),
        ColumnSpec("b", "x", id_cell, max_width=None, min_width=12, weight=1),
    )
    assert fit_widths(specs, [10, 0], available=5, padding=1) == [10, 12]


def test_importing_the_app_defers_what_the_first_screen_does_not_need() -> None:
    probe = (
        "import json, sys, crm_tui.app; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('babel', 'openpyxl', 'xlwt', 'icalendar') or m == 'crm_tui.screens.interaction_detail')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize(
    ("term", "theme"), [("linux", "ansi-dark"), ("xterm-256color", "textual-dark")]
)
async def test_a_16_colour_terminal_gets_the_terminals_own_colours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, term: str, theme: str
) -> None:
    monkeypatch.setenv("TERM", term)
    monkeypatch.delenv("COLORTERM", raising=False)
    app = make_app(store_db.Target("sqlite", str(tmp_path / "new.db")))
    async with app.run_test(size=(80, 24)) as pilot:
        await open_list(pilot)
        assert app.theme == theme
        # A new database works at once: its first user is the admin.
        assert shown(app.screen.query_one("#list-status", Label)) == "No interactions yet"
        assert app.actor is not None and app.actor.role == "admin"
