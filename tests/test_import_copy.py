"""An import writes its rows with COPY on PostgreSQL (multi-row INSERTs on
SQLite): text that COPY's format must escape (tab, newline, backslash, a
literal `\\N`, which COPY reads as NULL unless escaped) and markup reach
the database exactly as a person wrote them, in the interaction and in the
contact and opportunity the import creates."""

from __future__ import annotations

import csv
from pathlib import Path

from crm_tui.exchange.columns import COLUMNS
from crm_tui.exchange.importer import import_file
from crm_tui.services import users
from crm_tui.store import db as store_db
from crm_tui.store.models import Contact, Interaction, InteractionTag, Opportunity

CONTACT_NAME = "Back\\slash \\N y \\t literal"
OPPORTUNITY_TITLE = "C:\\new\\table [b]negrita[/b] \\\\N"
SUBJECT = "Asunto \\N con \\ y [bold]markup[/] <b>html</b>"
NOTE = "línea 1\ttab\nlínea 2 \\n no es salto\nlínea 3 \\N\n\n[@click=app.quit]x[/]\\"
LOCATION = "\\\\servidor\\sala 2"


def test_text_copy_must_escape_is_stored_exactly(db: store_db.Target, tmp_path: Path) -> None:
    actor = users.add_user("ana", "Ana Ruiz", role="admin")
    values = {
        "type": "note",
        "contact_code": "C-900",
        "contact_name": CONTACT_NAME,
        "opportunity_code": "OP-900",
        "opportunity_title": OPPORTUNITY_TITLE,
        "subject": SUBJECT,
        "note": NOTE,
        "location": LOCATION,
        "occurred_at": "2026-11-20 09:30",
        "tags": "vip, norte",
    }
    path = tmp_path / "escapes.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        csv.writer(file).writerows([list(COLUMNS), [values.get(column, "") for column in COLUMNS]])

    report = import_file(path, actor=actor)

    assert report.errors == ()
    assert report.created == 1
    interaction = Interaction.get()
    assert (interaction.subject, interaction.note, interaction.location) == (
        SUBJECT,
        NOTE,
        LOCATION,
    )
    assert interaction.outcome is None  # an empty cell stays NULL, not the text "\N"
    assert Contact.get(Contact.code == "C-900").name == CONTACT_NAME
    assert Opportunity.get(Opportunity.code == "OP-900").title == OPPORTUNITY_TITLE
    tags = InteractionTag.select().where(InteractionTag.interaction == interaction.id)
    assert sorted(link.tag.name for link in tags) == ["norte", "vip"]
