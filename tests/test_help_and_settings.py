"""Help (`?`, F1), the command palette of every main screen, and the
theme: offered in the palette, remembered in the settings file between
runs, never a reason not to start."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path
from typing import Any

import pytest
from platformdirs import user_config_path
from textual.command import CommandInput, CommandList, CommandPalette
from textual.pilot import Pilot

from crm_tui import settings
from crm_tui.app import MAIN_SCREENS, CrmApp
from crm_tui.screens.help import HelpBody, HelpScreen, KeyHelp, is_moving, key_map
from crm_tui.screens.interactions import InteractionsScreen
from crm_tui.settings import Settings, load_settings, save_theme
from crm_tui.store import db as store_db

from .app_helpers import NOW_ENV, build_floor, make_app, settle, shown


@pytest.fixture(autouse=True)
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test has its own config folder: never the developer's."""
    folder = tmp_path / "config"
    monkeypatch.setenv(settings.CONFIG_DIR_ENV, str(folder))
    return folder


@pytest.fixture
def floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> store_db.Target:
    """The small sales floor, in a 256-colour terminal (where themes apply)."""
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("COLORTERM", raising=False)
    target = store_db.Target("sqlite", str(tmp_path / "crm.db"))
    build_floor(target)
    return target


def write_settings(folder: Path, content: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / settings.FILE_NAME
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# --- the settings file -------------------------------------------------------------


def test_nothing_saved_reads_as_the_defaults(config_dir: Path) -> None:
    assert load_settings() == Settings(theme=None)
    assert not config_dir.exists()  # reading never creates anything


def test_a_saved_theme_is_read_back_and_the_file_is_plain_json(config_dir: Path) -> None:
    assert save_theme("nord") == Settings(theme="nord")
    assert load_settings() == Settings(theme="nord")
    path = config_dir / "settings.json"
    assert json.loads(path.read_text(encoding="utf-8")) == {"theme": "nord"}

    save_theme("gruvbox")
    assert load_settings().theme == "gruvbox"
    assert sorted(os.listdir(config_dir)) == ["settings.json"]  # no temporary file left


def test_saving_keeps_what_a_newer_version_wrote(config_dir: Path) -> None:
    write_settings(config_dir, json.dumps({"theme": "nord", "keymap": {"back": "escape"}}))
    save_theme("dracula")
    stored = json.loads((config_dir / "settings.json").read_text(encoding="utf-8"))
    assert stored == {"theme": "dracula", "keymap": {"back": "escape"}}


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("{not json", id="not-json"),
        pytest.param("", id="empty"),
        pytest.param(b"\xff\xfe\x00garbage", id="not-utf8"),
        pytest.param('["nord"]', id="not-an-object"),
        pytest.param('{"theme": 42}', id="theme-not-text"),
        pytest.param('{"theme": ""}', id="theme-empty"),
        pytest.param(json.dumps({"theme": "x" * 500}), id="theme-absurd"),
    ],
)
def test_a_corrupt_file_is_ignored_and_replaced_on_save(
    config_dir: Path, content: str | bytes
) -> None:
    write_settings(config_dir, content)
    assert load_settings() == Settings(theme=None)
    save_theme("nord")
    assert load_settings() == Settings(theme="nord")


def test_an_unreadable_file_is_ignored(config_dir: Path) -> None:
    # A folder where the file should be: reading it fails whoever runs
    # the tests (root reads any file, but not a folder as a file).
    (config_dir / settings.FILE_NAME).mkdir(parents=True)
    assert load_settings() == Settings(theme=None)
    # Cannot be replaced either: the choice holds for this run only.
    assert save_theme("nord") == Settings(theme="nord")
    assert load_settings() == Settings(theme=None)


def test_an_unwritable_config_folder_does_not_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(settings.CONFIG_DIR_ENV, str(blocker / "crm-tui"))
    assert save_theme("nord") == Settings(theme="nord")
    assert load_settings() == Settings(theme=None)


