"""How an import writes what passed its checks: all or nothing, also when
the database changed after the checks. On SQLite and PostgreSQL (the
`world` fixture)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crm_tui.exchange import importer
from crm_tui.exchange.importer import WRITING, import_file
from crm_tui.services import contacts
from crm_tui.services.errors import CrmError
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.store import db as store_db
from crm_tui.store.models import Contact, HistoryEvent, Interaction

from .conftest import World
from .test_exchange import row, table_counts
from .test_import_validation import csv_of

ROWS = 1_200  # more than one batch of progress (500)


@pytest.fixture(autouse=True)
def clock_fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", "2026-11-23T10:00:00")


def calls(count: int) -> list[list[str]]:
    return [
        row(type="call", contact_code="C-777", contact_name="Nuevo", user="eva")
        for _ in range(count)
    ]


def test_a_contact_created_meanwhile_stops_the_import_with_a_message(
    world: World, db: store_db.Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Someone creates the import's new contact after the file was
    checked against the database and before the import writes it: the
    person is told to run it again (on PostgreSQL the error came from
    COPY as the driver's own, and reached the person as a traceback), and
    nothing of the import stays."""
    write_import = importer.write_import

    def after_a_colleague(*args: Any, **kwargs: Any) -> None:
        contacts.create_contact("C-777", "Creado por otra persona")
        write_import(*args, **kwargs)

    monkeypatch.setattr(importer, "write_import", after_a_colleague)
    before = table_counts()
    with pytest.raises(CrmError) as raised:
        import_file(csv_of(tmp_path, *calls(ROWS)), actor=world.admin)
    assert raised.value.message() == (
        "the database changed while the file was being checked (UNIQUE constraint failed: "
        "contact.code); nothing was imported, run the import again"
        if db.engine == "sqlite"
        else "the database changed while the file was being checked (duplicate key value "
        'violates unique constraint "contact_code_key"); nothing was imported, run the '
        "import again"
    )
    # The colleague's contact and its `contact_created` event, nothing more.
    assert table_counts() == {
        **before,
        "Contact": before["Contact"] + 1,
        "HistoryEvent": before["HistoryEvent"] + 1,
    }
    assert Contact.get(Contact.code == "C-777").name == "Creado por otra persona"


def test_a_row_failing_once_writing_began_leaves_nothing(
    world: World, db: store_db.Target, tmp_path: Path
) -> None:
    """The file's first row is checked last (rows are written from the
    last one up). On PostgreSQL the rows before it are written as they
    pass, so 1,000 are written when it fails; everything is rolled back
    and its problem reported as on SQLite, which checks them all first."""
    seen: list[tuple[str, int]] = []
    before = table_counts()
    bad = row(type="call", contact_code="C-777", contact_name="Nuevo", occurred_at="23/11/2026")
    path = csv_of(tmp_path, bad, *calls(ROWS - 1))
    report = import_file(path, actor=world.admin, progress=lambda *step: seen.append(step))
    assert [(problem.line, problem.column) for problem in report.problems] == [(2, "occurred_at")]
    assert report.created == 0
    assert table_counts() == before
    written = [rows for stage, rows in seen if stage == WRITING]
    assert written == ([0, 500, 1_000] if db.engine == "postgres" else [])


def test_imported_rows_take_ids_after_every_id_given_the_oldest_first(
    world: World, db: store_db.Target, tmp_path: Path
) -> None:
    """The ids are reserved before the rows are written (so that tags and
    history need not read them back): never one given before, even to a
    row since deleted, and in the order the rows happened."""
    created = create_interaction(
        InteractionDraft(type="call", contact="C-001", created_by="ana", subject="Borrada")
    )
    deleted = created.id
    Interaction.delete().where(Interaction.id == deleted).execute()  # the last id, gone
    rows = [
        row(type="call", contact_code="C-001", subject=f"Llamada {day}", occurred_at=when)
        for day, when in ((3, "2026-11-03 10:00"), (2, "2026-11-02 10:00"), (1, "2026-11-01 10:00"))
    ]  # newest first, as an export lists them
    report = import_file(csv_of(tmp_path, *rows), actor=world.admin)
    assert report.created == 3
    imported = list(
        Interaction.select(Interaction.id, Interaction.subject)
        .where(Interaction.subject.startswith("Llamada "))
        .order_by(Interaction.id)
        .tuples()
    )
    assert [subject for _, subject in imported] == ["Llamada 1", "Llamada 2", "Llamada 3"]
    assert min(interaction_id for interaction_id, _ in imported) > deleted
    # Each row's tags and history point at its own id.
    events = dict(
        HistoryEvent.select(HistoryEvent.interaction, HistoryEvent.details)
        .where(HistoryEvent.action == "imported")
        .tuples()
    )
    assert {events[interaction_id] for interaction_id, _ in imported} == {
        f'{{"file": "in.csv", "line": {line}}}' for line in (2, 3, 4)
    }
