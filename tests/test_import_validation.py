"""Every check an import makes before writing, as a person preparing a
file meets it: which line and column is wrong and what to write instead;
then the preview of what will be written, progress and cancelling.

On SQLite and PostgreSQL (the `world` fixture), with real files read back
through `import_file`; the file helpers are test_exchange's."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

import pytest

from crm_tui import i18n
from crm_tui.exchange.columns import COLUMNS
from crm_tui.exchange.importer import (
    CHECKING,
    PREVIEW_ROWS,
    READING,
    WRITING,
    ImportCancelled,
    ImportProblem,
    import_file,
)
from crm_tui.services import users
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.services.listing import get_interaction, iter_interactions
from crm_tui.store import db as store_db

from .conftest import World
from .test_exchange import row, table_counts, write_csv


@pytest.fixture(autouse=True)
def clock_fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", "2026-11-23T10:00:00")


def csv_of(tmp_path: Path, *rows: list[str], name: str = "in.csv") -> Path:
    return write_csv(tmp_path / name, [list(COLUMNS), *rows])


def problems_in(path: Path, world: World) -> list[tuple[int, str, str]]:
    report = import_file(path, actor=world.admin)
    assert report.created == 0
    return [(problem.line, problem.column, problem.message) for problem in report.problems]


# --- dates -------------------------------------------------------------------


def test_a_bad_date_names_its_line_its_column_and_the_format_to_use(
    world: World, tmp_path: Path
) -> None:
    before = table_counts()
    path = csv_of(
        tmp_path,
        row(type="call", contact_code="C-001", occurred_at="2026-11-20 09:30"),
        row(type="call", contact_code="C-001", occurred_at="23/11/2026"),
        row(type="call", contact_code="C-001", starts_at="2026-02-30 10:00"),
        row(type="call", contact_code="C-001", follow_up_at="mañana 10:00"),
        row(
            type="call",
            contact_code="C-001",
            starts_at="2026-11-24 10:00",
            ends_at="2026-11-24 25:00",
        ),
    )
    hint = "is not a date; write it as YYYY-MM-DD HH:MM, e.g. 2026-11-23 14:05"
    assert problems_in(path, world) == [
        (3, "occurred_at", f"'23/11/2026' {hint}"),
        (4, "starts_at", f"'2026-02-30 10:00' {hint}"),
        (5, "follow_up_at", f"'mañana 10:00' {hint}"),
        (6, "ends_at", f"'2026-11-24 25:00' {hint}"),
    ]
    assert table_counts() == before

    i18n.set_language("es")
    report = import_file(path, actor=world.admin)
    assert report.error_lines()[0] == (
        "línea 3: occurred_at: '23/11/2026' no es una fecha; escríbala como "
        "YYYY-MM-DD HH:MM, p. ej. 2026-11-23 14:05"
    )


def test_dates_may_have_seconds_a_t_or_no_time(world: World, tmp_path: Path) -> None:
    path = csv_of(
        tmp_path,
        row(type="call", contact_code="C-001", subject="a", occurred_at="2026-11-20 09:30:15"),
        row(type="call", contact_code="C-001", subject="b", occurred_at="2026-11-20T08:05"),
        row(type="call", contact_code="C-001", subject="c", occurred_at="2026-11-19"),
    )
    assert import_file(path, actor=world.admin).created == 3
    when = {record.subject: record.occurred_at for record in iter_interactions()}
    assert when == {
        "a": datetime(2026, 11, 20, 9, 30, 15),
        "b": datetime(2026, 11, 20, 8, 5),
        "c": datetime(2026, 11, 19, 0, 0),
    }


def test_an_end_before_its_start_is_refused_and_an_end_needs_a_start(
    world: World, tmp_path: Path
) -> None:
    path = csv_of(
        tmp_path,
        row(
            type="meeting",
            contact_code="C-001",
            starts_at="2026-11-24 10:00",
            ends_at="2026-11-24 09:59",
        ),
        row(type="meeting", contact_code="C-001", ends_at="2026-11-24 11:00"),
    )
    assert problems_in(path, world) == [
        (2, "ends_at", "the end (2026-11-24 09:59) is before the start (2026-11-24 10:00)"),
        (3, "ends_at", "an end needs a start"),
    ]
    # An end equal to the start is a zero-length event, not a mistake.
    same = csv_of(
        tmp_path,
        row(
            type="meeting",
            contact_code="C-001",
            starts_at="2026-11-24 10:00",
            ends_at="2026-11-24 10:00",
        ),
        name="same.csv",
    )
    assert import_file(same, actor=world.admin).created == 1


# --- vocabularies -------------------------------------------------------------


def test_vocabularies_take_the_code_or_either_label_in_any_case_and_accents(
    world: World, tmp_path: Path
) -> None:
    # type|status|priority|direction|internal, and what each row must become.
    spellings = [
        ("call|pending|low|outbound|yes", ("call", "pending", "low", "outbound", True)),
        ("LLAMADA|Pendiente|BAJA|saliente|sí", ("call", "pending", "low", "outbound", True)),
        ("Reunión|EN CURSO|Alta|ENTRANTE|SI", ("meeting", "in_progress", "high", "inbound", True)),
        (
            "reunion|en curso|alta|entrante|true",
            ("meeting", "in_progress", "high", "inbound", True),
        ),
        ("MEETING|In progress|HIGH|Inbound|1", ("meeting", "in_progress", "high", "inbound", True)),
        ("e-mail|Completo|urgente|Outbound|no", ("email", "done", "urgent", "outbound", False)),
        ("Correo|DONE|Urgent|outbound|FALSE", ("email", "done", "urgent", "outbound", False)),
        ("visita|cancelado|normal|inbound|0", ("visit", "cancelled", "normal", "inbound", False)),
        ("Visit|Cancelled|Normal|INBOUND|No", ("visit", "cancelled", "normal", "inbound", False)),
        ("tarea|in_progress|||", ("task", "in_progress", "normal", "outbound", False)),
    ]
    columns = ("type", "status", "priority", "direction", "internal")
    path = csv_of(
        tmp_path,
        *[
            row(
                **dict(zip(columns, words.split("|"), strict=True)),
                contact_code="C-001",
                subject=str(number),
            )
            for number, (words, _) in enumerate(spellings)
        ],
    )
    report = import_file(path, actor=world.admin)
    assert report.errors == () and report.created == len(spellings)
    found = {
        int(record.subject): (
            record.type.code,
            record.status,
            record.priority,
            record.direction,
            record.internal,
        )
        for record in iter_interactions()
    }
    assert found == {number: codes for number, (_, codes) in enumerate(spellings)}


def test_an_unknown_word_names_its_column_and_the_words_to_use(
    world: World, tmp_path: Path
) -> None:
    path = csv_of(
        tmp_path,
        row(
            type="fax",
            contact_code="C-001",
            status="finished",
            priority="máxima",
            direction="sideways",
            internal="maybe",
            outcome="nope",
        ),
    )
    problems = {column: message for _, column, message in problems_in(path, world)}
    assert problems["type"].startswith("unknown interaction type 'fax'; use one of: call, email")
    assert problems["status"] == (
        "unknown status 'finished'; use one of: pending, in_progress, done, cancelled"
    )
    assert problems["priority"] == (
        "unknown priority 'máxima'; use one of: low, normal, high, urgent"
    )
    assert problems["direction"] == ("unknown direction 'sideways'; use one of: outbound, inbound")
    assert problems["internal"] == "unknown internal 'maybe'; use one of: yes, no"
    assert problems["outcome"].startswith("unknown call outcome 'nope'; use one of: connected")
    assert len(problems) == 6


# --- required fields and what a row creates ----------------------------------


def test_type_and_contact_are_required_and_new_records_need_their_names(
    world: World, tmp_path: Path
) -> None:
    path = csv_of(
        tmp_path,
        row(type="", contact_code="C-001"),
        row(type="call", contact_code=""),
        row(type="call", contact_code="C-900"),
        row(type="call", contact_code="C-001", opportunity_code="OP-900"),
        # The name may come on any row of the contact, not only its first.
        row(type="call", contact_code="C-901"),
        row(type="call", contact_code="C-901", contact_name="Nueva S.L."),
    )
    assert problems_in(path, world) == [
        (2, "type", "type is required"),
        (3, "contact_code", "contact is required"),
        (
            4,
            "contact_name",
            "contact 'C-900' does not exist yet: give its contact_name to create it",
        ),
        (
            5,
            "opportunity_title",
            "opportunity 'OP-900' does not exist yet: give its opportunity_title to create it",
        ),
    ]


def test_users_a_file_names_are_created_as_agents_and_counted_once(
    world: World, tmp_path: Path
) -> None:
    good = [
        row(type="call", contact_code="C-001", user="nuria", created_by="pablo"),
        row(type="call", contact_code="C-001", user="pablo"),
        row(type="call", contact_code="C-001", user="luis", created_by="nuria"),
    ]
    bad = csv_of(tmp_path, *good, row(type="call", contact_code="C-001", user="con espacios"))
    assert problems_in(bad, world) == [
        (
            5,
            "user",
            "unknown user name 'con espacios'; use one of: letters, digits and . _ @ + - "
            "(at most 64)",
        )
    ]
    report = import_file(csv_of(tmp_path, *good, name="good.csv"), actor=world.admin)
    assert report.ok and report.users_created == 2  # luis is already there
    for name in ("nuria", "pablo"):
        created = users.get_user(name)
        assert (created.role, created.display_name, created.active) == ("agent", name, True)


# --- ids -----------------------------------------------------------------------


def test_an_id_already_in_the_database_is_skipped_and_reported(
    world: World, tmp_path: Path
) -> None:
    existing = create_interaction(
        InteractionDraft(type="call", contact="C-001", created_by="luis", subject="original")
    )
    path = csv_of(
        tmp_path,
        row(type="note", contact_code="C-001", subject="nueva"),
        row(id=existing.uid, type="email", contact_code="C-002", subject="cambiada"),
    )
    report = import_file(path, actor=world.admin, dry_run=True)
    assert (report.created, report.skipped_existing) == (1, ((3, existing.uid),))
    assert "already there, would skip: 1" in report.summary()
    assert [preview.line for preview in report.preview] == [2]
    assert import_file(path, actor=world.admin).skipped_existing == ((3, existing.uid),)
    assert get_interaction(existing.uid).subject == "original"


def test_an_id_given_twice_in_a_file_is_refused_on_its_second_line(
    world: World, tmp_path: Path
) -> None:
    path = csv_of(
        tmp_path,
        row(id="lote-1", type="call", contact_code="C-001"),
        row(id="lote-2", type="call", contact_code="C-001"),
        row(id="lote-1", type="email", contact_code="C-002"),
        row(id="con espacio", type="email", contact_code="C-002"),
    )
    assert problems_in(path, world) == [
        (4, "id", "id 'lote-1' is also on line 2"),
        (5, "id", "unknown id 'con espacio'; use one of: 1-64 characters, no spaces"),
    ]


# --- all or nothing ------------------------------------------------------------


def test_one_bad_row_near_the_end_of_10000_writes_nothing(world: World, tmp_path: Path) -> None:
    before = table_counts()
    rows = [
        row(
            type="call",
            contact_code=f"C-{index % 40:03d}",
            contact_name=f"Cliente {index % 40}",
            user=f"agente{index % 7}",
            subject=f"fila {index}",
        )
        for index in range(10_000)
    ]
    rows[9_997] = row(type="call", contact_code="C-001", occurred_at="ayer")  # line 9,999
    report = import_file(csv_of(tmp_path, *rows), actor=world.admin)
    assert [(problem.line, problem.column) for problem in report.problems] == [
        (9_999, "occurred_at")
    ]
    assert report.summary() == "rows read: 10000, with errors: 1; nothing was imported"
    assert (report.created, report.users_created, report.contacts_created) == (0, 0, 0)
    assert report.preview == ()
    assert table_counts() == before


def test_problems_of_the_header_or_a_whole_row_have_no_column(world: World, tmp_path: Path) -> None:
    header = write_csv(tmp_path / "h.csv", [["type", "contacto"], ["call", "C-001"]])
    assert [(p.line, p.column) for p in import_file(header, actor=world.admin).problems] == [
        (1, ""),
        (1, ""),
    ]
    wide = csv_of(tmp_path, [*row(type="call", contact_code="C-001"), "de más"], name="w.csv")
    assert import_file(wide, actor=world.admin).problems == (
        ImportProblem(2, "", "the row has 22 cells but the header names 21 columns"),
    )


# --- the preview ---------------------------------------------------------------


def test_the_preview_shows_the_first_rows_as_they_will_be_written(
    world: World, tmp_path: Path
) -> None:
    path = csv_of(
        tmp_path,
        row(
            type="Reunión",
            contact_code="C-001",
            contact_name="Nombre en el archivo",  # a known contact keeps its name
            opportunity_code="OP-001",
            user="luis",
            subject="  Revisión  ",
            occurred_at="2026-11-20 09:30",
        ),
        row(
            type="call",
            contact_code="C-900",
            contact_name="Nuevo S.A.",
            opportunity_code="OP-900",
            opportunity_title="Primer pedido",
            starts_at="2026-11-25 10:00",
        ),
        *[row(type="note", contact_code="C-002", user="nuria") for _ in range(30)],
    )
    before = table_counts()
    report = import_file(path, actor=world.admin, dry_run=True)
    assert table_counts() == before
    assert len(report.preview) == PREVIEW_ROWS
    first, second, third = report.preview[:3]
    assert (first.line, first.type.code, first.status, first.user) == (
        2,
        "meeting",
        "done",
        "Luis Gómez",
    )
    assert (first.contact_code, first.contact_name, first.opportunity_code) == (
        "C-001",
        "Ferretería López",
        "OP-001",
    )
    assert (first.subject, first.when) == ("Revisión", datetime(2026, 11, 20, 9, 30))
    assert not (first.new_contact or first.new_opportunity)
    # No user: the shared pool; a future start: scheduled, so pending.
    assert (second.user, second.status, second.when) == (
        None,
        "pending",
        datetime(2026, 11, 25, 10),
    )
    assert (second.contact_name, second.new_contact, second.new_opportunity) == (
        "Nuevo S.A.",
        True,
        True,
    )
    assert (third.line, third.user, third.when) == (4, "nuria", datetime(2026, 11, 23, 10, 0))
    assert [preview.line for preview in report.preview] == list(range(2, 2 + PREVIEW_ROWS))
    # The real import previews the same rows it writes.
    assert import_file(path, actor=world.admin).preview == report.preview


# --- progress and cancelling ----------------------------------------------------


def _calls_file(tmp_path: Path, count: int) -> Path:
    return csv_of(
        tmp_path,
        *[
            row(type="call", contact_code="C-777", contact_name="Nuevo", user="eva")
            for _ in range(count)
        ],
    )


def test_progress_is_told_for_reading_checking_and_writing(
    world: World, db: store_db.Target, tmp_path: Path
) -> None:
    seen: list[tuple[str, int]] = []
    report = import_file(
        _calls_file(tmp_path, 1_200), actor=world.admin, progress=lambda *step: seen.append(step)
    )
    assert report.created == 1_200
    # On PostgreSQL the rows are checked as they are written.
    checking = [(CHECKING, 500), (CHECKING, 1_000), (CHECKING, 1_200)]
    assert seen == [
        (READING, 500),
        (READING, 1_000),
        (READING, 1_200),
        *(checking if db.engine == "sqlite" else []),
        (WRITING, 0),
        (WRITING, 500),
        (WRITING, 1_000),
        (WRITING, 1_200),
    ]
    seen.clear()
    import_file(
        _calls_file(tmp_path, 3),
        actor=world.admin,
        dry_run=True,
        progress=lambda *s: seen.append(s),
    )
    assert seen == [(READING, 3), (CHECKING, 3)]  # a dry run writes nothing


@pytest.mark.parametrize(
    "when",
    [(READING, 500), (CHECKING, 1_200), (WRITING, 0), (WRITING, 1_000), (WRITING, 1_200)],
    ids=["reading", "checked", "before-writing", "while-writing", "after-the-last-batch"],
)
def test_a_cancelled_import_writes_nothing(
    world: World, db: store_db.Target, tmp_path: Path, when: tuple[str, int]
) -> None:
    """Even once writing has begun, and after its last batch: the users,
    contact and interactions written so far are rolled back."""
    if db.engine == "postgres" and when[0] == CHECKING:
        # Checked as they are written: all are checked once all are written.
        when = (WRITING, 1_200)
    before = table_counts()
    cancel = threading.Event()

    def progress(stage: str, rows: int) -> None:
        if (stage, rows) == when:
            cancel.set()

    with pytest.raises(ImportCancelled) as raised:
        import_file(
            _calls_file(tmp_path, 1_200), actor=world.admin, progress=progress, cancel=cancel
        )
    assert raised.value.message() == "import cancelled; nothing was written"
    assert table_counts() == before