def test_a_failed_write_leaves_the_old_file_whole(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_theme("nord")

    def disk_full(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(os, "replace", disk_full)
        save_theme("dracula")
    assert load_settings() == Settings(theme="nord")
    assert sorted(os.listdir(config_dir)) == ["settings.json"]


def test_the_config_folder_is_the_users_unless_overridden(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(settings.CONFIG_DIR_ENV)
    assert settings.config_dir() == user_config_path("crm-tui", appauthor=False)
    monkeypatch.setenv(settings.CONFIG_DIR_ENV, str(tmp_path / "elsewhere"))
    assert settings.settings_path() == tmp_path / "elsewhere" / "settings.json"


# --- help --------------------------------------------------------------------------


def help_entries(app: CrmApp) -> dict[str, dict[str, str]]:
    """section title → {description: keys} of the help screen in front."""
    screen = app.screen
    assert isinstance(screen, HelpScreen)
    return {
        section.title: {entry.description: entry.keys for entry in section.keys}
        for section in screen.sections
    }


async def on_the_list(pilot: Pilot[None]) -> None:
    """All interactions (key 3), whichever screen the app starts on."""
    await settle(pilot)
    await pilot.press("3")
    await settle(pilot, until=lambda: isinstance(pilot.app.screen, InteractionsScreen))


async def open_help(pilot: Pilot[None], key: str = "question_mark") -> None:
    """Help over the list of all interactions."""
    await on_the_list(pilot)
    await pilot.press(key)
    await pilot.pause()
    assert isinstance(pilot.app.screen, HelpScreen)


async def test_help_shows_the_full_key_map_in_sections(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_help(pilot)
        assert app.screen.query_one("#help").border_title == "Help"
        entries = help_entries(app)
        assert list(entries) == ["This screen", "Moving", "Everywhere"]
        # The list's own keys (the filter sidebar adds its own beside them).
        assert {
            "Open": "⏎",
            "Search": "/",
            "Refresh": "r",
            "Clear the search": "esc",
        }.items() <= entries["This screen"].items()
        assert {key: entries[key] for key in ("Moving", "Everywhere")} == {
            "Moving": {
                "Next row": "↓, j",
                "Previous row": "↑, k",
                "Page down": "pgdn",
                "Page up": "pgup",
                "First row": "g, home",
                "Last loaded row (loads more)": "G, end",
            },
            "Everywhere": {
                "Back / quit": "q",
                "Quit": "^c, ^q",
                "Help": "?, f1",
                "Commands": "^p",
                "My queue": "1",
                "Upcoming events": "2",
                "All interactions": "3",
                "Contacts": "4",
                "Opportunities": "5",
                "Notifications": "6, N",
                "Calendar": "7",
                "Campaigns": "8",
                "Settings": "9",
            },
        }
        # What the person reads: the section titles and every key, in order.
        texts = [shown(label) for label in app.screen.query("#help Label")]
        assert texts[:3] == ["This screen", "⏎", "Open"]
        assert "Everywhere" in texts and texts[-2:] == ["9", "Settings"]


async def test_help_is_in_spanish_with_f1(floor: store_db.Target) -> None:
    app = make_app(floor, lang="es")
    async with app.run_test(size=(100, 40)) as pilot:
        await open_help(pilot, "f1")
        assert app.screen.query_one("#help").border_title == "Ayuda"
        entries = help_entries(app)
        assert list(entries) == ["Esta pantalla", "Moverse", "En todas partes"]
        assert entries["Esta pantalla"]["Buscar"] == "/"
        assert entries["Moverse"]["Fila siguiente"] == "↓, j"
        assert entries["En todas partes"]["Volver / salir"] == "q"


@pytest.mark.parametrize("key", ["escape", "q", "question_mark", "f1"])
async def test_help_closes_with_escape_q_and_its_own_keys(floor: store_db.Target, key: str) -> None:
    app = make_app(floor)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_help(pilot)
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, InteractionsScreen)
        assert app.is_running  # q closed help; it did not quit


async def test_help_scrolls_at_80x24(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_help(pilot)
        body = app.screen.query_one(HelpBody)
        assert body.has_focus
        assert body.max_scroll_y > 0  # more keys than lines: it must scroll
        await pilot.press("j")
        await pilot.pause(0.3)  # scrolling animates
        assert body.scroll_y == 1
        await pilot.press("G")
        await pilot.pause(0.3)
        assert body.scroll_y == body.max_scroll_y
        last = app.screen.query("#help Label").last()
        assert last.region.bottom <= body.region.bottom  # the last key is in view
        await pilot.press("g")
        await pilot.pause(0.3)
        assert body.scroll_y == 0


async def test_help_leaves_out_textuals_own_bindings(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        await on_the_list(pilot)
        screen = app.screen
        unnamed = {
            active.binding.description
            for active in screen.active_bindings.values()
            if active.binding.id is None
        }
        assert unnamed  # Textual's own (focus, copy...) are there to be left out
        listed = {entry.description for section in key_map(screen) for entry in section.keys}
        assert not unnamed & listed


@pytest.fixture
def pictured_floor(floor: store_db.Target, monkeypatch: pytest.MonkeyPatch) -> store_db.Target:
    """The floor as the snapshots see it: a fixed clock, no NO_COLOR, and a
    relative path, so the header (which names the database) never changes."""
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.chdir(Path(floor.location).parent)
    return store_db.Target("sqlite", Path(floor.location).name)


@pytest.mark.parametrize(
    ("size", "lang", "scrolled"),
    [
        pytest.param((80, 24), "en", False, id="80x24"),
        pytest.param((80, 24), "en", True, id="80x24-scrolled-to-the-end"),
        pytest.param((120, 40), "es", False, id="120x40-spanish"),
    ],
)
def test_help_snapshot(
    snap_compare: Any,
    pictured_floor: store_db.Target,
    size: tuple[int, int],
    lang: str,
    scrolled: bool,
) -> None:
    async def open_it(pilot: Pilot[None]) -> None:
        await open_help(pilot)
        if scrolled:
            await pilot.press("G")
            await pilot.pause(0.3)  # scrolling animates

    app = make_app(pictured_floor, lang=lang)
    assert snap_compare(app, terminal_size=size, run_before=open_it)


def test_moving_actions_are_told_apart() -> None:
    moving = ["cursor_down", "page_up", "scroll_top", "scroll_end", "move('down')"]
    assert all(is_moving(action) for action in moving)
    assert not any(is_moving(action) for action in ["select_cursor", "refresh", "app.back"])
    assert KeyHelp("g, home", "First row").keys == "g, home"


# --- the command palette -------------------------------------------------------------


async def open_palette(pilot: Pilot[None]) -> CommandPalette:
    await pilot.press("ctrl+p")
    await settle(pilot, until=lambda: palette_titles(pilot.app) != [])
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette)
    return palette


def palette_titles(app: Any) -> list[str]:
    """The commands the palette in front lists (none yet: [])."""
    screen = app.screen
    if not isinstance(screen, CommandPalette):
        return []
    commands = screen.query_one(CommandList)
    titles = []
    for index in range(commands.option_count):
        hit = getattr(commands.get_option_at_index(index), "hit", None)
        if hit is not None:
            titles.append(hit.text or str(hit.display))
    return titles


def keyed_actions(screen: Any, *, own: bool = False) -> set[str]:
    """The description of every binding with an id active on `screen`
    (`own`: only those of the screen and its widgets, not the app's)."""
    return {
        active.binding.description
        for active in screen.active_bindings.values()
        if active.binding.id is not None
        and active.binding.description
        and active.binding.action != "command_palette"
        and not (own and isinstance(active.node, CrmApp))
    }


@pytest.mark.parametrize(
    ("number", "mode", "module"),
    [
        pytest.param(str(number), mode, module, id=mode)
        for number, (mode, module, _name, _label) in enumerate(MAIN_SCREENS, start=1)
    ],
)
async def test_the_palette_lists_every_action_of_each_main_screen(
    floor: store_db.Target, number: str, mode: str, module: str
) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"main screen {mode!r}: its module {module} does not exist yet")
    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press(number)
        await settle(pilot)
        assert app.current_mode == mode
        screen = app.screen
        wanted = keyed_actions(screen)
        assert keyed_actions(screen, own=True), f"{mode} has no keys of its own"
        await open_palette(pilot)
        titles = palette_titles(app)
        assert wanted <= set(titles), f"missing from the palette: {wanted - set(titles)}"
        assert "Commands" not in titles  # the palette does not offer itself


async def test_the_palette_lists_the_list_actions(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        await on_the_list(pilot)
        await open_palette(pilot)
        titles = set(palette_titles(app))
        assert {"Open", "Search", "Refresh", "First row", "Help", "Contacts"} <= titles


# --- themes --------------------------------------------------------------------------


async def pick_theme(pilot: Pilot[None], name: str) -> None:
    """Ctrl+p, "Change theme", then the theme by name, as a person does."""
    palette = await open_palette(pilot)
    assert "Change theme" in palette_titles(pilot.app), "the palette offers no theme picker"
    palette.query_one(CommandInput).value = "Change theme"
    await settle(pilot, until=lambda: palette_titles(pilot.app)[:1] == ["Change theme"])
    await pilot.press("enter")
    await settle(pilot, until=lambda: isinstance(pilot.app.screen, CommandPalette))
    themes = pilot.app.screen
    assert isinstance(themes, CommandPalette)
    themes.query_one(CommandInput).value = name
    await settle(pilot, until=lambda: palette_titles(pilot.app)[:1] == [name])
    await pilot.press("enter")
    await settle(pilot, until=lambda: not isinstance(pilot.app.screen, CommandPalette))


async def test_the_palette_offers_the_themes_in_the_users_language(
    floor: store_db.Target,
) -> None:
    app = make_app(floor, lang="es")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        palette = await open_palette(pilot)
        assert palette.query_one(CommandInput).placeholder == "Buscar un comando…"
        assert "Cambiar el tema" in palette_titles(app)
        palette.query_one(CommandInput).value = "tema"
        await settle(pilot, until=lambda: palette_titles(app)[:1] == ["Cambiar el tema"])
        await pilot.press("enter")
        await settle(pilot, until=lambda: isinstance(app.screen, CommandPalette))
        themes = app.screen
        assert isinstance(themes, CommandPalette)
        assert themes.query_one(CommandInput).placeholder == "Buscar un tema…"
        await settle(pilot, until=lambda: "nord" in palette_titles(app))


async def test_a_chosen_theme_is_used_again_at_the_next_start(
    floor: store_db.Target, config_dir: Path
) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        await pick_theme(pilot, "nord")
        assert app.theme == "nord"
    assert load_settings().theme == "nord"

    again = make_app(floor)
    async with again.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        assert again.theme == "nord"


async def test_a_theme_set_any_way_is_remembered(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        app.theme = "gruvbox"
        await pilot.pause()
    assert load_settings().theme == "gruvbox"


async def test_a_16_colour_terminal_keeps_its_colours_and_the_saved_theme(
    floor: store_db.Target, config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_settings(config_dir, json.dumps({"theme": "nord"}))
    monkeypatch.setenv("TERM", "linux")
    app = make_app(floor)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == "ansi-dark"
    # What a 256-colour terminal chose is still there for it.
    assert load_settings().theme == "nord"


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("{broken", id="corrupt"),
        pytest.param(json.dumps({"theme": "no-such-theme"}), id="unknown-theme"),
    ],
)
async def test_a_bad_settings_file_starts_with_the_default_theme(
    floor: store_db.Target, config_dir: Path, content: str
) -> None:
    write_settings(config_dir, content)
    app = make_app(floor)
    async with app.run_test(size=(80, 24)) as pilot:
        await on_the_list(pilot)  # the app works: it shows a list
        assert app.theme == "textual-dark"
