"""How an import writes what passed its checks: all or nothing, also when
the database changed after the checks. On SQLite and PostgreSQL (the
`world` fixture)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from crm_tui.exchange import importer
from crm_tui.exchange.importer import import_file
from crm_tui.services import contacts
from crm_tui.services.errors import CrmError
from crm_tui.store import db as store_db
from crm_tui.store.models import Contact

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
