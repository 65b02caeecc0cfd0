"""The filter sidebar (`f`) of the interaction lists, driven as a person
drives it on the all-interactions screen: ticking options narrows the list,
sections combine, the counts are the database's, a wrong date keeps its
text, everything clears, the filters come back when the screen does, and
user text in options shows as typed. Snapshots at 80x24 and 120x40."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Button, Input, Label

from crm_tui.app import CrmApp
from crm_tui.screens.interactions import InteractionsScreen
from crm_tui.services import users
from crm_tui.services.listing import count_interactions
from crm_tui.services.records import InteractionFilter
from crm_tui.services.text import clean_line
from crm_tui.store import db as store_db
from crm_tui.widgets import interaction_browser
from crm_tui.widgets.choice_list import ChoiceList
from crm_tui.widgets.filter_sidebar import POOL, FilterSidebar, FilterState
from crm_tui.widgets.form_field import FormField
from crm_tui.widgets.interaction_browser import BrowserViewState, InteractionBrowser

from .app_helpers import NOW, NOW_ENV, build_floor, column_texts, log, make_app, settle, shown
from .conftest import World

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)


def browser_of(app: CrmApp) -> InteractionBrowser:
    return app.screen.query_one(InteractionBrowser)


def sidebar_of(app: CrmApp) -> FilterSidebar:
    return app.screen.query_one(FilterSidebar)


def section(app: CrmApp, name: str) -> ChoiceList:
    return app.screen.query_one(f"#filter-{name}", ChoiceList)


def options(choices: ChoiceList) -> list[str]:
    """The lines the list draws: "[x] ☎ Call      3"."""
    return [" ".join(choices.render_line(y).text.split()) for y in range(choices.option_count)]


def ids_shown(app: CrmApp) -> list[int]:
    return [int(text) for text in column_texts(browser_of(app).table, "id")]


def status_line(app: CrmApp) -> str:
    return shown(app.screen.query_one("#list-status", Label))


async def open_all_interactions(pilot: Pilot[None]) -> None:
    """The all-interactions screen, settled (the app may start elsewhere)."""
    await settle(pilot)
    await pilot.app.switch_mode("interactions")
    await settle(pilot)


async def open_filters(pilot: Pilot[None]) -> None:
    await open_all_interactions(pilot)
    await pilot.press("f")
    await settle_counts(pilot)


async def settle_counts(pilot: Pilot[None]) -> None:
    """Past the counts' debounce, with every worker done."""
    await settle(pilot)
    await pilot.pause(interaction_browser.COUNTS_DEBOUNCE_SECONDS + 0.1)
    await settle(pilot)


async def tick(pilot: Pilot[None], name: str, label: str) -> None:
    """Highlight the option of section `name` whose line holds `label`, and
    press space on it, as a person does."""
    app: Any = pilot.app
    choices = section(app, name)
    choices.focus()
    index = next(i for i, line in enumerate(options(choices)) if label in line)
    choices.highlighted = index
    await pilot.press("space")
    await settle_counts(pilot)


def count_where(**fields: Any) -> int:
    return count_interactions(InteractionFilter(**fields))


def floor(world: World) -> dict[str, int]:
    """A few interactions of every kind the sidebar filters on, by subject."""
    made = [
        log("Llamada hoy", NOW - timedelta(hours=1), status="done"),
        log("Llamada pendiente", NOW + timedelta(hours=3), status="pending", user=None),
        log("Correo de ayer", NOW - timedelta(days=1), type="email", tags=("vip",)),
        log("Visita antigua", NOW - timedelta(days=40), type="visit", user="marta"),
        log(
            "Llamada entrante",
            NOW - timedelta(days=2),
            direction="inbound",
            status="in_progress",
            tags=("vip", "renovación"),
        ),
        log("Reunión del mes", NOW - timedelta(days=10), type="meeting", user="ana"),
    ]
    return {record.subject: record.id for record in made}


# --- filtering --------------------------------------------------------------------------


