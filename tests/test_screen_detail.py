"""The detail of one interaction, driven as a person drives it (Pilot) on a
real database: every field, the contact with its credit hold, comments
and reports, the history in sentences, the status keys, edit, delete,
export, hostile text, a missing id; and its snapshots at 80x24 and 120x40.

The data set is the snapshot sales floor (`app_helpers.build_floor`) plus
what the detail has and the lists do not: Panadería Sol (C-002) on credit
hold, and comments, reports and changes on interaction 4 ("Reunión de
cierre", C-002 / OP-002)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from textual.pilot import Pilot
from textual.widgets import Static
from textual.widgets._toast import Toast

from crm_tui.app import CrmApp
from crm_tui.screens.confirm import ConfirmScreen
from crm_tui.screens.interaction_detail import InteractionDetailScreen
from crm_tui.screens.interactions import InteractionsScreen
from crm_tui.screens.queue import QueueScreen
from crm_tui.services import contacts, history
from crm_tui.services.interactions import InteractionDraft, create_interaction, set_status
from crm_tui.services.listing import get_interaction
from crm_tui.services.records import HistoryRecord
from crm_tui.services.text import clean_line, clean_text
from crm_tui.services.users import get_user
from crm_tui.store import db as store_db
from crm_tui.store.models import Comment, Contact, Interaction, User
from crm_tui.widgets.comments_list import CommentEntry
from crm_tui.widgets.history_list import history_sentence

from .app_helpers import (
    NOW,
    NOW_ENV,
    build_floor,
    column_texts,
    make_app,
    settle,
    shown,
    table_of,
)

MEETING = 4  # "Reunión de cierre": C-002 (on credit hold) / OP-002, in progress
CALL = 7  # "Llamada entrante": C-001 / OP-001, done
LONG_REPORT = (
    "Visita al obrador: el horno actual pierde temperatura por la puerta.\n"
    "El gerente quiere una propuesta con financiación a 24 meses.\n"
    "Pide también mantenimiento incluido el primer año.\n"
    "Hay que confirmar el acceso para la descarga por la calle de atrás.\n"
    "Quinta línea que solo se ve al pulsar «mostrar más»."
)


def add_comment(interaction_id: int, author: str, kind: str, body: str, at: datetime) -> None:
    """A comment or report as the collaboration issue will write them:
    the row and its history event together. (Comments are read-only in
    this issue, so the test writes the store directly.)"""
    author_id = get_user(author).id
    with store_db.current().atomic():
        comment_id = Comment.insert(
            interaction=interaction_id, author=author_id, kind=kind, body=body, created_at=at
        ).execute()
        row = Interaction.get_by_id(interaction_id)
        history.record(
            history.COMMENT_ADDED,
            actor_id=author_id,
            interaction_id=interaction_id,
            contact_id=row.contact_id,
            opportunity_id=row.opportunity_id,
            details={"comment": comment_id, "kind": kind},
        )


def build_detail_floor(target: store_db.Target) -> None:
    """`build_floor`, then a credit hold on C-002, three comments and
    reports on the meeting, and a change of its status by Marta."""
    build_floor(target)
    store_db.connect(target)
    try:
        Contact.update(credit_hold=True).where(Contact.code == "C-002").execute()
        add_comment(
            MEETING,
            "luis",
            "comment",
            "Confirmo la reunión con el gerente.",
            NOW - timedelta(hours=20),
        )
        add_comment(MEETING, "marta", "report", LONG_REPORT, NOW - timedelta(hours=5))
        add_comment(
            MEETING, "ana", "comment", "Preparo la oferta esta tarde.", NOW - timedelta(hours=1)
        )
        set_status(MEETING, "pending", actor=get_user("marta"))
    finally:
        store_db.close()


@pytest.fixture
def floor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> store_db.Target:
    monkeypatch.setenv("CRM_TUI_NOW", NOW_ENV)
    # The pictures of a 256-colour terminal, and a header that names the
    # database by a relative path, the same on every run.
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.chdir(tmp_path)
    target = store_db.Target("sqlite", "crm.db")
    build_detail_floor(target)
    return target


def detail_of(app: CrmApp) -> InteractionDetailScreen:
    screen = app.screen
    assert isinstance(screen, InteractionDetailScreen), f"in front: {screen!r}"
    return screen


def text_of(app: CrmApp, selector: str) -> str:
    return shown(app.screen.query_one(selector, Static))


def grid(app: CrmApp, selector: str) -> dict[str, str]:
    """A field grid's names and values as shown."""
    names = [shown(cell) for cell in app.screen.query(f"{selector} > .field-name")]
    values = [
        shown(cell) for cell in app.screen.query(f"{selector} > .field-value").results(Static)
    ]
    return dict(zip(names, values, strict=True))


