"""My queue driven as an agent drives it (Pilot): what it lists and in
which order, each triage key with the database checked afterwards, undo,
a change by someone else in between, the dialogs, paging; and snapshots
at 80x24 and 120x40."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label, OptionList, TextArea
from textual.widgets._toast import Toast

from crm_tui.app import CrmApp
from crm_tui.screens.comment_dialog import CommentDialog
from crm_tui.screens.interaction_detail import InteractionDetailScreen
from crm_tui.screens.outcome_dialog import OutcomeDialog
from crm_tui.screens.queue import QueueScreen
from crm_tui.screens.reassign_dialog import ReassignDialog
from crm_tui.screens.snooze_dialog import SnoozeDialog
from crm_tui.services import history
from crm_tui.services.comments import list_comments
from crm_tui.services.errors import DatabaseBusy
from crm_tui.services.interactions import edit_interaction
from crm_tui.services.listing import get_interaction
from crm_tui.services.records import InteractionRecord
from crm_tui.services.users import get_user
from crm_tui.store import db as store_db

from .app_helpers import NOW, NOW_ENV, build_floor, column_texts, log, make_app, settle, shown
from .conftest import World

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)


def task(subject: str, due: datetime, **fields: Any) -> InteractionRecord:
    """An open task of luis's (unless `user` or `status` say otherwise),
    due at `due`."""
    fields.setdefault("status", "pending")
    fields.setdefault("kind", "task")
    return log(subject, NOW - timedelta(days=5), follow_up_at=due, **fields)


async def open_queue(app: CrmApp, pilot: Pilot[None]) -> QueueScreen:
    await settle(pilot)
    await app.switch_mode("queue")
    await settle(pilot)
    assert isinstance(app.screen, QueueScreen)
    return app.screen


def subjects(screen: QueueScreen) -> list[str]:
    """The subject of each row (without the note preview)."""
    return [text.split(" — ")[0] for text in column_texts(screen.table, "subject")]


def under_cursor(screen: QueueScreen) -> str:
    record = screen.table.record_at_cursor()
    assert record is not None
    return record.subject


def status_line(screen: QueueScreen) -> str:
    overdue = shown(screen.query_one("#queue-overdue", Label))
    return f"{overdue} {shown(screen.query_one('#queue-status', Label))}".strip()


def toasts(app: CrmApp) -> list[str]:
    return [shown(toast) for toast in app.screen.query(Toast)]


async def press(pilot: Pilot[None], *keys: str) -> None:
    """Press keys as a person does, and wait for the writes they start."""
    await pilot.press(*keys)
    await settle(pilot)


def actions(record: InteractionRecord) -> list[str]:
    """The history of an item, oldest first."""
    return [event.action for event in reversed(history.list_history(interaction_id=record.id))]


# --- what the queue lists ------------------------------------------------------------


async def test_the_queue_lists_my_open_items_overdue_first_then_by_due(
    world: World, db: store_db.Target, now: None
) -> None:
    task("Mañana", NOW + timedelta(days=1, hours=-1), priority="urgent")
    task("Vencida ayer", NOW - timedelta(days=1), status="in_progress", note="Pedir el NIF")
    task("Esta tarde", NOW + timedelta(hours=5), priority="high", type="email")
    task("Vencida hoy", NOW - timedelta(hours=2), priority="low")
    task("Hecha", NOW - timedelta(days=2), status="done")
    task("Cancelada", NOW - timedelta(days=2), status="cancelled")
    task("De Marta", NOW - timedelta(days=2), user="marta")
    task("De la bolsa", NOW - timedelta(days=2), user=None)
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_queue(app, pilot)
        assert subjects(screen) == ["Vencida ayer", "Vencida hoy", "Esta tarde", "Mañana"]
        table = screen.table
        assert column_texts(table, "due") == ["! Nov 22", "! 08:00", "  15:00", "  Nov 24"]
        assert column_texts(table, "priority") == ["Normal", "↓ Low", "↑ High", "↑↑ Urgent"]
        assert column_texts(table, "status") == ["In progress", "Pending", "Pending", "Pending"]
        assert column_texts(table, "type")[2] == "✉ E-mail"
        assert column_texts(table, "contact")[0] == "Ferretería López"
        # The note says what is to be done: previewed however old the item is.
        assert column_texts(table, "subject")[0] == "Vencida ayer — Pedir el NIF"
        assert shown(screen.query_one("#list-heading", Label)) == "My queue"
        assert status_line(screen) == "! 2 overdue · 4 shown"
        assert not screen.query_one("#queue-empty").display


async def test_an_empty_queue_says_so(world: World, db: store_db.Target, now: None) -> None:
    task("De Marta", NOW, user="marta")
    store_db.close()
    app = make_app(db, lang="es")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(app, pilot)
        assert screen.table.row_count == 0
        empty = screen.query_one("#queue-empty", Label)
        assert empty.display
        assert shown(empty) == "Su cola está vacía: no tiene nada pendiente ni en curso."
        assert shown(screen.query_one("#list-heading", Label)) == "Mi cola"


async def test_paging_a_queue_of_200_items(world: World, db: store_db.Target, now: None) -> None:
    for number in range(200):
        task(f"Tarea {number:03d}", NOW + timedelta(minutes=number - 100))
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_queue(app, pilot)
        table = screen.table
        assert table.row_count == 50 and table.has_more
        assert status_line(screen) == "! 50 overdue · 50 shown · more below"

        await press(pilot, "G")  # near the end of what is loaded: the next page comes
        assert table.row_count == 100
        for _ in range(3):
            await press(pilot, "G")
        assert table.row_count == 200 and not table.has_more
        assert subjects(screen) == [f"Tarea {n:03d}" for n in range(200)]
        assert status_line(screen) == "! 100 overdue · 200 shown"


# --- one key per action ---------------------------------------------------------------


async def test_status_keys_write_the_status_and_move_on(
    world: World, db: store_db.Target, now: None
) -> None:
    first = task("Primera", NOW - timedelta(hours=3))
    second = task("Segunda", NOW - timedelta(hours=2))
    third = task("Tercera", NOW - timedelta(hours=1), status="in_progress")
    fourth = task("Cuarta", NOW + timedelta(hours=1))
    fifth = task("Quinta", NOW + timedelta(hours=2))
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        screen = await open_queue(app, pilot)
        version = app.data_version

        await press(pilot, "w")  # in progress: still mine and open, so it stays
        assert subjects(screen) == ["Primera", "Segunda", "Tercera", "Cuarta", "Quinta"]
        assert column_texts(screen.table, "status")[0] == "In progress"
        assert under_cursor(screen) == "Segunda"  # the cursor moved on
        assert "In progress: Primera\nu undoes it." in toasts(app)
        assert app.data_version > version

        await press(pilot, "d")  # done: it leaves the queue
        assert subjects(screen) == ["Primera", "Tercera", "Cuarta", "Quinta"]
        assert under_cursor(screen) == "Tercera"

        await press(pilot, "p")
        assert column_texts(screen.table, "status")[1] == "Pending"
        assert under_cursor(screen) == "Cuarta"

        await press(pilot, "X")  # cancelled (`c` is "comment")
        assert subjects(screen) == ["Primera", "Tercera", "Quinta"]
        assert under_cursor(screen) == "Quinta"

        await press(pilot, "p")  # already pending: nothing is written
        assert "Already Pending: Quinta" in toasts(app)

    assert get_interaction(first.id).status == "in_progress"
    assert get_interaction(second.id).status == "done"
    assert get_interaction(third.id).status == "pending"
    assert get_interaction(fourth.id).status == "cancelled"
    assert get_interaction(fifth.id).version == fifth.version
    assert actions(second) == [history.INTERACTION_CREATED, history.STATUS_CHANGED]
    changed = history.list_history(interaction_id=second.id)[0]
    assert changed.actor == "luis"
    assert changed.details == {"from": "pending", "to": "done"}


async def test_keys_pressed_quickly_act_on_one_item_each(
    world: World, db: store_db.Target, now: None
) -> None:
    items = [task(f"Llamada {n}", NOW + timedelta(hours=n)) for n in range(4)]
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_queue(app, pilot)
        await pilot.press("d", "d", "d")  # no waiting between the keys
        await settle(pilot)
        assert subjects(screen) == ["Llamada 3"]
    assert [get_interaction(item.id).status for item in items] == ["done"] * 3 + ["pending"]


async def test_snooze_an_hour_and_a_day_keeps_the_row_with_its_new_due_time(
    world: World, db: store_db.Target, now: None
) -> None:
    overdue = task("Vencida", NOW - timedelta(days=2))
    later = task("Más tarde", NOW + timedelta(hours=3))
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        screen = await open_queue(app, pilot)
        await press(pilot, "s")  # overdue: an hour from now, not from when it was due
        assert column_texts(screen.table, "due") == ["  11:00", "  13:00"]
        assert under_cursor(screen) == "Más tarde"
        assert any(toast.startswith("Snoozed: Vencida → Mon 23 Nov 11:00") for toast in toasts(app))
        assert status_line(screen) == "nothing overdue · 2 shown"

        await press(pilot, "S")  # a day after it was due
        assert column_texts(screen.table, "due") == ["  11:00", "  Nov 24"]

    assert get_interaction(overdue.id).due_at == NOW + timedelta(hours=1)
    assert get_interaction(later.id).follow_up_at == NOW + timedelta(days=1, hours=3)
    assert actions(later)[-1] == history.INTERACTION_EDITED


async def test_snooze_to_a_typed_date_previews_it_and_saves_it(
    world: World, db: store_db.Target, now: None
) -> None:
    item = task("Reunión", NOW - timedelta(hours=1))
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(app, pilot)
        await press(pilot, "t")
        assert isinstance(app.screen, SnoozeDialog)
        await pilot.press(*"mañana 10:00")
        preview = shown(app.screen.query_one("#snooze-preview", Label))
        assert preview == "→ Tue 24 Nov 10:00 (in 1 day)"
        await pilot.press(*["backspace"] * 6)  # "mañana" alone keeps the item's time
        assert shown(app.screen.query_one("#snooze-preview", Label)) == (
            "→ Tue 24 Nov 09:00 (in 1 day)"
        )
        await press(pilot, "enter")
        assert app.screen is screen
        assert column_texts(screen.table, "due") == ["  Nov 24"]
    assert get_interaction(item.id).due_at == datetime(2026, 11, 24, 9, 0)


async def test_a_bad_date_says_so_and_keeps_the_text(
    world: World, db: store_db.Target, now: None
) -> None:
    item = task("Reunión", NOW - timedelta(hours=1))
    store_db.close()

    app = make_app(db, lang="es")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(app, pilot)
        await press(pilot, "t")
        dialog = app.screen
        assert isinstance(dialog, SnoozeDialog)
        await pilot.press(*"el jueves que no")
        assert shown(dialog.query_one("#snooze-preview", Label)) == "→ aún no es una fecha"
        await press(pilot, "enter")
        assert app.screen is dialog  # still open, with what was typed
        assert dialog.query_one("#snooze-when", Input).value == "el jueves que no"
        error = shown(dialog.query_one("#snooze-when-field .form-error", Label))
        assert error.startswith("'el jueves que no' no es una fecha")

        await pilot.press(*["backspace"] * 16, *"ayer")  # a day that has passed
        await press(pilot, "enter")
        assert app.screen is dialog
        error = shown(dialog.query_one("#snooze-when-field .form-error", Label))
        assert error == "dom 22 nov 09:00 ya pasó; posponga a un momento posterior"

        await press(pilot, "escape")
        assert isinstance(app.screen, QueueScreen)
    assert get_interaction(item.id).version == item.version


async def test_reassign_to_a_colleague_filtering_by_name(
    world: World, db: store_db.Target, now: None
) -> None:
    item = task("Pasar a Marta", NOW)
    task("Se queda", NOW + timedelta(hours=1))
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_queue(app, pilot)
        await press(pilot, "a")
        dialog = app.screen
        assert isinstance(dialog, ReassignDialog)
        people = dialog.query_one(OptionList)
        prompts = [str(people.get_option_at_index(i).prompt) for i in range(people.option_count)]
        # Everyone active but the current responsible, after the pool.
        assert prompts == ["Shared pool (nobody)", "Ana Ruiz (ana)", "Marta Vidal (marta)"]
        await pilot.press(*"vid")
        assert [str(people.get_option_at_index(i).prompt) for i in range(people.option_count)] == [
            "Marta Vidal (marta)"
        ]
        await press(pilot, "enter")
        assert subjects(screen) == ["Se queda"]
        assert any(toast.startswith("Given to Marta Vidal: Pasar a Marta") for toast in toasts(app))

    after = get_interaction(item.id)
    assert after.user == "marta"
    assert actions(item)[-1] == history.ASSIGNMENT_CHANGED


async def test_reassign_to_the_shared_pool(world: World, db: store_db.Target, now: None) -> None:
    item = task("A la bolsa", NOW)
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(app, pilot)
        await press(pilot, "a")
        await pilot.press(*"zzz")
        people = app.screen.query_one(OptionList)
        assert str(people.get_option_at_index(0).prompt) == "Nobody matches “zzz”"
        await pilot.press("backspace", "backspace", "backspace", "down", "up")
        await press(pilot, "enter")  # the first choice: the pool
        assert screen.table.row_count == 0
    assert get_interaction(item.id).user is None
    assert actions(item)[-1] == history.ASSIGNMENT_REMOVED


async def test_log_outcome_records_it_with_the_note_and_marks_done(
    world: World, db: store_db.Target, now: None
) -> None:
    item = task("Llamar a López", NOW, note="Preguntar por el pedido.")
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_queue(app, pilot)
        await press(pilot, "o")
        dialog = app.screen
        assert isinstance(dialog, OutcomeDialog)
        await pilot.press("down", "down", "down", "enter")  # Voicemail, then the note
        assert app.focused is dialog.query_one(TextArea)
        await pilot.press(*"Dejado mensaje", "enter", *"[bold]volver[/]")
        await press(pilot, "ctrl+s")
        assert screen.table.row_count == 0
        assert any(
            toast.startswith("Outcome “Voicemail” logged, done: Llamar a López")
            for toast in toasts(app)
        )

    after = get_interaction(item.id)
    assert (after.status, after.outcome) == ("done", "voicemail")
    # The note is kept as a report on the item; the item's own note stays.
    assert after.note == "Preguntar por el pedido."
    [report] = list_comments(item.id)
    assert (report.kind, report.author, report.body) == (
        "report",
        "luis",
        "Dejado mensaje\n[bold]volver[/]",
    )
    assert history.STATUS_CHANGED in actions(item)


async def test_an_outcome_note_longer_than_a_comment_is_refused_in_the_dialog(
    world: World, db: store_db.Target, now: None
) -> None:
    """The note becomes a report, a comment: 5,001 characters are refused
    where they were typed, with the limit named, and nothing is lost."""
    item = task("Llamar a López", NOW)
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_queue(app, pilot)
        await press(pilot, "o")
        dialog = app.screen
        assert isinstance(dialog, OutcomeDialog)
        await pilot.press("enter")
        note = dialog.query_one(TextArea)
        note.insert("x" * 5_001)
        await press(pilot, "ctrl+s")
        assert app.screen is dialog
        assert note.text == "x" * 5_001
        assert "5,000" in shown(dialog.query_one("#outcome-note-field .form-error"))
    after = get_interaction(item.id)
    assert (after.status, after.version) == ("pending", item.version)
    assert list_comments(item.id) == []


async def test_undoing_an_outcome_takes_its_report_back_too(
    world: World, db: store_db.Target, now: None
) -> None:
    item = task("Llamar a Sol", NOW)
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_queue(app, pilot)
        await press(pilot, "o")
        await pilot.press("enter", *"Cerrado el pedido")  # Connected, then the note
        await press(pilot, "ctrl+s")
        assert screen.table.row_count == 0
        assert [c.kind for c in list_comments(item.id)] == ["report"]
        await press(pilot, "u")
        assert under_cursor(screen) == "Llamar a Sol"

    assert get_interaction(item.id).status == "pending"
    assert list_comments(item.id) == []
    assert history.COMMENT_DELETED in actions(item)  # the history keeps both


async def test_escape_cancels_a_dialog_and_writes_nothing(
    world: World, db: store_db.Target, now: None
) -> None:
    item = task("Nada cambia", NOW)
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_queue(app, pilot)
        for key in ("o", "a", "t"):
            await press(pilot, key)
            await press(pilot, "escape")
            assert app.screen is screen
        assert under_cursor(screen) == "Nada cambia"
    assert get_interaction(item.id).version == item.version


async def test_c_comments_on_the_item_under_the_cursor_and_changes_nothing_else(
    world: World, db: store_db.Target, now: None
) -> None:
    task("Primera", NOW - timedelta(hours=1))
    second = task("[b]Segunda[/]", NOW + timedelta(hours=1))
    task("Tercera", NOW + timedelta(hours=2))
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        screen = await open_queue(app, pilot)
        await press(pilot, "j", "c")
        dialog = app.screen
        assert isinstance(dialog, CommentDialog)
        title = dialog.query_one("#comment-dialog")._border_title
        assert title is not None
        assert title.plain == f"Comment on interaction {second.id} · [b]Segunda[/]"
        await pilot.press(*"Llamo yo", "enter", *"mañana")
        await press(pilot, "ctrl+j")
        assert app.screen is screen
        assert "Comment posted" in toasts(app)
        # Nothing else moved: the same rows, the cursor on the same item.
        assert subjects(screen) == ["Primera", "[b]Segunda[/]", "Tercera"]
        assert under_cursor(screen) == "[b]Segunda[/]"

        await press(pilot, "c", "escape")  # the box closed unposted writes nothing
        assert app.screen is screen

    [comment] = list_comments(second.id)
    assert (comment.author, comment.body) == ("luis", "Llamo yo\nmañana")
    assert get_interaction(second.id).version == second.version


# --- undo -------------------------------------------------------------------------------


async def test_undo_puts_back_the_last_change_then_the_one_before(
    world: World, db: store_db.Target, now: None
) -> None:
    done = task("Hecha por error", NOW - timedelta(hours=1))
    snoozed = task("Pospuesta por error", NOW + timedelta(hours=1))
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        screen = await open_queue(app, pilot)
        await press(pilot, "d")  # the first leaves the queue
        await press(pilot, "S")  # the second moves a day
        assert subjects(screen) == ["Pospuesta por error"]

        await press(pilot, "u")
        assert column_texts(screen.table, "due") == ["  11:00"]
        assert get_interaction(snoozed.id).due_at == snoozed.due_at
        assert "Undone: Pospuesta por error" in toasts(app)

        await press(pilot, "u")
        assert subjects(screen) == ["Hecha por error", "Pospuesta por error"]
        assert under_cursor(screen) == "Hecha por error"
        restored = get_interaction(done.id)
        assert restored.status == "pending"

        await press(pilot, "u")
        assert "Nothing to undo" in toasts(app)

    # History is append-only: the undo is one more change.
    assert actions(done) == [
        history.INTERACTION_CREATED,
        history.STATUS_CHANGED,
        history.STATUS_CHANGED,
    ]


async def test_two_changes_to_one_item_undo_one_after_the_other(
    world: World, db: store_db.Target, now: None
) -> None:
    item = task("Dos veces", NOW + timedelta(hours=2))
    task("Siguiente", NOW + timedelta(hours=5))
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await open_queue(app, pilot)
        await press(pilot, "s")  # 13:00; the cursor moves on
        await press(pilot, "k", "w")  # back to it: in progress
        assert get_interaction(item.id).status == "in_progress"

        await press(pilot, "u", "u")
        assert column_texts(screen.table, "status")[0] == "Pending"
        assert column_texts(screen.table, "due")[0] == "  12:00"
    after = get_interaction(item.id)
    assert (after.status, after.due_at) == ("pending", item.due_at)


# --- someone else changed it ---------------------------------------------------------------


async def test_a_change_by_someone_else_is_not_overwritten(
    world: World, db: store_db.Target, now: None
) -> None:
    item = task("Disputada", NOW)
    task("Otra", NOW + timedelta(hours=1))
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        screen = await open_queue(app, pilot)
        # Marta sets it in progress and renames it while luis looks at it.
        edit_interaction(
            item.id,
            {"status": "in_progress", "subject": "Disputada (Marta)"},
            actor=get_user("marta"),
        )
        await press(pilot, "d")
        assert "marta changed this interaction while you edited it" in toasts(app)
        # The row shows what Marta did; nothing of luis's key was written.
        assert subjects(screen) == ["Disputada (Marta)", "Otra"]
        assert column_texts(screen.table, "status")[0] == "In progress"

        await press(pilot, "u")  # the refused change left nothing to undo
        assert "Nothing to undo" in toasts(app)

        # Someone else closes the other one: the key finds it gone from the queue.
        other = screen.table.record_at_cursor()
        assert other is not None
        edit_interaction(other.id, {"status": "done"}, actor=get_user("marta"))
        await press(pilot, "s")
        assert subjects(screen) == ["Disputada (Marta)"]

    assert get_interaction(item.id).status == "in_progress"


async def test_an_undo_after_someone_else_changed_the_item_is_refused(
    world: World, db: store_db.Target, now: None
) -> None:
    item = task("Pospuesta", NOW)
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        screen = await open_queue(app, pilot)
        await press(pilot, "s")
        edit_interaction(item.id, {"priority": "urgent"}, actor=get_user("marta"))
        await press(pilot, "u")
        assert "marta changed this interaction while you edited it" in toasts(app)
        assert column_texts(screen.table, "priority") == ["↑↑ Urgent"]  # read again
        await press(pilot, "u")
        assert "Nothing to undo" in toasts(app)
    after = get_interaction(item.id)
    assert (after.due_at, after.priority) == (NOW + timedelta(hours=1), "urgent")


async def test_a_write_that_fails_says_so_and_can_be_tried_again(
    world: World, db: store_db.Target, now: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    item = task("Base ocupada", NOW)
    task("Siguiente", NOW + timedelta(hours=1))
    store_db.close()

    from crm_tui.services import interactions

    real_set_status = interactions.set_status
    failures = [DatabaseBusy()]

    def busy_once(*args: Any, **kwargs: Any) -> InteractionRecord:
        if failures:
            raise failures.pop()
        return real_set_status(*args, **kwargs)

    monkeypatch.setattr(interactions, "set_status", busy_once)
    app = make_app(db)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        screen = await open_queue(app, pilot)
        await press(pilot, "d")
        assert any(toast.startswith("the database stayed busy") for toast in toasts(app))
        assert subjects(screen) == ["Base ocupada", "Siguiente"]
        assert get_interaction(item.id).status == "pending"

        await press(pilot, "k", "d")  # nothing is left waiting: the same key works now
        assert subjects(screen) == ["Siguiente"]
    assert get_interaction(item.id).status == "done"


# --- moving around --------------------------------------------------------------------------


async def test_enter_opens_the_item_and_r_refreshes(
    world: World, db: store_db.Target, now: None
) -> None:
    task("Abrir", NOW)
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_queue(app, pilot)
        task("Nueva", NOW - timedelta(hours=1))  # assigned to luis meanwhile
        await press(pilot, "r")
        assert subjects(screen) == ["Nueva", "Abrir"]
        assert under_cursor(screen) == "Abrir"  # the cursor stays on its item

        await press(pilot, "enter")
        assert isinstance(app.screen, InteractionDetailScreen)


async def test_every_key_is_in_the_help_and_the_palette(world: World, db: store_db.Target) -> None:
    store_db.close()
    app = make_app(db)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_queue(app, pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {
            "Pending",
            "In progress",
            "Done",
            "Cancel it",
            "Snooze 1h",
            "Snooze 1 day",
            "Snooze to…",
            "Reassign",
            "Log outcome",
            "Undo",
            "Refresh",
            "Comment",
            "Open",
        } <= titles


HOSTILE = "[bold]Oferta[/] [@click=app.quit]x[/] \x1b]0;title\x07[red]"


async def test_hostile_text_shows_as_typed_in_rows_dialogs_and_toasts(
    world: World, db: store_db.Target, now: None
) -> None:
    task(HOSTILE, NOW, note=HOSTILE)
    store_db.close()
    typed = "[bold]Oferta[/] [@click=app.quit]x[/] ]0;title[red]"  # control characters dropped

    app = make_app(db)
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        screen = await open_queue(app, pilot)
        assert column_texts(screen.table, "subject") == [f"{typed} — {typed}"]
        await press(pilot, "t")
        assert shown(app.screen.query_one("#snooze-item", Label)) == f"{typed} · due 10:00"
        await press(pilot, "escape")
        for key, frame in (("a", "#reassign-dialog"), ("o", "#outcome-dialog")):
            await press(pilot, key)
            title = app.screen.query_one(frame)._border_title  # as drawn, not as markup
            assert title is not None and title.plain.endswith(f" · {typed}")
            await press(pilot, "escape")
        await pilot.click("#queue", offset=(100, 1))  # clicking the text runs nothing
        await press(pilot, "w")
        assert f"In progress: {typed}\nu undoes it." in toasts(app)
        assert app.is_running


# --- snapshots -------------------------------------------------------------------------------


@pytest.fixture
def floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> store_db.Target:
    """The shared snapshot floor, plus a morning's queue for luis."""
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.chdir(tmp_path)
    target = store_db.Target("sqlite", "crm.db")
    build_floor(target)
    store_db.connect(target)
    try:
        task("Llamar por la factura", NOW - timedelta(days=3), priority="urgent")
        task("Enviar catálogo", NOW - timedelta(hours=1, minutes=30), type="email")
        task(
            "Confirmar visita",
            NOW + timedelta(hours=2),
            priority="high",
            contact="C-002",
            note="Traer muestras del horno.",
        )
        task("Revisar presupuesto", NOW + timedelta(days=1), type="task", priority="low")
        task("", NOW + timedelta(days=6), type="meeting", contact="C-002", note="Sin asunto.")
    finally:
        store_db.close()
    return target