async def test_ticking_a_type_shows_only_those_rows_with_the_databases_counts(
    world: World, db: store_db.Target, now: None
) -> None:
    made = floor(world)
    expected = {
        "call": count_where(types=("call",)),
        "email": count_where(types=("email",)),
        "visit": count_where(types=("visit",)),
        "done": count_where(statuses=("done",)),
    }
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_filters(pilot)
        assert sidebar_of(app).display
        assert app.screen.focused is section(app, "types")
        types = options(section(app, "types"))
        assert f"[ ] ☎ Call {expected['call']}" in types
        assert f"[ ] ✉ E-mail {expected['email']}" in types
        assert "[ ] ¶ Note 0" in types
        assert options(section(app, "statuses"))[2] == f"[ ] Done {expected['done']}"

        await tick(pilot, "types", "Call")

        calls = [made["Llamada pendiente"], made["Llamada hoy"], made["Llamada entrante"]]
        assert ids_shown(app) == calls
        assert status_line(app) == "3 shown · 1 filter"
        types = options(section(app, "types"))
        # A type facet ignores the type filter: the other types keep their counts.
        assert f"[x] ☎ Call {expected['call']}" in types
        assert f"[ ] ⌂ Visit {expected['visit']}" in types
        # The other facets now count calls only.
        store_db.connect(db)
        try:
            done_calls = count_where(types=("call",), statuses=("done",))
            pool_calls = count_where(types=("call",), unassigned=True)
        finally:
            store_db.close()
        assert f"[ ] Done {done_calls}" in options(section(app, "statuses"))
        assert f"[ ] Shared pool {pool_calls}" in options(section(app, "users"))
        assert shown(app.screen.query_one("#filters-title", Label)) == "Filters · 3 match"

        # A second type is an alternative (OR).
        await tick(pilot, "types", "E-mail")
        assert set(ids_shown(app)) == {*calls, made["Correo de ayer"]}


async def test_sections_combine_type_status_and_a_date_preset(
    world: World, db: store_db.Target, now: None
) -> None:
    made = floor(world)
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_filters(pilot)
        await tick(pilot, "types", "Call")
        await tick(pilot, "statuses", "Done")
        assert ids_shown(app) == [made["Llamada hoy"]]
        await tick(pilot, "statuses", "In progress")
        assert ids_shown(app) == [made["Llamada hoy"], made["Llamada entrante"]]

        await tick(pilot, "period", "Today")
        assert ids_shown(app) == [made["Llamada hoy"]]
        assert options(section(app, "period"))[:2] == ["( ) Any date", "(●) Today"]
        assert status_line(app) == "1 shown · 3 filters"

        # One period at a time; the week (Monday 23 to Sunday 29 Nov) has
        # no in-progress call, the last 30 days have both.
        await tick(pilot, "period", "This week")
        assert options(section(app, "period"))[1:3] == ["( ) Today", "(●) This week"]
        assert ids_shown(app) == [made["Llamada hoy"]]
        await tick(pilot, "period", "Last 30 days")
        assert ids_shown(app) == [made["Llamada hoy"], made["Llamada entrante"]]

        await tick(pilot, "directions", "Inbound")
        assert ids_shown(app) == [made["Llamada entrante"]]
        await tick(pilot, "tags", "vip")
        assert ids_shown(app) == [made["Llamada entrante"]]
        assert status_line(app) == "1 shown · 5 filters"


async def test_tags_and_free_text(world: World, db: store_db.Target, now: None) -> None:
    made = floor(world)
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_filters(pilot)
        assert options(section(app, "tags")) == ["[ ] vip 2", "[ ] renovación 1"]
        await tick(pilot, "tags", "vip")
        assert ids_shown(app) == [made["Correo de ayer"], made["Llamada entrante"]]
        # Tags are counted without the tag filter: the others stay to add.
        assert options(section(app, "tags")) == ["[x] vip 2", "[ ] renovación 1"]
        await tick(pilot, "tags", "vip")

        app.screen.query_one("#filter-text", Input).focus()
        await pilot.press(*"entrante", "enter")
        await settle_counts(pilot)
        assert ids_shown(app) == [made["Llamada entrante"]]
        assert status_line(app) == "1 shown · 1 filter"


async def test_a_custom_range_applies_on_enter_and_a_wrong_date_keeps_its_text(
    world: World, db: store_db.Target, now: None
) -> None:
    made = floor(world)
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_filters(pilot)
        since = app.screen.query_one("#filter-since", Input)
        until = app.screen.query_one("#filter-until", Input)
        since.focus()
        await pilot.press(*"30 de febrero", "enter")
        await settle_counts(pilot)
        field = app.screen.query_one("#filter-since-field", FormField)
        assert field.has_error
        assert shown(field.query_one(".form-error", Label)).startswith(
            "'30 de febrero' is not a date"
        )
        assert since.value == "30 de febrero"
        assert len(ids_shown(app)) == len(made)  # nothing applied

        since.value = "hace 3 días"
        until.focus()
        await pilot.press(*"ayer", "enter")
        await settle_counts(pilot)
        assert not field.has_error
        assert ids_shown(app) == [made["Correo de ayer"], made["Llamada entrante"]]
        assert options(section(app, "period"))[4] == "(●) Custom range"
        assert status_line(app) == "2 shown · 1 filter"

        # An end before the start says so under the end, and changes nothing.
        until.value = "-5d"
        await pilot.press("enter")
        await settle_counts(pilot)
        until_field = app.screen.query_one("#filter-until-field", FormField)
        assert shown(until_field.query_one(".form-error", Label)).startswith("the end (")
        assert until.value == "-5d"
        assert ids_shown(app) == [made["Correo de ayer"], made["Llamada entrante"]]