def comment_texts(app: CrmApp) -> list[str]:
    return [shown(entry) for entry in app.screen.query(CommentEntry)]


def toasts(app: CrmApp) -> list[str]:
    return [shown(toast) for toast in app.screen.query(Toast)]


async def open_detail(pilot: Pilot[None], interaction: int) -> InteractionDetailScreen:
    """From the list, as a person does: the row of `interaction`, Enter."""
    app = cast(CrmApp, pilot.app)
    await settle(pilot)
    await pilot.press("3")  # all interactions (the app starts on My queue)
    await settle(pilot)
    table = table_of(app)
    table.move_cursor(row=column_texts(table, "id").index(str(interaction)))
    await pilot.press("enter")
    await settle(pilot)
    return detail_of(app)


# --- what it shows ----------------------------------------------------------------------


async def test_every_field_and_the_contact_with_its_credit_hold(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_detail(pilot, MEETING)
        assert screen.record is not None and screen.record.id == MEETING
        assert text_of(app, "#detail-summary") == (
            "Interaction 4 · ◆ Meeting · Pending · Reunión de cierre"
        )
        fields = grid(app, "#detail-fields")
        assert len(fields) == 29
        assert fields["Type"] == "◆ Meeting"
        assert fields["Status"] == "Pending"  # as Marta left it, read fresh
        assert fields["Note"] == "Revisar condiciones\ndel horno nuevo con el gerente."
        assert fields["Tags"] == "vip"
        assert fields["Created by"] == "luis"
        assert fields["Entry name"] == "Luis Gómez"
        assert fields["Date"] == "Sunday, November 22, 2026, 10:00 AM (1 day ago)"
        assert fields["Follow-up date"] == "—"
        assert fields["Location"] == "—"

        # The hold reads in words (NO_COLOR, a screen reader), at the top
        # and on the contact's card.
        banner = app.screen.query_one("#detail-credit-hold", Static)
        assert banner.display
        assert shown(banner) == "⚠ CREDIT HOLD · Panadería Sol: do not sell on credit"
        assert grid(app, "#detail-contact") == {
            "Code": "C-002",
            "Name": "Panadería Sol",
            "Company": "—",
            "Phone": "—",
            "E-mail": "—",
            "Owner": "—",
            "Credit hold": "⚠ YES: do not sell on credit",
        }
        assert grid(app, "#detail-opportunity") == {
            "Code": "OP-002",
            "Title": "Nuevo horno",
            "Stage": "New",
        }


async def test_a_contact_without_a_hold_shows_no_banner(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, CALL)
        assert not app.screen.query_one("#detail-credit-hold", Static).display
        assert grid(app, "#detail-contact")["Credit hold"] == "no"
        assert grid(app, "#detail-contact")["Name"] == "Ferretería López"


@pytest.mark.parametrize("term", ["linux", "xterm-256color"])
async def test_the_credit_hold_reads_without_colour(
    floor: store_db.Target, monkeypatch: pytest.MonkeyPatch, term: str
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", term)
    app = make_app(floor, interaction=str(MEETING))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        detail_of(app)
        assert shown(app.screen.query_one("#detail-credit-hold", Static)).startswith(
            "⚠ CREDIT HOLD · Panadería Sol"
        )


async def test_comments_in_order_only_comments_and_show_more(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, MEETING)
        entries = comment_texts(app)
        assert [entry.splitlines()[0] for entry in entries] == [
            "Comment · Luis Gómez · Sun 22 Nov 14:00",
            "Report · Marta Vidal · Mon 23 Nov 05:00",
            "Comment · Ana Ruiz · Mon 23 Nov 09:00",
        ]
        # The long report is cut after four lines, with how to see the rest.
        report = entries[1].splitlines()
        assert report[1:5] == LONG_REPORT.splitlines()[:4]
        assert report[5] == "… m: show more (53 more characters)"

        await pilot.press("m")
        await pilot.pause()
        assert comment_texts(app)[1].splitlines()[1:] == LONG_REPORT.splitlines()
        await pilot.press("m")  # and back
        await pilot.pause()
        assert "show more" in comment_texts(app)[1]

        await pilot.press("v")
        await settle(pilot)
        assert [entry.splitlines()[0].split(" · ")[0] for entry in comment_texts(app)] == [
            "Comment",
            "Comment",
        ]
        assert text_of(app, "#detail-comments-heading").startswith("Comments only (reports hidden)")
        await pilot.press("v")
        await settle(pilot)
        assert len(comment_texts(app)) == 3


async def test_a_click_shows_one_long_comment_whole(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, MEETING)
        report = app.screen.query(CommentEntry)[1]
        report.scroll_visible(animate=False)
        await pilot.pause()
        await pilot.click(report)
        await pilot.pause()
        assert shown(report).splitlines()[1:] == LONG_REPORT.splitlines()


async def test_no_comments_yet(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, CALL)
        assert comment_texts(app) == []
        notes = [shown(note) for note in app.screen.query("#detail-comments > .comments-note")]
        assert notes == ["No comments yet"]


async def test_history_in_sentences_newest_first(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, MEETING)
        assert text_of(app, "#detail-history").splitlines() == [
            "Marta Vidal changed the status from In progress to Pending · Mon 23 Nov 10:00",
            "Ana Ruiz added a comment · Mon 23 Nov 10:00",
            "Marta Vidal added a report · Mon 23 Nov 10:00",
            "Luis Gómez added a comment · Mon 23 Nov 10:00",
            "Luis Gómez created the interaction · Mon 23 Nov 10:00",
        ]


async def test_history_in_spanish(floor: store_db.Target) -> None:
    app = make_app(floor, lang="es")
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, MEETING)
        lines = text_of(app, "#detail-history").splitlines()
        assert lines[0] == "Marta Vidal cambió el estado de En curso a Pendiente · lun 23 nov 10:00"
        assert lines[2] == "Marta Vidal añadió un reporte · lun 23 nov 10:00"
        assert grid(app, "#detail-contact")["Retención de crédito"] == "⚠ SÍ: no vender a crédito"
        assert comment_texts(app)[0].splitlines()[0] == "Comentario · Luis Gómez · dom 22 nov 14:00"


def _event(action: str, details: dict[str, object], actor: str | None = "luis") -> HistoryRecord:
    return HistoryRecord(
        id=1,
        at=NOW,
        actor=actor,
        action=action,
        contact_id=1,
        opportunity_id=None,
        interaction_id=1,
        details=details,
    )


@pytest.mark.parametrize(
    ("action", "details", "sentence"),
    [
        ("assignment_added", {"to": "marta"}, "Luis Gómez assigned it to Marta Vidal"),
        (
            "assignment_changed",
            {"from": "luis", "to": "marta"},
            "Luis Gómez reassigned it from Luis Gómez to Marta Vidal",
        ),
        (
            "assignment_removed",
            {"from": "marta", "to": None},
            "Luis Gómez moved it from Marta Vidal to the shared pool",
        ),
        (
            "interaction_edited",
            {
                "changes": {
                    "priority": ["normal", "urgent"],
                    "follow_up_at": [None, "2026-11-24 09:30:00"],
                    "note": ["a", "b"],
                }
            },
            "Luis Gómez changed the priority from Normal to Urgent, the follow-up date "
            "from — to Tue 24 Nov 09:30 and the note",
        ),
        (
            "linked_opportunity",
            {"from": None, "to": "OP-1"},
            "Luis Gómez linked it to opportunity OP-1",
        ),
        (
            "linked_opportunity",
            {"from": "OP-1", "to": None},
            "Luis Gómez unlinked it from opportunity OP-1",
        ),
        (
            "tags_changed",
            {"from": [], "to": ["vip", "[red]x"]},
            "Luis Gómez changed the tags from none to vip, [red]x",
        ),
        ("call_inbound", {"outcome": "connected"}, "Luis Gómez logged an inbound call (Connected)"),
        ("call_missed", {"outcome": "no_answer"}, "Luis Gómez logged a missed call"),
        ("imported", {"file": "a.csv", "line": 3}, "Luis Gómez imported it from a.csv, line 3"),
        ("something_new", {}, "Luis Gómez: something_new"),
    ],
)
def test_history_sentences(action: str, details: dict[str, object], sentence: str) -> None:
    names = {"luis": "Luis Gómez", "marta": "Marta Vidal"}
    assert history_sentence(_event(action, details), names, "en", NOW) == sentence


def test_an_event_without_an_actor_is_the_systems() -> None:
    event = _event("interaction_created", {}, actor=None)
    assert history_sentence(event, {}, "es", NOW) == "El sistema creó la interacción"


# --- what it does -----------------------------------------------------------------------


async def test_status_keys_write_the_database_and_u_undoes(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await open_detail(pilot, MEETING)
        await pilot.press("d")
        await settle(pilot, until=lambda: "Done" in text_of(app, "#detail-summary"))
        assert grid(app, "#detail-fields")["Status"] == "Done"
        assert (
            text_of(app, "#detail-history")
            .splitlines()[0]
            .startswith("Luis Gómez changed the status from Pending to Done")
        )
        assert toasts(app) == ["Done: Reunión de cierre\nu undoes it."]
        assert _stored_status(floor, MEETING) == "done"

        await pilot.press("u")
        await settle(pilot, until=lambda: "Pending" in text_of(app, "#detail-summary"))
        assert _stored_status(floor, MEETING) == "pending"
        await pilot.press("w")
        await settle(pilot, until=lambda: "In progress" in text_of(app, "#detail-summary"))
        assert _stored_status(floor, MEETING) == "in_progress"


def _stored_status(target: store_db.Target, interaction_id: int) -> str:
    store_db.connect(target)
    try:
        return get_interaction(interaction_id).status
    finally:
        store_db.close()


async def test_delete_asks_then_deletes_and_goes_back(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, CALL)
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question == "Delete interaction 7 «Llamada entrante»?"
        await pilot.press("n")  # changing one's mind deletes nothing
        await pilot.pause()
        detail_of(app)

        await pilot.press("delete", "y")
        await settle(pilot, until=lambda: isinstance(app.screen, InteractionsScreen))
        assert "7" not in column_texts(table_of(app), "id")
    store_db.connect(floor)
    try:
        assert not Interaction.select().where(Interaction.id == CALL).exists()
    finally:
        store_db.close()


async def test_edit_opens_the_form_on_this_interaction(floor: store_db.Target) -> None:
    from crm_tui.screens.interaction_form import InteractionFormScreen

    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, CALL)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, InteractionFormScreen)
        await pilot.press("escape")
        await settle(pilot)
        detail_of(app)


