"""The detail of one interaction, driven as a person drives it (Pilot) on a
real database: every field, the contact with its credit hold, the history
feed (comments and reports among the events), the status keys, comment,
edit, delete, export, hostile text, a missing id; and its snapshots at
80x24 and 120x40.

The data set is the snapshot sales floor (`app_helpers.build_floor`, built
two days before the fixed now) plus what the detail has and the lists do
not: Panadería Sol (C-002) on credit hold, and a thread on interaction 4
("Reunión de cierre", C-002 / OP-002) written through the services: a
comment with a mention and an attachment, a long report, a change of
priority, a short comment and a change of status."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import Static
from textual.widgets._toast import Toast

from crm_tui import clock
from crm_tui.app import CrmApp
from crm_tui.i18n import t
from crm_tui.screens.comment_dialog import CommentDialog
from crm_tui.screens.confirm import ConfirmScreen
from crm_tui.screens.interaction_detail import InteractionDetailScreen
from crm_tui.screens.interactions import InteractionsScreen
from crm_tui.screens.queue import QueueScreen
from crm_tui.services import contacts, history
from crm_tui.services.attachments import store_file
from crm_tui.services.comments import CommentRecord, CommentTarget, add_comment
from crm_tui.services.history_sentences import history_line, history_sentence
from crm_tui.services.interactions import (
    InteractionDraft,
    create_interaction,
    edit_interaction,
    set_status,
)
from crm_tui.services.listing import get_interaction
from crm_tui.services.records import HistoryRecord, StoredFile
from crm_tui.services.text import clean_line, clean_text
from crm_tui.services.users import get_user
from crm_tui.store import db as store_db
from crm_tui.store.models import Comment, Contact, Interaction, User
from crm_tui.widgets.activity_feed import MENTION_STYLE, ActivityFeed

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
# The floor is recorded just after its latest logged call (30 minutes ago),
# so each of its interactions is what it says; the thread comes after.
FLOOR_BUILT = NOW - timedelta(minutes=25)
MENTIONING = "Confirmo la reunión con el gerente. @marta, ¿vienes? (copia a ana@example.com)"
LONG_REPORT = (
    "Visita al obrador: el horno actual pierde temperatura por la puerta.\n"
    "El gerente quiere una propuesta con financiación a 24 meses.\n"
    "Pide también mantenimiento incluido el primer año.\n"
    "Hay que confirmar el acceso para la descarga por la calle de atrás.\n"
    "Quinta línea que solo se ve al pulsar «mostrar más»."
)
SHORT = "Preparo la oferta esta tarde."
CONTRACT_BYTES = 1_234_567  # 1.2 MB


@contextmanager
def clock_at(moment: datetime) -> Iterator[None]:
    """What the services write meanwhile is dated `moment`."""
    before = os.environ.get(clock.ENV_NOW)
    os.environ[clock.ENV_NOW] = moment.isoformat()
    try:
        yield
    finally:
        if before is None:
            del os.environ[clock.ENV_NOW]
        else:
            os.environ[clock.ENV_NOW] = before


def post(
    author: str,
    body: str,
    at: datetime,
    *,
    interaction: int | None = MEETING,
    opportunity: int | None = None,
    kind: str = "comment",
    files: Sequence[StoredFile] = (),
) -> CommentRecord:
    """A comment (or report) as `author` posts it at `at`, through the
    service (the database must be open)."""
    target = (
        CommentTarget(opportunity_id=opportunity)
        if opportunity is not None
        else CommentTarget(interaction_id=interaction)
    )
    with clock_at(at):
        return add_comment(target, body, actor=get_user(author), kind=kind, files=files)


def contract(folder: Path) -> StoredFile:
    """A PDF of 1.2 MB in the attachment store."""
    source = folder / "contrato.pdf"
    source.write_bytes(b"%PDF-1.4\n" + b"0" * (CONTRACT_BYTES - 9))
    return store_file(source)


def build_detail_floor(target: store_db.Target, folder: Path) -> None:
    """`build_floor` 25 minutes ago, then a credit hold on C-002 and the
    meeting's thread: Luis's comment mentioning Marta with the contract
    attached, Marta's long report, Ana raising the priority, Ana's short
    comment, and Marta setting it back to pending."""
    with clock_at(FLOOR_BUILT):
        build_floor(target)
    store_db.connect(target)
    try:
        Contact.update(credit_hold=True).where(Contact.code == "C-002").execute()
        post("luis", MENTIONING, NOW - timedelta(minutes=20), files=[contract(folder)])
        post("marta", LONG_REPORT, NOW - timedelta(minutes=15), kind="report")
        with clock_at(NOW - timedelta(minutes=10)):
            edit_interaction(MEETING, {"priority": "high"}, actor=get_user("ana"))
        post("ana", SHORT, NOW - timedelta(minutes=5))
        with clock_at(NOW - timedelta(minutes=2)):
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
    build_detail_floor(target, tmp_path)
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


def toasts(app: CrmApp) -> list[str]:
    return [shown(toast) for toast in app.screen.query(Toast)]


# --- reading the feed, as a person reads it ---------------------------------------------


def feed_of(app: CrmApp) -> ActivityFeed:
    return app.screen.query_one(ActivityFeed)


def prompt_of(option: Any) -> Content:
    prompt = option.prompt
    assert isinstance(prompt, Content)
    return prompt


def feed_texts(app: CrmApp) -> list[str]:
    """Every entry of the feed as shown, newest first (and the "load
    older" row at the end when there is one)."""
    return [prompt_of(option).plain for option in feed_of(app).options]


def first_lines(app: CrmApp) -> list[str]:
    return [text.splitlines()[0] for text in feed_texts(app)]


def highlighted_text(app: CrmApp) -> str:
    option = feed_of(app).highlighted_option
    return prompt_of(option).plain if option is not None else ""


def footer_keys(app: CrmApp) -> dict[str, str]:
    """Description -> key of what the footer offers now."""
    return {
        active.binding.description: key
        for key, active in app.screen.active_bindings.items()
        if active.binding.show and active.enabled
    }


async def focus_entry(pilot: Pilot[Any], starts: str) -> None:
    """Tab into the feed and move down to the entry starting with `starts`."""
    app = cast(CrmApp, pilot.app)
    feed = feed_of(app)
    if not feed.has_focus:
        await pilot.press("tab")
        await pilot.pause()
    assert feed.has_focus
    for _ in range(len(feed.options)):
        if highlighted_text(app).startswith(starts):
            return
        await pilot.press("j")
        await pilot.pause()
    raise AssertionError(f"no entry starts with {starts!r}: {first_lines(app)}")


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
        assert fields["Priority"] == "High"
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


# --- the history feed -------------------------------------------------------------------


async def test_the_history_is_one_feed_newest_first(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, MEETING)
        assert text_of(app, "#detail-feed-heading") == "History   c: comment · v: only comments"
        assert first_lines(app) == [
            "Marta Vidal changed the status from In progress to Pending · Mon 23 Nov 09:58",
            "Comment · Ana Ruiz · Mon 23 Nov 09:55",
            "Ana Ruiz changed the priority from Normal to High · Mon 23 Nov 09:50",
            " Report  · Marta Vidal · Mon 23 Nov 09:45",
            "Comment · Luis Gómez · Mon 23 Nov 09:40",
            "Luis Gómez created the interaction · Mon 23 Nov 09:35",
        ]
        texts = feed_texts(app)
        assert texts[1] == f"Comment · Ana Ruiz · Mon 23 Nov 09:55\n{SHORT}"
        # The long report is folded after four lines, saying how much is left.
        report = texts[3].splitlines()
        assert report[1:5] == LONG_REPORT.splitlines()[:4]
        assert report[5:] == ["… Show more (53 more characters)"]
        # The attachment under its comment, with its size.
        assert texts[4].splitlines()[1:] == [MENTIONING, "📎 contrato.pdf · 1.2 MB"]


async def test_a_mention_of_a_user_is_highlighted_an_address_is_not(
    floor: store_db.Target,
) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, MEETING)
        prompt = prompt_of(feed_of(app).get_option("comment-1"))
        highlighted = [
            prompt.plain[span.start : span.end]
            for span in prompt.spans
            if span.style == MENTION_STYLE
        ]
        assert highlighted == ["@marta"]