async def test_clear_all_by_key_and_by_button(world: World, db: store_db.Target, now: None) -> None:
    made = floor(world)
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_filters(pilot)
        await tick(pilot, "types", "Call")
        await tick(pilot, "period", "Today")
        assert ids_shown(app) == [made["Llamada pendiente"], made["Llamada hoy"]]

        await pilot.press("F")
        await settle_counts(pilot)
        assert len(ids_shown(app)) == len(made)
        assert status_line(app) == f"{len(made)} shown"
        assert not any(line.startswith("[x]") for line in options(section(app, "types")))
        assert options(section(app, "period"))[0] == "(●) Any date"

        await tick(pilot, "statuses", "Pending")
        assert ids_shown(app) == [made["Llamada pendiente"]]
        app.screen.query_one("#filter-clear", Button).press()
        await settle_counts(pilot)
        assert len(ids_shown(app)) == len(made)
        assert sidebar_of(app).state == FilterState()


async def test_responsible_user_and_the_shared_pool(
    world: World, db: store_db.Target, now: None
) -> None:
    made = floor(world)
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_filters(pilot)
        await tick(pilot, "users", "Marta Vidal")
        assert ids_shown(app) == [made["Visita antigua"]]
        await tick(pilot, "users", "Marta Vidal")
        await tick(pilot, "users", "Shared pool")
        assert ids_shown(app) == [made["Llamada pendiente"]]


async def test_a_user_and_the_pool_are_alternatives(
    world: World, db: store_db.Target, now: None
) -> None:
    made = floor(world)
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_filters(pilot)
        await tick(pilot, "users", "Marta Vidal")
        await tick(pilot, "users", "Shared pool")
        assert ids_shown(app) == [made["Llamada pendiente"], made["Visita antigua"]]


# --- counts, focus and keys -------------------------------------------------------------


