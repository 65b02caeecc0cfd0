"""The comment box driven as a person drives it (Pilot) on a real SQLite
database: multi-line text posted with ctrl+j or alt+enter, the 5,000
character limit, drafts kept across Escape, @mention autocomplete and the
notification it leads to, files attached through the file picker (and an
executable refused), hostile text; the file picker on its own; and
snapshots of the box with a draft and an attached file, and with the
mention list open."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Label, OptionList, Static
from textual.widgets._toast import Toast

from crm_tui.app import CrmApp
from crm_tui.screens.base import CrmScreen
from crm_tui.screens.comment_dialog import (
    CommentDialog,
    open_comment_box,
    opportunity_comment_title,
)
from crm_tui.screens.file_picker import FilePickerDialog
from crm_tui.screens.queue import QueueScreen
from crm_tui.services import history
from crm_tui.services.comments import CommentRecord, CommentTarget, list_comments
from crm_tui.services.contacts import get_opportunity
from crm_tui.services.errors import DatabaseBusy
from crm_tui.services.notifications import list_notifications
from crm_tui.services.users import get_user
from crm_tui.store import db as store_db
from crm_tui.widgets.mention_picker import best_matches, mention_at
from crm_tui.widgets.path_input import PathInput

from .app_helpers import NOW_ENV, build_floor, make_app, settle, shown

FOLLOW_UP = 3  # "Llamada de seguimiento", luis's, C-001 / OP-001
FOLLOW_UP_TITLE = "Comment on interaction 3 · Llamada de seguimiento"
ON_FOLLOW_UP = CommentTarget(interaction_id=FOLLOW_UP)
ELF = b"\x7fELF\x02\x01\x01" + bytes(200)


@pytest.fixture
def floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> store_db.Target:
    """The snapshot floor in a folder of its own, which is also the
    current folder (where the file picker starts) and holds the
    attachment store."""
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("CRM_TUI_ATTACHMENTS", raising=False)
    monkeypatch.chdir(tmp_path)
    target = store_db.Target("sqlite", "crm.db")
    build_floor(target)
    return target


async def open_box(
    app: CrmApp,
    pilot: Pilot[Any],
    title: str = FOLLOW_UP_TITLE,
    target: CommentTarget = ON_FOLLOW_UP,
) -> CommentDialog:
    """The box (on the follow-up call unless `target` says otherwise),
    opened over the start screen as any screen opens it."""
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, CrmScreen)
    open_comment_box(screen, target, title, on_posted=lambda _comment: None)
    await settle(pilot, until=lambda: isinstance(app.screen, CommentDialog))
    dialog = app.screen
    assert isinstance(dialog, CommentDialog)
    await settle(pilot, until=lambda: dialog.picker.people is not None)
    return dialog


def message(dialog: CommentDialog) -> str:
    return shown(dialog.query_one("#comment-message", Label))


def files_shown(dialog: CommentDialog) -> str:
    files = dialog.query_one("#comment-files", Static)
    return shown(files) if files.display else ""


def counter(dialog: CommentDialog) -> str:
    return shown(dialog.query_one("#comment-count", Label))


def people_offered(dialog: CommentDialog) -> list[str]:
    picker = dialog.picker
    if not picker.is_open:
        return []
    return [str(picker.get_option_at_index(i).prompt) for i in range(picker.option_count)]


def toasts(app: CrmApp) -> list[str]:
    return [shown(toast) for toast in app.screen.query(Toast)]


def paste(app: CrmApp, text: str) -> None:
    """What a terminal delivers when text is pasted (into the box, which
    has the focus)."""
    app.post_message(events.Paste(text))


def comments_on(interaction: int) -> list[CommentRecord]:
    return list_comments(interaction)


async def attach(pilot: Pilot[Any], typed: str) -> None:
    """ctrl+o, type a name after the folder the picker starts in, Enter."""
    await pilot.press("ctrl+o")
    await settle(pilot)
    assert isinstance(pilot.app.screen, FilePickerDialog)
    await pilot.press(*typed, "enter")
    # Back in the box, which has the focus again (the text box, when the
    # file was attached).
    await settle(pilot, until=lambda: pilot.app.focused is not None)


# --- writing and posting --------------------------------------------------------------


async def test_enter_adds_lines_and_ctrl_j_posts(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        dialog = await open_box(app, pilot)
        title = dialog.query_one("#comment-dialog")._border_title
        assert title is not None and title.plain == FOLLOW_UP_TITLE
        assert app.focused is dialog.editor
        assert counter(dialog) == "0 / 5,000"
        await pilot.press(*"Primera línea", "enter", "enter", *"tercera, tras una vacía")
        assert counter(dialog) == "38 / 5,000"
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert app.screen is not dialog
        assert "Comment posted" in toasts(app)

    [comment] = comments_on(FOLLOW_UP)
    assert comment.body == "Primera línea\n\ntercera, tras una vacía"
    assert (comment.author, comment.kind, comment.mentions) == ("luis", "comment", ())
    assert history.list_history(interaction_id=FOLLOW_UP)[0].action == history.COMMENT_ADDED


async def test_alt_enter_posts_too(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_box(app, pilot)
        await pilot.press(*"Con alt+enter")
        await pilot.press("alt+enter")
        await settle(pilot)
        assert app.screen is not dialog
    assert [comment.body for comment in comments_on(FOLLOW_UP)] == ["Con alt+enter"]


async def test_a_comment_over_the_limit_is_refused_and_stays_as_typed(
    floor: store_db.Target,
) -> None:
    draft = "x" * 4_995 + "\nfinal"  # 5,001 characters
    app = make_app(floor)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_box(app, pilot)
        paste(app, draft)
        await settle(pilot)
        assert counter(dialog) == "5,001 / 5,000"
        assert dialog.query_one("#comment-count").has_class("-over")
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert app.screen is dialog
        assert message(dialog) == (
            "A comment can have at most 5,000 characters; this one has 5,001."
        )
        assert dialog.editor.text == draft

        await pilot.press("backspace")  # one less: now it fits
        assert counter(dialog) == "5,000 / 5,000"
        assert not dialog.query_one("#comment-count").has_class("-over")
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert app.screen is not dialog
    assert [len(comment.body) for comment in comments_on(FOLLOW_UP)] == [5_000]


async def test_an_empty_comment_is_not_posted(floor: store_db.Target) -> None:
    app = make_app(floor, lang="es")
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_box(app, pilot)
        assert dialog.editor.placeholder == "Escribe aquí…"
        await pilot.press("enter", "space", "ctrl+j")
        await settle(pilot)
        assert app.screen is dialog
        assert message(dialog) == (
            "Aún no hay nada que publicar: escriba algo o adjunte un archivo."
        )
    assert comments_on(FOLLOW_UP) == []


async def test_a_busy_database_says_so_and_keeps_everything(
    floor: store_db.Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm_tui.screens import comment_dialog

    real_add_comment = comment_dialog.add_comment
    failures = [DatabaseBusy()]

    def busy_once(*args: Any, **kwargs: Any) -> CommentRecord:
        if failures:
            raise failures.pop()
        return real_add_comment(*args, **kwargs)

    monkeypatch.setattr(comment_dialog, "add_comment", busy_once)
    app = make_app(floor)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_box(app, pilot)
        await pilot.press(*"Sigue aquí")
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert app.screen is dialog
        assert message(dialog).startswith("the database stayed busy")
        assert dialog.editor.text == "Sigue aquí"

        await pilot.press("ctrl+j")  # tried again: it goes through
        await settle(pilot)
        assert app.screen is not dialog
    assert [comment.body for comment in comments_on(FOLLOW_UP)] == ["Sigue aquí"]


async def test_a_comment_on_an_opportunity(floor: store_db.Target) -> None:
    opportunity = get_opportunity("OP-001")
    title = opportunity_comment_title(opportunity)
    assert title == "Comment on opportunity OP-001 · Renovación de contrato"
    app = make_app(floor)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_box(
            app, pilot, title=title, target=CommentTarget(opportunity_id=opportunity.id)
        )
        await pilot.press(*"Sobre la renovación", "ctrl+j")
        await settle(pilot)
        assert app.screen is not dialog
    [event] = [
        event
        for event in history.list_history(opportunity_id=opportunity.id)
        if event.action == history.COMMENT_ADDED
    ]
    assert (event.actor, event.interaction_id) == ("luis", None)


# --- drafts ---------------------------------------------------------------------------


async def test_escape_keeps_the_draft_for_that_item_until_it_is_posted(
    floor: store_db.Target,
) -> None:
    Path("acta.txt").write_text("Acta de la reunión\n")
    app = make_app(floor)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await app.switch_mode("queue")
        await settle(pilot)
        queue = app.screen
        assert isinstance(queue, QueueScreen)
        meeting = queue.table.record_at_cursor()
        assert meeting is not None and meeting.subject == "Reunión de cierre"

        await pilot.press("c")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CommentDialog)
        await pilot.press(*"A medias", "enter", *"sigue")
        await attach(pilot, "acta.txt")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is queue

        await pilot.press("c")  # the same item: the draft comes back
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CommentDialog)
        assert dialog.editor.text == "A medias\nsigue"
        assert dialog.editor.cursor_location == (1, 5)  # typing goes on at the end
        assert files_shown(dialog) == "📎 acta.txt · 20 B"
        await pilot.press(*" y termina", "ctrl+j")
        await settle(pilot)
        assert app.screen is queue

        await pilot.press("c")  # posted: the box starts empty again
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CommentDialog)
        assert dialog.editor.text == ""
        assert files_shown(dialog) == ""

    [comment] = comments_on(meeting.id)
    assert comment.body == "A medias\nsigue y termina"
    assert [attachment.file_name for attachment in comment.attachments] == ["acta.txt"]


async def test_drafts_are_kept_per_item(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_box(app, pilot)
        await pilot.press(*"Para la 3", "escape")
        await settle(pilot)
        other = await open_box(
            app, pilot, title="Comment on interaction 2", target=CommentTarget(interaction_id=2)
        )
        assert other.editor.text == ""
        await pilot.press("escape")
        again = await open_box(app, pilot)
        assert again.editor.text == "Para la 3"


# --- @mentions ------------------------------------------------------------------------


async def test_at_offers_people_and_a_mention_notifies_them(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        dialog = await open_box(app, pilot)
        await pilot.press(*"Hola @")
        # Everyone active but the author, by display name.
        assert people_offered(dialog) == ["Ana Ruiz @ana", "Marta Vidal @marta"]
        await pilot.press(*"ma")
        assert people_offered(dialog) == ["Marta Vidal @marta"]
        await pilot.press("enter")
        assert dialog.editor.text == "Hola @marta "
        assert not dialog.picker.is_open
        await pilot.press(*"mira esto", "enter", *"segunda línea")  # Enter: a new line again
        assert dialog.editor.text == "Hola @marta mira esto\nsegunda línea"
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert "Comment posted and 1 person notified" in toasts(app)

    [comment] = comments_on(FOLLOW_UP)
    assert comment.mentions == ("marta",)
    [notification] = [
        notification
        for notification in list_notifications(get_user("marta").id)
        if notification.kind == "mention"
    ]
    assert (notification.actor, notification.interaction_id) == ("luis", FOLLOW_UP)
    assert notification.text == "Hola @marta mira esto"


async def test_arrows_and_tab_choose_escape_hides_the_list_then_closes(
    floor: store_db.Target,
) -> None:
    app = make_app(floor)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_box(app, pilot)
        await pilot.press(*"(@")
        assert people_offered(dialog) == ["Ana Ruiz @ana", "Marta Vidal @marta"]
        await pilot.press("down", "tab")
        assert dialog.editor.text == "(@marta "

        await pilot.press(*"y @an")
        assert people_offered(dialog) == ["Ana Ruiz @ana"]
        await pilot.press("escape")  # hides the list; the box stays
        assert app.screen is dialog and not dialog.picker.is_open
        await pilot.press(*"onimo", "enter")  # still hidden: Enter is a new line
        assert dialog.editor.text == "(@marta y @anonimo\n"
        await pilot.press("up")  # the arrows move the cursor as usual
        assert dialog.editor.cursor_location == (0, 0)

        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is not dialog


async def test_an_unknown_name_and_an_address_stay_text(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        dialog = await open_box(app, pilot)
        await pilot.press(*"ana@example.com")
        assert not dialog.picker.is_open  # an address, not a mention
        await pilot.press(*" y @zzz")
        assert not dialog.picker.is_open  # nobody matches: no list
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert "Comment posted" in toasts(app)
    [comment] = comments_on(FOLLOW_UP)
    assert (comment.body, comment.mentions) == ("ana@example.com y @zzz", ())
    assert not any(
        notification.kind == "mention" for notification in list_notifications(get_user("ana").id)
    )


def test_fuzzy_matches_come_best_first_and_at_most_six() -> None:
    from crm_tui.services.records import UserRecord

    def person(username: str, name: str) -> UserRecord:
        return UserRecord(0, username, username, name, None, "agent", True)

    people = [person(f"user{n}", f"Persona {n}") for n in range(10)]
    people.append(person("mvidal", "Marta Vidal"))
    assert len(best_matches("", people)) == 6
    assert [user.username for user, _label in best_matches("mvid", people)] == ["mvidal"]
    [(_user, label)] = best_matches("vidal", people)
    assert label.plain == "Marta Vidal @mvidal"
    assert [span.start for span in label.spans] == [6, 7, 8, 9, 10]  # "Vidal" highlighted
    assert mention_at("escribe a @mar", 14) is not None
    assert mention_at("ana@exam", 8) is None
    assert mention_at("@mar y más", 3) == mention_at("@mar", 3)


# --- attachments ----------------------------------------------------------------------


async def test_a_file_chosen_in_the_picker_is_attached_and_posted(floor: store_db.Target) -> None:
    Path("oferta.pdf").write_bytes(b"%PDF-1.7\n" + bytes(1_258_282))  # 1.2 MB
    app = make_app(floor)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_box(app, pilot)
        await attach(pilot, "oferta.pdf")
        assert app.screen is dialog
        assert files_shown(dialog) == "📎 oferta.pdf · 1.2 MB"
        await pilot.press(*"Adjunto la oferta", "ctrl+j")
        await settle(pilot)
        assert app.screen is not dialog

    [comment] = comments_on(FOLLOW_UP)
    [attachment] = comment.attachments
    assert (attachment.file_name, attachment.size, attachment.media_type) == (
        "oferta.pdf",
        1_258_291,
        "application/pdf",
    )
    stored = Path("attachments") / attachment.sha256[:2] / attachment.sha256
    assert stored.read_bytes() == Path("oferta.pdf").read_bytes()


async def test_files_alone_can_be_posted_and_ctrl_r_removes_the_last(
    floor: store_db.Target,
) -> None:
    Path("uno.txt").write_text("uno")
    Path("dos.csv").write_text("a,b\n")
    app = make_app(floor)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_box(app, pilot)
        await attach(pilot, "uno.txt")
        await attach(pilot, "dos.csv")
        assert files_shown(dialog) == "📎 uno.txt · 3 B\n📎 dos.csv · 4 B"
        await pilot.press("ctrl+r")
        assert files_shown(dialog) == "📎 uno.txt · 3 B"
        await pilot.press("ctrl+j")  # no text: the file is the comment
        await settle(pilot)
        assert app.screen is not dialog
    [comment] = comments_on(FOLLOW_UP)
    assert comment.body == ""
    assert [attachment.file_name for attachment in comment.attachments] == ["uno.txt"]


async def test_an_executable_is_refused_at_once(floor: store_db.Target) -> None:
    Path("informe.pdf").write_bytes(ELF)  # a program, whatever its name says
    app = make_app(floor)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_box(app, pilot)
        await pilot.press(*"Texto")
        await attach(pilot, "informe.pdf")
        assert app.screen is dialog
        assert message(dialog).endswith(
            "informe.pdf is a program or a script; programs and scripts cannot be attached"
        )
        assert files_shown(dialog) == ""
        assert dialog.editor.text == "Texto"
    assert not list(Path("attachments").glob("*/*"))


# --- hostile text ---------------------------------------------------------------------

HOSTILE_TYPED = "[bold]x[/] [@click=app.quit]q[/] "
HOSTILE_PASTED = "\x1b]0;title\x07 مرحبا بالعالم 👩‍💻🎉 [red]"


async def test_hostile_text_is_posted_as_typed(floor: store_db.Target) -> None:
    hostile_title = "Comment on [b]3[/] \x1b[31m"
    app = make_app(floor)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        dialog = await open_box(app, pilot, title=hostile_title)
        title = dialog.query_one("#comment-dialog")._border_title
        assert title is not None and title.plain == "Comment on [b]3[/] [31m"
        await pilot.press(*HOSTILE_TYPED)
        paste(app, HOSTILE_PASTED)
        await settle(pilot)
        await pilot.click("#comment-text", offset=(12, 1))  # clicking the text runs nothing
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert app.is_running
        assert app.screen is not dialog
        assert "Comment posted" in toasts(app)
    [comment] = comments_on(FOLLOW_UP)
    assert comment.body == "[bold]x[/] [@click=app.quit]q[/] ]0;title مرحبا بالعالم 👩‍💻🎉 [red]"


# --- the file picker ------------------------------------------------------------------


def entries_shown(picker: FilePickerDialog) -> list[str]:
    entries = picker.query_one("#file-picker-entries", OptionList)
    return [str(entries.get_option_at_index(i).prompt) for i in range(entries.option_count)]


def note(picker: FilePickerDialog) -> str:
    return shown(picker.query_one("#file-picker-note", Label))


async def open_picker(app: CrmApp, pilot: Pilot[Any], start: Path) -> list[Path | None]:
    chosen: list[Path | None] = []
    await settle(pilot)
    app.push_screen(FilePickerDialog(start), chosen.append)
    await settle(pilot, until=lambda: isinstance(app.screen, FilePickerDialog))
    await settle(pilot, until=lambda: app.screen.listing is not None)
    return chosen


async def test_the_picker_lists_folders_first_and_narrows_as_typed(
    floor: store_db.Target, tmp_path: Path
) -> None:
    papers = tmp_path / "papeles"
    (papers / "Facturas").mkdir(parents=True)
    (papers / "albaranes").mkdir()
    for name in ("presupuesto.pdf", "Pedido.xlsx", ".oculto", "[red]raro\x1b.txt"):
        (papers / name).write_text("x")
    app = make_app(floor)
    async with app.run_test(size=(80, 30)) as pilot:
        chosen = await open_picker(app, pilot, papers)
        picker = app.screen
        assert isinstance(picker, FilePickerDialog)
        assert picker.query_one(PathInput).value == f"{papers}/"
        # Folders first; names as typed (the control character dropped);
        # hidden files only when asked for.
        assert entries_shown(picker) == [
            "albaranes/",
            "Facturas/",
            "[red]raro.txt",
            "Pedido.xlsx",
            "presupuesto.pdf",
        ]
        await pilot.press("p")
        await settle(pilot)
        assert entries_shown(picker) == ["presupuesto.pdf"]
        await pilot.press("backspace", ".")
        await settle(pilot)
        assert entries_shown(picker) == [".oculto"]
        await pilot.press("backspace", *"Fa", "enter")  # a folder: Enter goes into it
        await settle(pilot)
        assert picker.query_one(PathInput).value == f"{papers}/Facturas/"
        assert note(picker) == "Nothing here matches"
        await pilot.press(*["backspace"] * len("Facturas/"), *"pr", "tab")  # Tab completes
        await settle(pilot)
        assert picker.query_one(PathInput).value == f"{papers}/presupuesto.pdf"
        await pilot.press("enter")
        await settle(pilot)
    assert chosen == [papers / "presupuesto.pdf"]


async def test_the_picker_starts_where_the_last_file_was_chosen(
    floor: store_db.Target, tmp_path: Path
) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.txt").write_text("a")
    app = make_app(floor)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_box(app, pilot)
        await attach(pilot, "docs/a.txt")
        assert files_shown(dialog) == "📎 a.txt · 1 B"
        await pilot.press("ctrl+o")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, FilePickerDialog)
        assert picker.query_one(PathInput).value == f"{tmp_path}/docs/"
        await pilot.press("down", "enter")  # the highlighted file
        await settle(pilot)
        assert app.screen is dialog
        assert message(dialog) == "a.txt is attached already."


async def test_a_large_folder_lists_the_first_entries_and_escape_cancels(
    floor: store_db.Target, tmp_path: Path
) -> None:
    big = tmp_path / "big"
    big.mkdir()
    for number in range(350):
        (big / f"f{number:03d}.txt").write_text("")
    app = make_app(floor)
    async with app.run_test(size=(80, 24)) as pilot:
        chosen = await open_picker(app, pilot, big)
        picker = app.screen
        assert isinstance(picker, FilePickerDialog)
        assert len(entries_shown(picker)) == 300
        assert note(picker) == "The first 300 of 350 entries; type to narrow"
        await pilot.press(*"f34")
        await settle(pilot)
        assert entries_shown(picker) == [f"f34{n}.txt" for n in range(10)]
        await pilot.press("enter")  # a typed name picks its best match
        await settle(pilot)
        assert chosen == [big / "f340.txt"]

        chosen = await open_picker(app, pilot, big)
        await pilot.press(*"nada", "enter")
        await settle(pilot)
        assert note(app.screen) == f"No such file: {big}/nada"
        await pilot.press("escape")
        await settle(pilot)
        assert chosen == [None]


# --- snapshots ------------------------------------------------------------------------


async def open_box_for_a_picture(pilot: Pilot[Any]) -> CommentDialog:
    dialog = await open_box(pilot.app, pilot)
    dialog.editor.cursor_blink = False  # the same picture on every run
    return dialog


async def show_draft_with_a_file(pilot: Pilot[Any]) -> None:
    Path("presupuesto.pdf").write_bytes(b"%PDF-1.7\n" + bytes(1_258_282))
    await open_box_for_a_picture(pilot)
    await pilot.press(*"Hola Marta: adjunto el presupuesto revisado.", "enter")
    await pilot.press(*"Llamo al cliente mañana a primera hora.")
    await attach(pilot, "presupuesto.pdf")


async def show_the_mention_list(pilot: Pilot[Any]) -> None:
    await open_box_for_a_picture(pilot)
    await pilot.press(*"Lo revisamos con @a")
    await pilot.pause()


def test_snapshot_comment_box_with_a_draft_and_a_file(
    snap_compare: Any, floor: store_db.Target
) -> None:
    assert snap_compare(make_app(floor), terminal_size=(80, 24), run_before=show_draft_with_a_file)


def test_snapshot_comment_box_with_the_mention_list(
    snap_compare: Any, floor: store_db.Target
) -> None:
    assert snap_compare(make_app(floor), terminal_size=(80, 24), run_before=show_the_mention_list)


async def test_an_absolute_or_home_path_typed_over_the_folder_starts_afresh(
    floor: store_db.Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The picker opens with a folder filled in; typing "/…" or "~/…" after
    it means that path, not the folder with it glued on."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "oferta.pdf").write_bytes(b"%PDF-1.7 oferta")
    home = tmp_path / "home"
    (home / "Documentos").mkdir(parents=True)
    (home / "Documentos" / "acta.txt").write_text("acta")
    monkeypatch.setenv("HOME", str(home))
    start = tmp_path / "start"
    start.mkdir()
    app = make_app(floor)
    async with app.run_test(size=(100, 30)) as pilot:
        chosen = await open_picker(app, pilot, start)
        path_input = app.screen.query_one(PathInput)
        await pilot.press(*f"{elsewhere}/oferta.pdf")
        assert path_input.value == f"{elsewhere}/oferta.pdf"
        await pilot.press("enter")
        await settle(pilot)
        assert chosen == [elsewhere / "oferta.pdf"]

        chosen = await open_picker(app, pilot, start)
        await pilot.press(*"~/Documentos/acta.txt", "enter")
        await settle(pilot)
        assert chosen == [home / "Documentos" / "acta.txt"]