async def test_the_feed_in_spanish(floor: store_db.Target) -> None:
    app = make_app(floor, lang="es")
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, MEETING)
        assert text_of(app, "#detail-feed-heading").startswith("Historial   c: comentar")
        lines = first_lines(app)
        assert lines[0] == "Marta Vidal cambió el estado de En curso a Pendiente · lun 23 nov 09:58"
        assert lines[3] == " Reporte  · Marta Vidal · lun 23 nov 09:45"
        assert lines[4] == "Comentario · Luis Gómez · lun 23 nov 09:40"
        assert feed_texts(app)[3].splitlines()[-1] == "… Mostrar más (53 caracteres más)"
        assert feed_texts(app)[4].splitlines()[-1] == "📎 contrato.pdf · 1,2 MB"
        assert grid(app, "#detail-contact")["Retención de crédito"] == "⚠ SÍ: no vender a crédito"


async def test_tab_moves_between_the_fields_and_the_feed(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, MEETING)
        assert screen.body.has_focus
        await pilot.press("tab")
        assert feed_of(app).has_focus
        await pilot.press("tab")
        assert screen.body.has_focus


async def test_j_and_k_move_between_entries_and_keep_them_in_view(
    floor: store_db.Target,
) -> None:
    app = make_app(floor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, MEETING)
        await pilot.press("tab")
        await pilot.pause()
        feed = feed_of(app)
        for expected in range(1, len(feed.options)):
            await pilot.press("j")
            await pilot.pause()
            assert feed.highlighted == expected
            # The body scrolls so the highlighted entry is on screen.
            assert _option_on_screen(feed, expected, screen)
        await pilot.press("k")
        await pilot.pause()
        assert feed.highlighted == len(feed.options) - 2
        assert _option_on_screen(feed, feed.highlighted, screen)