async def show_queue(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("1")
    await settle(pilot)


async def show_snooze_dialog(pilot: Pilot[Any]) -> None:
    await show_queue(pilot)
    await pilot.press("t", *"lunes 9:30")
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_snapshot_queue(snap_compare: Any, floor: store_db.Target, size: tuple[int, int]) -> None:
    assert snap_compare(make_app(floor), terminal_size=size, run_before=show_queue)


def test_snapshot_queue_in_spanish(snap_compare: Any, floor: store_db.Target) -> None:
    app = make_app(floor, lang="es")
    assert snap_compare(app, terminal_size=(80, 24), run_before=show_queue)


def test_snapshot_snooze_dialog(snap_compare: Any, floor: store_db.Target) -> None:
    assert snap_compare(make_app(floor), terminal_size=(80, 24), run_before=show_snooze_dialog)


# --- taking from the shared pool ------------------------------------------------------


async def test_p_takes_the_oldest_due_pool_item_into_its_place_under_the_cursor(
    world: World, db: store_db.Target, now: None
) -> None:
    task("Mine, overdue", NOW - timedelta(hours=1))
    task("Mine, later", NOW + timedelta(hours=4))
    task("Pool, next week", NOW + timedelta(days=7), user=None)
    first = task("Pool, at noon", NOW + timedelta(hours=2), user=None)
    task("Pool, in progress", NOW - timedelta(days=1), user=None, status="in_progress")
    task("Marta's", NOW, user="marta")
    store_db.close()

    app = make_app(db)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        screen = await open_queue(app, pilot)
        assert subjects(screen) == ["Mine, overdue", "Mine, later"]
        await press(pilot, "P")
        assert subjects(screen) == ["Mine, overdue", "Pool, at noon", "Mine, later"]
        assert under_cursor(screen) == "Pool, at noon"
        assert toasts(app) == ["Taken from the pool: Pool, at noon"]
        assert status_line(screen) == "! 1 overdue · 3 shown"
        await press(pilot, "P")
        assert under_cursor(screen) == "Pool, next week"
        assert subjects(screen)[-1] == "Pool, next week"
        await press(pilot, "P")
        assert toasts(app)[-1] == "The shared pool is empty: nothing to take."
        assert screen.table.row_count == 4
    taken = get_interaction(first.id)
    assert (taken.user, taken.version) == ("luis", first.version + 1)
    assert actions(taken)[-1] == history.ASSIGNMENT_ADDED
    assert history.list_history(interaction_id=first.id)[0].details == {
        "to": "luis",
        "claimed": True,
    }


async def test_taking_from_the_pool_is_in_the_help_and_the_palette_in_spanish(
    world: World, db: store_db.Target, now: None
) -> None:
    store_db.close()
    app = make_app(db, lang="es")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await open_queue(app, pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert "Tomar de la bolsa" in titles
        await press(pilot, "P")
        assert toasts(app) == ["La bolsa común está vacía: no hay nada que tomar."]