async def test_export_says_it_comes_later(floor: store_db.Target) -> None:
    app = make_app(floor, lang="es")
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await open_detail(pilot, CALL)
        await pilot.press("x")
        await settle(pilot, until=lambda: bool(toasts(app)))
        assert toasts(app) == [
            "La exportación aún no está disponible: llega con la actualización de "
            "importación y exportación."
        ]


async def test_keys_open_the_opportunity_and_the_contact(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, MEETING)
        await pilot.press("O")
        await settle(pilot)
        assert type(app.screen).__name__ == "TimelineScreen"
        await pilot.press("q")
        await settle(pilot)
        detail_of(app)
        await pilot.press("C")
        await settle(pilot)
        assert type(app.screen).__name__ == "ContactScreen"


async def test_q_and_escape_go_back(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, CALL)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, InteractionsScreen)
        await open_detail(pilot, CALL)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, InteractionsScreen)
    assert app.return_code is None  # q closed the detail, not the app


async def test_the_screen_pop_of_a_missing_id_says_so(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.push_screen(InteractionDetailScreen(999))
        await settle(pilot)
        screen = detail_of(app)
        assert screen.record is None
        assert text_of(app, "#detail-problem") == (
            "Interaction 999 does not exist; it may have been deleted."
        )
        assert not app.screen.query_one("#detail-sections").display
        await pilot.press("d", "e", "delete", "x")  # nothing to act on: nothing happens
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, QueueScreen)  # back where it was opened