def _option_on_screen(feed: ActivityFeed, index: int, screen: InteractionDetailScreen) -> bool:
    top = feed.content_region.y + feed._index_to_line[index]
    bottom = top + feed._heights[index]
    view = screen.body.content_region
    return view.y <= top and bottom <= view.bottom


async def test_enter_shows_all_of_a_long_report(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, MEETING)
        await focus_entry(pilot, " Report")
        assert footer_keys(app)["Show more"] == "enter"
        await pilot.press("enter")
        await pilot.pause()
        assert highlighted_text(app).splitlines()[1:] == LONG_REPORT.splitlines()
        assert "Show more" not in footer_keys(app)


async def test_enter_on_a_comment_with_files_lists_them(floor: store_db.Target) -> None:
    from crm_tui.screens.attachments_dialog import AttachmentsDialog

    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, MEETING)
        await focus_entry(pilot, "Comment · Ana")
        assert "Attachments" not in footer_keys(app)  # nothing attached to it
        await focus_entry(pilot, "Comment · Luis")
        assert footer_keys(app)["Attachments"] == "enter"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, AttachmentsDialog)
        await pilot.press("escape")
        await settle(pilot)
        detail_of(app)


async def test_v_shows_only_comments_and_says_so(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, MEETING)
        await pilot.press("v")
        await settle(pilot, until=lambda: len(feed_texts(app)) == 3)
        assert [line.split(" · ")[:2] for line in first_lines(app)] == [
            ["Comment", "Ana Ruiz"],
            [" Report ", "Marta Vidal"],
            ["Comment", "Luis Gómez"],
        ]
        assert text_of(app, "#detail-feed-heading").startswith("History · only comments   ")
        await pilot.press("v")
        await settle(pilot, until=lambda: len(feed_texts(app)) == 6)
        assert text_of(app, "#detail-feed-heading").startswith("History   ")


async def test_no_comments_yet_only_history(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, CALL)
        assert first_lines(app) == [
            "Luis Gómez logged an inbound call (Connected) · Mon 23 Nov 09:35",
            "Luis Gómez created the interaction · Mon 23 Nov 09:35",
        ]
        await pilot.press("v")
        await settle(pilot, until=lambda: feed_texts(app) == ["No comments yet"])


async def test_c_posts_a_comment_that_tops_the_feed(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, MEETING)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CommentDialog)
        await pilot.press(*"Llamo al gerente")
        await pilot.press("ctrl+j")
        await settle(pilot, until=lambda: isinstance(app.screen, InteractionDetailScreen))
        await settle(pilot, until=lambda: "Llamo al gerente" in feed_texts(app)[0])
        assert feed_texts(app)[0] == "Comment · Luis Gómez · Mon 23 Nov 10:00\nLlamo al gerente"
        feed = feed_of(app)
        assert feed.has_focus and feed.highlighted == 0


