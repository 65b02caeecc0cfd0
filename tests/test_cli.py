"""The command line as scripts and people use it: what each command prints,
its exit code, and one clear line (never a traceback) for bad input.

Most tests call `crm_tui.cli.main` in-process against the real databases
of the `db` fixture (`--db` is the fixture's file path or PostgreSQL URL);
a few run the installed `crm-tui` program in a subprocess."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from crm_tui import __version__
from crm_tui.cli import main
from crm_tui.exchange.columns import COLUMNS
from crm_tui.services import notifications
from crm_tui.services.interactions import delete_interaction
from crm_tui.services.listing import get_interaction
from crm_tui.store import db as store_db
from crm_tui.store.migrations import LATEST
from tests.conftest import World

NOW = "2026-11-23T10:00"
UID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
PROGRAM = Path(sys.executable).parent / "crm-tui"
COMMANDS = (
    "demo",
    "list",
    "export",
    "import",
    "log",
    "comment",
    "notifications",
    "campaign",
    "claim",
    "users",
    "outbox",
    "rules",
    "doctor",
    "backup",
)


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> list[dict[str, object]]:
        assert self.code == 0, self.err
        data: list[dict[str, object]] = json.loads(self.out)
        return data


Crm = Callable[..., Result]


@pytest.fixture
def crm(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Crm:
    """Run `crm-tui ARGS...` in-process with a fixed clock, an English
    locale and an 80-column terminal."""
    monkeypatch.setenv("CRM_TUI_NOW", NOW)
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    monkeypatch.setenv("COLUMNS", "80")

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def on(target: store_db.Target) -> list[str]:
    return ["--db", target.location]


def log(crm: Crm, target: store_db.Target, *options: str) -> str:
    """Log an interaction (defaults: a call to C-001 by ana); its uid."""
    args = ["log", *on(target), *options]
    if "--type" not in options:
        args += ["--type", "call"]
    if "--contact" not in options:
        args += ["--contact", "C-001"]
    if "--by" not in options:
        args += ["--by", "ana"]
    result = crm(*args)
    assert result.code == 0, result.err
    return result.out.strip()


def listed(crm: Crm, target: store_db.Target, *filters: str) -> list[dict[str, object]]:
    return crm("list", *on(target), "--format", "json", *filters).json()


def subjects(rows: list[dict[str, object]]) -> list[object]:
    return [row["subject"] for row in rows]


# --- log and list -------------------------------------------------------------


def test_log_prints_a_uid_that_list_finds_with_the_interchange_columns(
    crm: Crm, db: store_db.Target, world: World
) -> None:
    result = crm(
        "log",
        *on(db),
        "--type",
        "call",
        "--contact",
        "C-001",
        "--opportunity",
        "OP-001",
        "--by",
        "ana",
        "--user",
        "luis",
        "--outcome",
        "no_answer",
        "--subject",
        "Renovación",
        "--note",
        "Dejé mensaje",
        "--tag",
        "VIP",
        "--tag",
        "renovación",
    )
    assert result.code == 0, result.err
    assert result.err == ""
    uid = result.out.strip()
    assert result.out == uid + "\n"  # the id and nothing else
    assert UID.match(uid)

    rows = listed(crm, db, "--id", uid)
    assert len(rows) == 1
    assert list(rows[0]) == list(COLUMNS)
    assert rows[0] == {
        "id": uid,
        "type": "call",
        "status": "done",
        "priority": "normal",
        "direction": "outbound",
        "internal": "no",
        "user": "luis",
        "created_by": "ana",
        "contact_code": "C-001",
        "contact_name": "Ferretería López",
        "opportunity_code": "OP-001",
        "opportunity_title": "Renovación de contrato",
        "subject": "Renovación",
        "note": "Dejé mensaje",
        "outcome": "no_answer",
        "occurred_at": "2026-11-23 10:00",
        "starts_at": "",
        "ends_at": "",
        "follow_up_at": "",
        "location": "",
        "tags": "renovación,vip",
    }


def test_log_takes_natural_dates_and_schedules_what_starts_later(
    crm: Crm, db: store_db.Target, world: World
) -> None:
    uid = log(
        crm,
        db,
        "--type",
        "Reunión",
        "--start",
        "mañana 10:00",
        "--end",
        "mañana 11:30",
        "--follow-up",
        "+2d",
        "--location",
        "Oficina",
        "--priority",
        "Alta",
        "--internal",
    )
    [row] = listed(crm, db, "--id", uid)
    assert row["type"] == "meeting"
    assert row["status"] == "pending"
    assert row["starts_at"] == "2026-11-24 10:00"
    assert row["ends_at"] == "2026-11-24 11:30"
    assert row["follow_up_at"] == "2026-11-25 10:00"
    assert row["priority"] == "high"
    assert row["internal"] == "yes"
    assert get_interaction(uid).kind == "scheduled"


def test_list_json_is_newest_first_and_limited(crm: Crm, db: store_db.Target, world: World) -> None:
    for day in range(1, 6):
        log(crm, db, "--at", f"2026-11-0{day} 09:00", "--subject", f"day {day}")

    assert subjects(listed(crm, db)) == [f"day {day}" for day in range(5, 0, -1)]
    assert subjects(listed(crm, db, "--limit", "2")) == ["day 5", "day 4"]
    assert len(listed(crm, db, "--limit", "0")) == 5
    assert listed(crm, db, "--contact", "C-002") == []


def test_list_all_streams_past_one_page(crm: Crm, sqlite_target: store_db.Target) -> None:
    from crm_tui.services import contacts, users
    from crm_tui.services.interactions import InteractionDraft, create_interaction

    users.add_user("ana", "Ana", role="admin")
    contacts.create_contact("C-001", "Ferretería López")
    for number in range(1205):
        create_interaction(
            InteractionDraft(type="note", contact="C-001", created_by="ana", subject=str(number))
        )
    rows = listed(crm, sqlite_target, "--limit", "0")
    assert len(rows) == 1205
    assert len({row["id"] for row in rows}) == 1205
    assert len(listed(crm, sqlite_target, "--limit", "1100")) == 1100


def test_a_bare_date_covers_the_whole_day_at_both_ends(
    crm: Crm, db: store_db.Target, world: World
) -> None:
    for at, subject in (
        ("2026-11-20 23:59", "day before"),
        ("2026-11-21 00:00", "first minute"),
        ("2026-11-22 23:59", "last minute"),
        ("2026-11-23 00:00", "day after"),
    ):
        log(crm, db, "--at", at, "--subject", subject)

    rows = listed(crm, db, "--since", "2026-11-21", "--until", "2026-11-22")
    assert subjects(rows) == ["last minute", "first minute"]
    rows = listed(crm, db, "--since", "21/11/2026 00:01", "--until", "2026-11-22 23:58")
    assert subjects(rows) == []
    assert subjects(listed(crm, db, "--until", "ayer")) == [
        "last minute",
        "first minute",
        "day before",
    ]


def test_repeated_filters_are_alternatives_and_labels_work_in_spanish(
    crm: Crm, db: store_db.Target, world: World
) -> None:
    log(crm, db, "--subject", "call done")
    log(crm, db, "--subject", "call in progress", "--status", "in_progress")
    log(crm, db, "--subject", "email in progress", "--type", "email", "--status", "En curso")
    log(crm, db, "--subject", "meeting pending", "--type", "meeting", "--status", "pending")

    def found(*filters: str) -> set[object]:
        return set(subjects(listed(crm, db, *filters)))

    assert found("--status", "pending", "--status", "En curso") == {
        "call in progress",
        "email in progress",
        "meeting pending",
    }
    assert found("--type", "Llamada", "--status", "En curso") == {"call in progress"}
    assert found("--type", "call", "--type", "Correo") == {
        "call done",
        "call in progress",
        "email in progress",
    }
    assert found("--user", "ana", "--user", "luis") == found()


def test_search_tag_opportunity_and_user_filters(
    crm: Crm, db: store_db.Target, world: World
) -> None:
    log(crm, db, "--subject", "budget", "--note", "Presupuesto tras la reunión", "--tag", "vip")
    log(crm, db, "--subject", "other", "--opportunity", "OP-001", "--user", "luis")

    assert subjects(listed(crm, db, "--search", "reunion")) == ["budget"]
    assert subjects(listed(crm, db, "--search", "nothing-like-it")) == []
    assert subjects(listed(crm, db, "--tag", "VIP")) == ["budget"]
    assert subjects(listed(crm, db, "--opportunity", "OP-001")) == ["other"]
    assert subjects(listed(crm, db, "--user", "luis")) == ["other"]


def test_the_table_fits_80_columns_and_shows_user_text_as_typed(
    crm: Crm, db: store_db.Target, world: World
) -> None:
    log(crm, db, "--subject", "[bold]hola[/] \x1b]0;pwned\x07 " + "x" * 100)
    log(crm, db, "--subject", "Visita", "--type", "visit", "--status", "in_progress")
    result = crm("list", *on(db))

    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].split() == ["Id", "Date", "Type", "Status", "User", "Contact", "Subject"]
    assert all(len(line) <= 80 for line in lines)
    assert "[bold]hola[/]" in result.out
    assert "\x1b" not in result.out and "\x07" not in result.out
    assert "In progress" in result.out and "Visit" in result.out
    assert "10:00" in result.out  # today shows the time
    assert result.err == ""


def test_the_table_in_spanish_and_its_note_when_cut(
    crm: Crm, db: store_db.Target, world: World
) -> None:
    for number in range(3):
        log(crm, db, "--subject", f"llamada {number}", "--status", "En curso")
    result = crm("list", *on(db), "--limit", "2", "--lang", "es")

    assert result.code == 0
    assert result.out.splitlines()[0].startswith("     Id Fecha")
    assert result.out.count("En curso") == 2
    assert "Llamada" in result.out
    assert result.err == "se muestran las 2 más recientes; --limit 0 las muestra todas\n"


def test_global_options_go_before_or_after_the_command(
    crm: Crm, db: store_db.Target, world: World
) -> None:
    log(crm, db, "--subject", "one")
    after = crm("list", "--format", "json", *on(db))
    before = crm(*on(db), "list", "--format", "json")
    assert after.code == before.code == 0
    assert after.out == before.out
    assert crm("--lang", "es", *on(db), "list", "--type", "fax").err.startswith(
        "crm-tui: tipo de interacción desconocido 'fax'"
    )


def test_db_comes_from_the_environment(
    crm: Crm, db: store_db.Target, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    log(crm, db, "--subject", "from env")
    monkeypatch.setenv("CRM_TUI_DB", db.location)
    assert subjects(crm("list", "--format", "json").json()) == ["from env"]


# --- errors -------------------------------------------------------------------

BAD_LOGS = [
    (["--at", "31/02/2026"], "'31/02/2026' is not a date"),
    (["--start", "2026-11-23 10:00", "--end", "2026-11-23 09:00"], "is before the start"),
    (["--end", "2026-11-23 09:00"], "an end needs a start"),
    (["--by", "nobody"], "unknown user 'nobody'; add it with: crm-tui users add nobody"),
    (["--user", "nobody"], "unknown user 'nobody'; add it with: crm-tui users add nobody"),
    (["--contact", "C-999"], "unknown contact 'C-999'"),
    (["--type", "fax"], "unknown interaction type 'fax'; use one of: call, email"),
    (["--status", "finished"], "unknown status 'finished'"),
    (["--opportunity", "OP-002"], "opportunity 'OP-002' belongs to another contact"),
]


@pytest.mark.parametrize(("options", "message"), BAD_LOGS)
def test_bad_input_to_log_is_one_line_and_writes_nothing(
    crm: Crm, db: store_db.Target, world: World, options: list[str], message: str
) -> None:
    result = crm(
        "log",
        *on(db),
        *options,
        *([] if "--type" in options else ["--type", "call"]),
        *([] if "--contact" in options else ["--contact", "C-001"]),
        *([] if "--by" in options else ["--by", "ana"]),
    )
    assert result.code == 1
    assert result.out == ""
    assert result.err.startswith("crm-tui: ")
    assert message in result.err
    assert result.err.count("\n") == 1
    assert listed(crm, db) == []


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (["--since", "someday"], "'someday' is not a date"),
        (["--until", "2026-13-01"], "'2026-13-01' is not a date"),
        (["--user", "nobody"], "unknown user 'nobody'"),
        (["--contact", "C-999"], "unknown contact 'C-999'"),
        (["--opportunity", "OP-999"], "unknown opportunity 'OP-999'"),
        (["--type", "fax"], "unknown interaction type 'fax'"),
        (["--status", "finished"], "unknown status 'finished'"),
    ],
)
def test_bad_filters_are_one_line_and_print_no_partial_json(
    crm: Crm, db: store_db.Target, world: World, filters: list[str], message: str
) -> None:
    log(crm, db)
    result = crm("list", *on(db), "--format", "json", *filters)
    assert result.code == 1
    assert result.out == ""
    assert result.err.startswith("crm-tui: ") and message in result.err
    assert result.err.count("\n") == 1
    assert "users add" not in result.err  # a filter names a user; it does not create one


def test_a_missing_database_is_not_created_by_reading_commands(crm: Crm, tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    for command in (
        ["list"],
        ["export", "--out", str(tmp_path / "x.csv")],
        ["notifications", "--user", "ana"],
        ["users", "list"],
        ["doctor"],
    ):
        result = crm(*command, "--db", str(missing))
        assert (result.code, result.out) == (1, ""), command
        assert result.err == f"crm-tui: database not found: {missing}\n"
    assert not missing.exists()
    assert not (tmp_path / "x.csv").exists()


def test_a_file_that_is_not_a_database(crm: Crm, tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("these are my notes, not a database\n" * 20)
    for command in (["list"], ["log", "--type", "call", "--contact", "C-1"], ["doctor"]):
        result = crm(*command, "--db", str(notes))
        assert result.code == 1, command
        assert result.err == f"crm-tui: cannot open the database {notes}: file is not a database\n"
    assert notes.read_text().startswith("these are my notes")


def test_an_unreachable_postgres_server(crm: Crm) -> None:
    result = crm("list", "--db", "postgresql://nobody@127.0.0.1:1/crm")
    assert result.code == 1
    assert result.err.startswith("crm-tui: cannot open the database postgresql://127.0.0.1:1/crm")
    assert result.err.count("\n") == 1


def test_errors_in_spanish(crm: Crm, tmp_path: Path) -> None:
    result = crm("list", "--db", str(tmp_path / "no.db"), "--lang", "es")
    assert result.err == f"crm-tui: no se encuentra la base de datos: {tmp_path / 'no.db'}\n"


def test_usage_errors_exit_2(crm: Crm, tmp_path: Path) -> None:
    db = str(tmp_path / "x.db")
    assert crm("list", "--limit", "-1", "--db", db).code == 2
    assert crm("list", "--format", "xml", "--db", db).code == 2
    assert crm("campaign", "--db", db).code == 2
    assert crm("log", "--db", db, "--type", "call").code == 2  # --contact is required
    result = crm("--contact", "C-001", "list", "--db", db)
    assert result.code == 2
    assert "give them after the command name" in result.err
    assert not Path(db).exists()


def test_a_wrong_fixed_clock_is_reported(crm: Crm, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRM_TUI_NOW", "yesterday-ish")
    result = crm("list", "--db", "whatever.db")
    assert result.code == 1
    assert result.err.startswith("crm-tui: CRM_TUI_NOW='yesterday-ish' is not an ISO 8601 date")


# --- users --------------------------------------------------------------------


def test_users_add_then_list(crm: Crm, db: store_db.Target) -> None:
    added = crm("users", "add", "ana", *on(db), "--role", "admin", "--name", "Ana Ruiz")
    assert added.code == 0, added.err
    assert added.out == "user ana added (Admin): the first user of a database is its admin\n"
    added = crm("users", *on(db), "add", "luis", "--email", "luis@example.com", "--by", "ana")
    assert (added.code, added.out) == (0, "user luis added (Agent)\n")

    assert crm("users", "list", *on(db), "--format", "json").json() == [
        {"username": "ana", "name": "Ana Ruiz", "email": "", "role": "admin", "active": True},
        {
            "username": "luis",
            "name": "luis",
            "email": "luis@example.com",
            "role": "agent",
            "active": True,
        },
    ]
    table = crm("users", "list", *on(db)).out.splitlines()
    assert table[0].split() == ["User", "Name", "Role", "Active", "E-mail"]
    assert table[1].split() == ["ana", "Ana", "Ruiz", "Admin", "yes"]


def test_users_add_refuses_duplicates_and_bad_roles(crm: Crm, db: store_db.Target) -> None:
    assert crm("users", "add", "ana", *on(db)).code == 0
    again = crm("--user", "ana", "users", "add", "ana", *on(db))
    assert (again.code, again.err) == (1, "crm-tui: user name 'ana' already exists\n")
    bad = crm("--user", "ana", "users", "add", "pepe", "--role", "boss", *on(db))
    assert bad.code == 1
    assert "unknown role 'boss'; use one of: agent, supervisor, admin" in bad.err


def test_users_edit_sets_and_removes_an_email(crm: Crm, db: store_db.Target) -> None:
    assert crm("users", "add", "ana", *on(db)).code == 0
    edited = crm("users", "edit", "ana", "--email", "ana@example.com", *on(db), "--by", "ana")
    assert (edited.code, edited.out.strip()) == (0, "user ana: e-mail ana@example.com")
    assert crm("users", "list", *on(db), "--format", "json").json()[0]["email"] == "ana@example.com"
    bad = crm("users", "edit", "ana", "--email", "not an address", *on(db), "--by", "ana")
    assert bad.code != 0 and "not an address" in bad.err
    assert crm("users", "list", *on(db), "--format", "json").json()[0]["email"] == "ana@example.com"
    removed = crm("users", "edit", "ana", "--email", "", *on(db), "--by", "ana")
    assert removed.out.strip() == "user ana: e-mail none"
    unknown = crm("users", "edit", "nobody", "--email", "x@example.com", *on(db), "--by", "ana")
    assert unknown.code != 0 and "nobody" in unknown.err


def test_users_add_creates_a_new_database(crm: Crm, tmp_path: Path) -> None:
    path = tmp_path / "team" / "crm.db"
    assert crm("users", "add", "ana", "--db", str(path), "--role", "admin").code == 0
    assert path.exists()


def test_the_first_user_of_an_empty_database_is_the_login(
    crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "new.db"
    monkeypatch.setenv("USER", "dialer")
    monkeypatch.setenv("LOGNAME", "dialer")
    # No contact yet: the log fails, and the recorder made admin for it is
    # not left behind.
    failed = crm("log", "--db", str(path), "--type", "call", "--contact", "C-001")
    assert failed.code == 1
    assert crm("users", "list", "--db", str(path), "--format", "json").json() == []


# --- notifications --------------------------------------------------------------


def test_notifications_of_a_user(
    crm: Crm, db: store_db.Target, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    uid = log(crm, db, "--opportunity", "OP-001", "--user", "luis")
    target = get_interaction(uid)
    notifications.notify(
        world.agent.id,
        "mention",
        actor_id=world.admin.id,
        interaction_id=target.id,
        text="@luis llama tú mañana",
    )
    notifications.notify(world.supervisor.id, "reminder", text="not for luis")

    unread = crm("notifications", *on(db), "--user", "luis", "--format", "json").json()
    assert unread == [
        {
            "kind": "mention",
            "who": "ana",
            "when": "2026-11-23 10:00",
            "id": uid,
            "opportunity": "OP-001",
            "text": "@luis llama tú mañana",
            "read": False,
        },
        {  # ana logged it for luis: it was assigned to him
            "kind": "assignment",
            "who": "ana",
            "when": "2026-11-23 10:00",
            "id": uid,
            "opportunity": "OP-001",
            "text": "Call",
            "read": False,
        },
    ]
    monkeypatch.setenv("COLUMNS", "120")
    table = crm("notifications", *on(db), "--user", "luis", "--mark-read")
    assert table.code == 0
    assert "Mention" in table.out and "@luis llama tú mañana" in table.out

    assert crm("notifications", *on(db), "--user", "luis", "--format", "json").json() == []
    everything = crm("notifications", *on(db), "--user", "luis", "--all", "--format", "json")
    assert [row["read"] for row in everything.json()] == [True, True]
    assert notifications.unread_count(world.supervisor.id) == 1


def test_a_notification_about_a_deleted_interaction_has_no_id(
    crm: Crm, db: store_db.Target, world: World
) -> None:
    target = get_interaction(log(crm, db))
    notifications.notify(world.agent.id, "assignment", interaction_id=target.id, text="toma")
    delete_interaction(target.id, actor=world.admin)

    [row] = crm("notifications", *on(db), "--user", "luis", "--format", "json").json()
    assert (row["id"], row["opportunity"], row["who"]) == ("", "", "")


def test_notifications_default_to_the_user_given_before_the_command(
    crm: Crm, db: store_db.Target, world: World
) -> None:
    notifications.notify(world.agent.id, "reminder", text="llamar a Ferretería López")
    rows = crm("--user", "luis", "notifications", *on(db), "--format", "json").json()
    assert [row["text"] for row in rows] == ["llamar a Ferretería López"]
    unknown = crm("notifications", *on(db), "--user", "nobody")
    assert unknown.code == 1
    assert "unknown user 'nobody'" in unknown.err


# --- doctor ---------------------------------------------------------------------


def test_doctor_on_a_fresh_database(crm: Crm, db: store_db.Target) -> None:
    result = crm("doctor", *on(db))
    assert result.code == 0, result.out + result.err
    assert f"schema version: {LATEST} (this program: {LATEST})" in result.out
    assert "history is append-only" in result.out
    assert result.out.rstrip().endswith("healthy")
    assert result.err == ""


def test_doctor_on_a_database_from_a_newer_program(crm: Crm, db: store_db.Target) -> None:
    mark = store_db.current().param
    store_db.current().execute_sql(
        f"INSERT INTO schema_version (version, name, applied_at) VALUES ({mark}, {mark}, {mark})",
        (99, "from the future", "2030-01-01 00:00:00"),
    )
    result = crm("doctor", *on(db))
    assert result.code == 1
    assert f"schema version: 99 (this program: {LATEST})" in result.out
    assert (
        f"written by a newer crm-tui (schema 99, this program knows up to {LATEST})" in result.out
    )
    assert result.err == "crm-tui: 1 problems found (listed above)\n"
    # Every other command refuses it with the same clear message.
    refused = crm("list", *on(db))
    assert refused.code == 1
    assert "upgrade crm-tui" in refused.err


# --- demo, export, import ------------------------------------------------------------


def test_demo_builds_once_and_refuses_to_overwrite(crm: Crm, tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    built = crm("demo", "--db", str(path), "--contacts", "20", "--interactions", "300")
    assert built.code == 0, built.err
    assert re.fullmatch(
        rf"demo database {re.escape(str(path))}: \d+ users, 20 contacts, 80 opportunities, "
        r"300 interactions, [\d,]+ comments, [\d,]+ notifications in [\d.]+ s\n",
        built.out,
    )
    assert len(crm("list", "--db", str(path), "--limit", "0", "--format", "json").json()) == 300

    again = crm("demo", "--db", str(path))
    assert again.code == 1
    assert "already holds contacts or interactions" in again.err


def test_export_then_import_into_an_empty_database(
    crm: Crm, db: store_db.Target, world: World, tmp_path: Path
) -> None:
    log(crm, db, "--subject", "=1+1 is a formula", "--status", "done")
    log(crm, db, "--subject", "pending one", "--status", "pending")
    out = tmp_path / "done.csv"

    exported = crm("export", *on(db), "--status", "done", "--out", str(out), "--by", "luis")
    assert exported.code == 0, exported.err
    assert exported.out == f"1 interactions written to {out}\n"

    empty = tmp_path / "empty.db"
    assert crm("users", "add", "ana", "--role", "admin", "--db", str(empty)).code == 0
    checked = crm("import", "--db", str(empty), str(out), "--dry-run", "--by", "ana")
    assert checked.code == 0, checked.err
    assert checked.out.startswith("dry run, nothing written")
    assert crm("list", "--db", str(empty), "--format", "json").json() == []

    imported = crm("import", "--db", str(empty), str(out), "--by", "ana")
    assert imported.code == 0, imported.err
    [row] = crm("list", "--db", str(empty), "--format", "json").json()
    assert row["subject"] == "=1+1 is a formula"

    again = crm("import", "--db", str(empty), str(out), "--by", "ana")
    assert again.code == 0
    assert f"id {row['id']} is already in the database" in again.out


def test_import_with_bad_rows_lists_them_and_writes_nothing(crm: Crm, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "type,contact_code,contact_name,occurred_at\n"
        "call,C-001,Ferretería López,2026-11-20 10:00\n"
        "fax,C-001,Ferretería López,2026-11-20 11:00\n"
        "call,C-001,Ferretería López,someday\n",
        encoding="utf-8",
    )
    path = tmp_path / "new.db"
    result = crm("import", "--db", str(path), str(bad), "--by", "ana")
    assert result.code == 1
    assert result.out == ""
    lines = result.err.splitlines()
    assert lines[0].startswith("line 3: ") and "fax" in lines[0]
    assert lines[1].startswith("line 4: ") and "someday" in lines[1]
    assert "nothing was imported" in lines[-1]
    assert crm("list", "--db", str(path), "--format", "json").json() == []


def test_import_of_a_missing_file(crm: Crm, tmp_path: Path) -> None:
    result = crm("import", "--db", str(tmp_path / "x.db"), str(tmp_path / "nope.csv"))
    assert (result.code, result.err) == (1, f"crm-tui: file not found: {tmp_path / 'nope.csv'}\n")
    assert not (tmp_path / "x.db").exists()


def test_export_to_a_missing_folder(crm: Crm, db: store_db.Target) -> None:
    result = crm("export", *on(db), "--out", "/nonexistent-folder/x.csv")
    assert result.code == 1
    assert result.err == "crm-tui: the folder /nonexistent-folder does not exist\n"


# --- the real program -------------------------------------------------------------


def program(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "CRM_TUI_DB"}
    env.update(CRM_TUI_NOW=NOW, LC_ALL="C.UTF-8")
    return subprocess.run(
        [str(PROGRAM), *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=60,
        check=False,
    )


def test_bad_input_never_shows_a_traceback(sqlite_target: store_db.Target, tmp_path: Path) -> None:
    db = sqlite_target.location
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database at all, just words\n" * 10)
    cases = [
        ["list", "--db", str(tmp_path / "missing.db")],
        ["list", "--db", str(notes)],
        ["list", "--db", db, "--since", "el día del juicio"],
        ["list", "--db", db, "--status", "whatever"],
        ["log", "--db", db, "--type", "call", "--contact", "C-1", "--by", "nobody"],
        ["log", "--db", db, "--type", "call", "--contact", "C-1", "--at", "ayer a las 25"],
        ["import", "--db", db, str(tmp_path / "nothing.csv")],
        ["import", "--db", db, str(notes)],
        ["export", "--db", db, "--out", str(tmp_path / "x.pdf")],
        ["export", "--db", db, "--out", "/nonexistent-folder/x.csv"],
        ["notifications", "--db", db, "--user", "nobody"],
        ["doctor", "--db", str(notes)],
        ["demo", "--db", str(notes)],
        ["users", "add", "bad name!", "--db", db],
        ["list", "--db", "postgresql://nobody@127.0.0.1:1/crm"],
        ["--lang", "fr", "list"],
        ["list", "--limit", "many"],
        ["backup", "--db", db],
        ["users"],
    ]
    for args in cases:
        result = program(*args)
        assert "Traceback" not in result.stderr, (args, result.stderr)
        assert result.returncode in (1, 2), (args, result.returncode, result.stderr)
        assert result.stderr.strip(), args
        assert result.stdout == "", args
        if result.returncode == 1:
            assert result.stderr.startswith("crm-tui: "), (args, result.stderr)
            assert result.stderr.count("\n") == 1, (args, result.stderr)


def test_help_names_every_command() -> None:
    result = program("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert re.search(rf"^    {command} +\S", result.stdout, re.MULTILINE), command
    spanish = program("--help", "--lang", "es")
    assert "registra una interacción e imprime su id" in spanish.stdout


def test_python_m_crm_tui_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "crm_tui", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, f"crm-tui {__version__}\n")


def test_log_from_a_script_then_list(tmp_path: Path) -> None:
    db = str(tmp_path / "crm.db")
    assert program("users", "add", "ana", "--role", "admin", "--db", db).returncode == 0
    imported = tmp_path / "contacts.csv"
    imported.write_text("type,contact_code,contact_name\nnote,C-001,Ferretería López\n")
    assert program("import", imported.as_posix(), "--db", db, "--by", "ana").returncode == 0

    logged = program("log", "--db", db, "--type", "call", "--contact", "C-001", "--by", "ana")
    assert logged.returncode == 0, logged.stderr
    uid = logged.stdout.strip()
    found = program("list", "--db", db, "--id", uid, "--format", "json")
    assert [row["id"] for row in json.loads(found.stdout)] == [uid]


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    from crm_tui.demo import build_demo

    path = tmp_path / "big.db"
    build_demo(store_db.Target("sqlite", str(path)), contacts=50, interactions=3000)
    process = subprocess.Popen(
        [str(PROGRAM), "list", "--db", str(path), "--limit", "0", "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline() == b"[\n"
    process.stdout.close()
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert stderr == ""


def test_commands_that_need_no_spreadsheet_or_ui_do_not_import_them(
    sqlite_target: store_db.Target,
) -> None:
    probe = (
        "import sys\n"
        "from crm_tui.cli import main\n"
        f"main(['list', '--db', {sqlite_target.location!r}, '--format', 'json'])\n"
        f"main(['doctor', '--db', {sqlite_target.location!r}])\n"
        "heavy = [m for m in ('textual', 'openpyxl', 'xlwt', 'icalendar', 'babel')"
        " if m in sys.modules]\n"
        "print(heavy, file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stderr.strip().splitlines()[-1] == "[]", result.stderr


def test_a_tag_with_an_accent_is_found(crm: Crm, sqlite_target: store_db.Target) -> None:
    from crm_tui.services import contacts, users

    users.add_user("ana", "Ana", role="admin")
    contacts.create_contact("C-001", "Ferretería López")
    log(crm, sqlite_target, "--tag", "Reunión", "--subject", "tagged")
    assert subjects(listed(crm, sqlite_target, "--tag", "reunión")) == ["tagged"]