async def test_an_interaction_deleted_meanwhile_says_so(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_detail(pilot, CALL)
        store_db.connect(floor)
        try:
            Interaction.delete().where(Interaction.id == CALL).execute()
        finally:
            store_db.close()
        await pilot.press("r")
        await settle(pilot)
        assert text_of(app, "#detail-problem") == (
            "Interaction 7 does not exist; it may have been deleted."
        )


# --- hostile text -----------------------------------------------------------------------

HOSTILE_SUBJECT = "[bold]Oferta[/] [@click=app.quit]x[/] [red]rojo"
HOSTILE_NOTE = "Nota [/] \x1b]0;title\x07 fin\n[@click=app.quit]y[/] \x1b]52;c;ZXZpbA==\x07"
HOSTILE_NAME = "[b]Cliente[/b] [/] \x1b[31mrojo [@click=app.quit]z[/]"
HOSTILE_COMMENT = "[@click=app.quit]Pulsa[/] [/] \x1b]0;pwned\x07 aquí"


async def test_hostile_text_shows_as_typed_and_runs_nothing(floor: store_db.Target) -> None:
    store_db.connect(floor)
    try:
        admin = get_user("ana")
        contacts.create_contact("[X]", HOSTILE_NAME, credit_hold=True, actor_id=admin.id)
        record = create_interaction(
            InteractionDraft(
                type="call",
                contact="[X]",
                created_by="luis",
                subject=HOSTILE_SUBJECT,
                note=HOSTILE_NOTE,
                occurred_at=NOW,
            )
        )
        User.update(display_name="[@click=app.quit]Eve[/]").where(
            User.username == "marta"
        ).execute()
        add_comment(record.id, "marta", "comment", HOSTILE_COMMENT, NOW)
    finally:
        store_db.close()

    app = make_app(floor)
    async with app.run_test(size=(120, 40)) as pilot:
        await open_detail(pilot, record.id)
        subject, name = clean_line(HOSTILE_SUBJECT), clean_line(HOSTILE_NAME)
        assert (
            text_of(app, "#detail-summary")
            == f"Interaction {record.id} · ☎ Call · Done · {subject}"
        )
        fields = grid(app, "#detail-fields")
        assert fields["Subject"] == subject
        assert fields["Note"] == clean_text(HOSTILE_NOTE)
        assert grid(app, "#detail-contact")["Name"] == name
        assert shown(app.screen.query_one("#detail-credit-hold", Static)) == (
            f"⚠ CREDIT HOLD · {name}: do not sell on credit"
        )
        assert comment_texts(app) == [
            f"Comment · [@click=app.quit]Eve[/] · Mon 23 Nov 10:00\n{clean_text(HOSTILE_COMMENT)}"
        ]
        assert "[@click=app.quit]Eve[/] added a comment" in text_of(app, "#detail-history")

        # Clicking on every piece of that text runs nothing hidden in it.
        for selector in ("#detail-summary", "#detail-credit-hold", CommentEntry, "#detail-history"):
            widget = app.screen.query_one(selector)
            widget.scroll_visible(animate=False)
            await pilot.pause()
            for x in range(0, 40, 4):
                await pilot.click(widget, offset=(x, 0))
                await pilot.click(widget, offset=(x, 1))
        await pilot.pause()
        assert app.is_running
        detail_of(app)


# --- snapshots --------------------------------------------------------------------------

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def open_the_meeting(pilot: Pilot[Any]) -> None:
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_detail_snapshot(snap_compare: Any, floor: store_db.Target, size: tuple[int, int]) -> None:
    app = make_app(floor, interaction=str(MEETING))
    assert snap_compare(app, terminal_size=size, run_before=open_the_meeting)


async def scroll_to_the_comments(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    pilot.app.screen.query_one("#detail-comments-heading").scroll_visible(animate=False, top=True)
    await pilot.pause()


def test_detail_comments_snapshot(snap_compare: Any, floor: store_db.Target) -> None:
    app = make_app(floor, interaction=str(MEETING))
    assert snap_compare(app, terminal_size=(80, 24), run_before=scroll_to_the_comments)