async def test_deleting_ones_own_comment_asks_and_leaves_a_trace(
    floor: store_db.Target,
) -> None:
    app = make_app(floor)  # as Luis
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await open_detail(pilot, MEETING)
        await focus_entry(pilot, "Comment · Luis")
        assert footer_keys(app)["Delete comment"] == "delete"
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question == (
            "Delete the comment by Luis Gómez?\n"
            "«Confirmo la reunión con el gerente. @marta, ¿vienes? (copia…»"
        )
        await pilot.press("n")  # changing one's mind deletes nothing
        await pilot.pause()
        assert any(line.startswith("Comment · Luis") for line in first_lines(app))

        await pilot.press("delete", "y")
        await settle(pilot, until=lambda: "deleted their comment" in feed_texts(app)[0])
        assert not any(line.startswith("Comment · Luis") for line in first_lines(app))
        assert first_lines(app)[0] == (
            "Luis Gómez deleted their comment: «Confirmo la reunión con el gerente. "
            "@marta, ¿vienes? (copia…» · Mon 23 Nov 10:00"
        )
        assert "Deleted the comment by Luis Gómez" in toasts(app)
        detail_of(app)  # the interaction itself stays
    assert not _comment_exists(floor, 1)


def _comment_exists(target: store_db.Target, comment_id: int) -> bool:
    store_db.connect(target)
    try:
        return Comment.select().where(Comment.id == comment_id).exists()
    finally:
        store_db.close()


async def test_an_agent_cannot_delete_someone_elses_comment(floor: store_db.Target) -> None:
    app = make_app(floor)  # Luis, an agent
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await open_detail(pilot, MEETING)
        await focus_entry(pilot, "Comment · Ana")
        assert "Delete comment" not in footer_keys(app)
        await pilot.press("delete")
        await settle(pilot, until=lambda: bool(toasts(app)))
        assert toasts(app) == ["Only Ana Ruiz or an administrator can delete this comment"]
        detail_of(app)  # no question asked, and not the interaction's delete either
        assert first_lines(app)[1] == "Comment · Ana Ruiz · Mon 23 Nov 09:55"
    assert _comment_exists(floor, 3)


async def test_an_admin_can_delete_anyones_comment(floor: store_db.Target) -> None:
    app = make_app(floor, user="ana")
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, MEETING)
        await focus_entry(pilot, " Report")
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question.startswith("Delete the report by Marta Vidal?\n«Visita")
        await pilot.press("y")
        await settle(pilot, until=lambda: "deleted a report" in feed_texts(app)[0])
        assert first_lines(app)[0].startswith(
            "Ana Ruiz deleted a report by Marta Vidal: «Visita al obrador"
        )
    assert not _comment_exists(floor, 2)


async def test_the_history_itself_cannot_be_deleted(floor: store_db.Target) -> None:
    app = make_app(floor, user="ana")
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await open_detail(pilot, MEETING)
        await focus_entry(pilot, "Ana Ruiz changed the priority")
        assert "Delete comment" not in footer_keys(app)
        await pilot.press("delete")
        await settle(pilot, until=lambda: bool(toasts(app)))
        assert toasts(app) == ["The history cannot be deleted: only comments and reports can"]
        detail_of(app)


async def test_a_comment_from_elsewhere_appears_and_the_highlight_stays(
    floor: store_db.Target,
) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_detail(pilot, MEETING)
        await focus_entry(pilot, " Report")
        before = feed_of(app).highlighted_option
        # Marta, on another computer, answers.
        store_db.connect(floor)
        try:
            post("marta", "Sí, allí estaré.", NOW)
        finally:
            store_db.close()
        app.data_changed()  # what the app does when it notices a change
        screen.refresh_if_stale()
        await settle(pilot, until=lambda: "allí estaré" in feed_texts(app)[0])
        assert feed_of(app).highlighted_option is not None
        assert feed_of(app).highlighted_option.id == before.id  # type: ignore[union-attr]
        assert highlighted_text(app).startswith(" Report  · Marta Vidal")


# --- history sentences ------------------------------------------------------------------


def _event(
    action: str, details: dict[str, object], actor: str | None = "luis", interaction: int = 1
) -> HistoryRecord:
    return HistoryRecord(
        id=1,
        at=NOW,
        actor=actor,
        action=action,
        contact_id=1,
        opportunity_id=None,
        interaction_id=interaction,
        details=details,
    )


