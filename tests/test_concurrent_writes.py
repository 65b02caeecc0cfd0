"""Several processes writing to one database at once: with IMMEDIATE
transactions and the busy timeout, no writer sees "database is locked"
and no write is lost."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from crm_tui.services.listing import count_interactions
from crm_tui.services.records import InteractionFilter
from crm_tui.store import db as store_db
from crm_tui.store.models import HistoryEvent

from .conftest import World

WRITER = textwrap.dedent(
    """
    import sys
    from crm_tui.store import db
    from crm_tui.services.interactions import InteractionDraft, create_interaction, set_status
    from crm_tui.services.users import get_user

    target = db.Target(sys.argv[1], sys.argv[2])
    db.connect(target)
    actor = get_user("luis")
    for n in range(int(sys.argv[3])):
        record = create_interaction(InteractionDraft(
            type="call", contact="C-001", created_by="luis", status="pending", kind="task",
            subject=f"writer {sys.argv[4]} #{n}"))
        set_status(record.id, "done", actor=actor)
    print("ok")
    """
)


def test_parallel_writers_lose_nothing(world: World, db: store_db.Target) -> None:
    writers, each = 4, 25
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, db.engine, db.location, str(each), str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(writers)
    ]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert out.strip() == "ok"
        assert "locked" not in err
    assert count_interactions() == writers * each
    assert count_interactions(InteractionFilter(statuses=("done",))) == writers * each
    # One creation and one status change per interaction, nothing missing.
    assert HistoryEvent.select().where(HistoryEvent.action == "status_changed").count() == (
        writers * each
    )