async def test_fast_toggling_costs_one_count_and_keeps_focus_and_highlight(
    world: World, db: store_db.Target, now: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    floor(world)
    store_db.close()
    asked: list[InteractionFilter] = []
    real = interaction_browser.count_filters

    def counting(f: InteractionFilter) -> Any:
        asked.append(f)
        return real(f)

    monkeypatch.setattr(interaction_browser, "count_filters", counting)
    # Pilot takes most of the real pause between its key presses; a longer
    # pause keeps the presses "fast" on a slow test machine.
    monkeypatch.setattr(interaction_browser, "COUNTS_DEBOUNCE_SECONDS", 1.0)
    app = make_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_filters(pilot)
        asked.clear()
        types = section(app, "types")
        assert app.screen.focused is types
        await pilot.press("space", "down", "space", "down", "space")
        await settle_counts(pilot)
        assert [f.types for f in asked] == [("call", "email", "meeting")]
        assert app.screen.focused is types
        assert types.highlighted == 2
        assert types.selected == ["call", "email", "meeting"]


async def test_tab_goes_into_and_out_of_the_sidebar_and_escape_back_to_the_list(
    world: World, db: store_db.Target, now: None
) -> None:
    floor(world)
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_all_interactions(pilot)
        table = browser_of(app).table
        assert app.screen.focused is table
        await pilot.press("f")
        await settle_counts(pilot)
        assert app.screen.focused is section(app, "types")
        await pilot.press("escape")
        assert app.screen.focused is table
        await pilot.press("tab")
        assert app.screen.focused is section(app, "types")
        await pilot.press("tab")
        assert app.screen.focused is section(app, "users")
        # The first option is ready for space, though the list got its
        # options before it had focus.
        await pilot.press("space")
        await settle_counts(pilot)
        assert section(app, "users").selected == [POOL]
        assert status_line(app) == "1 shown · 1 filter"
        await pilot.press("shift+tab", "shift+tab")
        assert app.screen.focused is table
        await pilot.press("shift+tab")
        assert app.screen.focused is app.screen.query_one("#filter-clear", Button)
        await pilot.press("tab")
        assert app.screen.focused is table
        # `f` again hides the sidebar and leaves the list focused.
        await pilot.press("tab", "f")
        await pilot.pause()
        assert not sidebar_of(app).display
        assert app.screen.focused is table


# --- remembered while the app runs -------------------------------------------------------


class Elsewhere(Screen[None]):
    """Another main screen to switch to and back from."""


async def test_filters_come_back_when_the_screen_does(
    world: World, db: store_db.Target, now: None
) -> None:
    made = floor(world)
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_filters(pilot)
        await tick(pilot, "types", "Call")
        await tick(pilot, "period", "Today")
        today_calls = [made["Llamada pendiente"], made["Llamada hoy"]]
        assert ids_shown(app) == today_calls
        remembered = app.view_state["interactions"]
        assert isinstance(remembered, BrowserViewState)
        assert remembered.sidebar_shown
        assert remembered.filters == replace(FilterState(), types=("call",), period="today")

        app.add_mode("elsewhere", Elsewhere)
        await app.switch_mode("elsewhere")
        await pilot.pause()
        await app.switch_mode("interactions")
        await settle_counts(pilot)
        assert ids_shown(app) == today_calls

        # A new screen of the same list (as when it is opened again) starts
        # with the same filters, the sidebar shown as it was left.
        await app.push_screen(InteractionsScreen())
        await settle_counts(pilot)
        assert ids_shown(app) == today_calls
        assert sidebar_of(app).display
        assert options(section(app, "types"))[0].startswith("[x] ☎ Call")
        assert options(section(app, "period"))[1] == "(●) Today"
        assert status_line(app) == "2 shown · 2 filters"

        # Hidden stays hidden: not even built until `f`, the filters still
        # applied and counted in the status line.
        await pilot.press("f")
        await app.pop_screen()
        await app.push_screen(InteractionsScreen())
        await settle_counts(pilot)
        assert not app.screen.query(FilterSidebar)
        assert ids_shown(app) == today_calls
        assert status_line(app) == "2 shown · 2 filters"
        await pilot.press("f")
        await settle_counts(pilot)
        assert sidebar_of(app).display
        assert options(section(app, "types"))[0].startswith("[x] ☎ Call")
        assert options(section(app, "period"))[1] == "(●) Today"
        assert ids_shown(app) == today_calls

        # `F` clears remembered filters the sidebar was not built for.
        await pilot.press("f")
        await app.pop_screen()
        await app.push_screen(InteractionsScreen())
        await settle_counts(pilot)
        await pilot.press("F")
        await settle_counts(pilot)
        assert sorted(ids_shown(app)) == sorted(made.values())
        assert "filter" not in status_line(app)


# --- user text in the options ---------------------------------------------------------------

HOSTILE_NAME = "[b]Jefa[/] \x1b[31m"
HOSTILE_TAG = "[@click=app.quit]x[/]"


async def test_hostile_user_names_and_tags_show_as_typed(
    world: World, db: store_db.Target, now: None
) -> None:
    users.add_user("jefa", HOSTILE_NAME)
    log("Con etiqueta rara", NOW - timedelta(hours=2), user="jefa", tags=(HOSTILE_TAG, "[/]"))
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_filters(pilot)
        assert f"[ ] {clean_line(HOSTILE_NAME).strip()} 1" in options(section(app, "users"))
        assert options(section(app, "tags")) == ["[ ] [/] 1", "[ ] [@click=app.quit]x[/] 1"]
        await tick(pilot, "tags", "@click")
        assert len(ids_shown(app)) == 1
        await tick(pilot, "users", "Jefa")
        assert len(ids_shown(app)) == 1
        assert app.is_running


# --- snapshots --------------------------------------------------------------------------------


@pytest.fixture
def floor_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> store_db.Target:
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.chdir(tmp_path)
    target = store_db.Target("sqlite", "crm.db")
    build_floor(target)
    return target


async def filters_open_with_a_type(pilot: Pilot[None]) -> None:
    await open_filters(pilot)
    await tick(pilot, "types", "Call")


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_sidebar_open(
    snap_compare: Any, floor_db: store_db.Target, size: tuple[int, int]
) -> None:
    app = make_app(floor_db)
    assert snap_compare(app, terminal_size=size, run_before=filters_open_with_a_type)