NAMES = {"luis": "Luis Gómez", "marta": "Marta Vidal", "ana": "Ana Ruiz"}
DELETED_SNAPSHOT = {"snapshot": {"id": 9, "type": "call", "subject": "Llamada [red]x"}}
COMMENT_SNAPSHOT = {
    "comment": 5,
    "snapshot": {
        "author": "marta",
        "kind": "comment",
        "body": "Hola\nequipo [b]x",
        "attachments": [],
    },
}


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
        ("call_outbound", {"outcome": None}, "Luis Gómez logged an outbound call"),
        ("call_missed", {"outcome": "no_answer"}, "Luis Gómez logged a missed call"),
        ("imported", {"file": "a.csv", "line": 3}, "Luis Gómez imported it from a.csv, line 3"),
        (
            "contact_created",
            {"code": "C-9", "name": "Bar [b]Pepe"},
            "Luis Gómez created the contact C-9 · Bar [b]Pepe",
        ),
        (
            "opportunity_created",
            {"code": "OP-9", "title": "Horno"},
            "Luis Gómez created the opportunity OP-9 · Horno",
        ),
        (
            "comment_deleted",
            COMMENT_SNAPSHOT,
            "Luis Gómez deleted a comment by Marta Vidal: «Hola equipo [b]x»",
        ),
        (
            "interaction_deleted",
            DELETED_SNAPSHOT,
            "Luis Gómez deleted interaction 9 · Call · «Llamada [red]x»",
        ),
        (
            "campaign_scheduled",
            {"campaign": "Navidad"},
            "Luis Gómez scheduled it in the campaign «Navidad»",
        ),
        (
            "email_campaign_sent",
            {"campaign": "Rebajas"},
            "Luis Gómez sent it in the e-mail campaign «Rebajas»",
        ),
        ("email_campaign_sent", {}, "Luis Gómez sent it in an e-mail campaign"),
        (
            "user_added",
            {"username": "marta", "role": "agent"},
            "Luis Gómez added the user Marta Vidal",
        ),
        ("something_new", {}, "Luis Gómez: something_new"),
    ],
)
def test_history_sentences(action: str, details: dict[str, object], sentence: str) -> None:
    said = history_sentence(_event(action, details), NAMES, "en", NOW, type_labels={"call": "Call"})
    assert said == sentence


# What a rule did reads with the rule as the doer ("Created by the rule
# «Reintentar»"), not the person whose change set it off.
RULE_ACTIONS = (history.RULE_CREATED, history.RULE_NOTIFIED)
ACTION_CODES = sorted(
    value for name, value in vars(history).items() if name.isupper() and isinstance(value, str)
)


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("action", ACTION_CODES)
@pytest.mark.parametrize(
    "details", [{}, DELETED_SNAPSHOT, COMMENT_SNAPSHOT], ids=["bare", "a", "b"]
)
def test_every_action_has_its_own_sentence(
    action: str, lang: str, details: dict[str, object]
) -> None:
    """Whatever its details, no action falls to the generic "who: code"."""
    said = history_sentence(_event(action, details), NAMES, lang, NOW)
    assert said != t("ui.history.other", lang, who="Luis Gómez", action=action)
    if action not in RULE_ACTIONS:
        assert said.startswith("Luis Gómez ")
    assert "{" not in said and ", line " not in said  # every slot filled


def test_spanish_sentences_of_deletions() -> None:
    labels = {"call": "Llamada"}
    comment = history_sentence(_event("comment_deleted", COMMENT_SNAPSHOT), NAMES, "es", NOW)
    assert comment == "Luis Gómez borró un comentario de Marta Vidal: «Hola equipo [b]x»"
    deleted = history_sentence(
        _event("interaction_deleted", DELETED_SNAPSHOT), NAMES, "es", NOW, type_labels=labels
    )
    assert deleted == "Luis Gómez borró la interacción 9 · Llamada · «Llamada [red]x»"


def test_an_event_without_an_actor_is_the_systems() -> None:
    event = _event("interaction_created", {}, actor=None)
    assert history_sentence(event, {}, "es", NOW) == "El sistema creó la interacción"


def test_the_feed_of_an_opportunity_names_the_interaction() -> None:
    event = _event("status_changed", {"from": "pending", "to": "done"}, interaction=123)
    line = history_line(event, NAMES, "en", NOW, name_interaction=True)
    assert line == "#123 · Luis Gómez changed the status from Pending to Done"
    assert history_line(event, NAMES, "en", NOW, name_interaction=False) == line[7:]
    # A deletion names it already.
    deleted = _event("interaction_deleted", DELETED_SNAPSHOT, interaction=9)
    assert history_line(deleted, NAMES, "en", NOW, name_interaction=True).startswith(
        "Luis Gómez deleted interaction 9"
    )


# --- what it does -----------------------------------------------------------------------


async def test_status_keys_write_the_database_and_u_undoes(floor: store_db.Target) -> None:
    app = make_app(floor)
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await open_detail(pilot, MEETING)
        await pilot.press("d")
        await settle(pilot, until=lambda: "Done" in text_of(app, "#detail-summary"))
        assert grid(app, "#detail-fields")["Status"] == "Done"
        await settle(pilot, until=lambda: "Pending to Done" in feed_texts(app)[0])
        assert feed_texts(app)[0].startswith("Luis Gómez changed the status from Pending to Done")
        assert toasts(app) == ["Done: Reunión de cierre\nu undoes it."]
        assert _stored_status(floor, MEETING) == "done"

        await pilot.press("u")
        await settle(pilot, until=lambda: "Pending" in text_of(app, "#detail-summary"))
        assert _stored_status(floor, MEETING) == "pending"
        await pilot.press("w")
        await settle(pilot, until=lambda: "In progress" in text_of(app, "#detail-summary"))
        assert _stored_status(floor, MEETING) == "in_progress"
        await pilot.press("X")  # `c` is comment: cancelled is X
        await settle(pilot, until=lambda: "Cancelled" in text_of(app, "#detail-summary"))
        assert _stored_status(floor, MEETING) == "cancelled"


def _stored_status(target: store_db.Target, interaction_id: int) -> str:
    store_db.connect(target)
    try:
        return get_interaction(interaction_id).status
    finally:
        store_db.close()


async def test_delete_asks_then_deletes_and_goes_back(floor: store_db.Target) -> None:
    app = make_app(floor, user="marta")  # a supervisor may delete
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
HOSTILE_COMMENT = (
    "[@click=app.quit]Pulsa[/] [/] \x1b]0;pwned\x07 aquí\n"
    "مرحبا بالعالم، هذا تعليق\n"
    "Listo 🎉👩‍👩‍👧 ✅"
)
ONE_WORD = ("Supercalifragilístico" * 239)[:5000]  # the limit, no space to break at


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
        post("marta", ONE_WORD, NOW - timedelta(minutes=1), interaction=record.id)
        post("marta", HOSTILE_COMMENT, NOW, interaction=record.id)
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
        texts = feed_texts(app)
        assert texts[0] == (
            f"Comment · [@click=app.quit]Eve[/] · Mon 23 Nov 10:00\n{clean_text(HOSTILE_COMMENT)}"
        )
        long_one = "Comment · [@click=app.quit]Eve[/] · Mon 23 Nov 09:59"
        folded = next(text for text in texts if text.startswith(long_one))
        assert folded.splitlines()[1:] == [ONE_WORD[:280], "… Show more (4,720 more characters)"]

        # The word of 5,000 characters, shown whole, wraps inside the feed.
        body = app.screen.query_one("#detail-body")
        feed = feed_of(app)
        width = feed.size.width
        await focus_entry(pilot, long_one)
        await pilot.press("enter")
        await settle(pilot)
        assert highlighted_text(app).splitlines()[1] == ONE_WORD
        assert feed.size.width == width
        assert feed.virtual_size.width <= feed.scrollable_content_region.width
        assert feed._heights[feed.highlighted or 0] > len(ONE_WORD) // width
        assert body.max_scroll_x == 0

        # Clicking on every piece of that text runs nothing hidden in it.
        for selector in ("#detail-summary", "#detail-credit-hold", "#detail-feed"):
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


async def into_the_feed(pilot: Pilot[Any]) -> None:
    """Tab into the feed, onto Luis's comment (its mention and its file)."""
    await settle(pilot)
    await focus_entry(pilot, "Comment · Luis")


@pytest.mark.parametrize("size", SIZES)
def test_detail_feed_snapshot(
    snap_compare: Any, floor: store_db.Target, size: tuple[int, int]
) -> None:
    app = make_app(floor, interaction=str(MEETING))
    assert snap_compare(app, terminal_size=size, run_before=into_the_feed)


async def only_comments(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("v")
    await settle(pilot)
    await pilot.press("tab")
    await pilot.pause()


def test_detail_only_comments_snapshot(snap_compare: Any, floor: store_db.Target) -> None:
    app = make_app(floor, interaction=str(MEETING))
    assert snap_compare(app, terminal_size=(120, 40), run_before=only_comments)
