"""`crm-tui comment` as scripts use it: the new comment's id on stdout and
nothing else; its files checked and stored before the comment exists; one
line on stderr and nothing written when something is refused.

In-process against both databases (the `crm` runner of test_cli), and the
installed program once, with the text on standard input."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from crm_tui.services.attachments import stored_path
from crm_tui.services.comments import get_comment, list_comments
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.services.records import InteractionRecord
from crm_tui.store import db as store_db
from crm_tui.store.models import Comment

from .conftest import World
from .test_cli import UID, Crm, Result, crm, on, program  # noqa: F401 (crm: the fixture)

ELF_HEADER = b"\x7fELF\x02\x01\x01\x00" + bytes(56)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Attachments in tmp_path on both engines (PostgreSQL's default is the
    user's data folder)."""
    folder = tmp_path / "store"
    monkeypatch.setenv("CRM_TUI_ATTACHMENTS", str(folder))
    return folder


def a_call(world: World) -> InteractionRecord:
    return create_interaction(
        InteractionDraft(type="call", contact=world.contact.code, created_by="luis")
    )


def run_comment(crm: Crm, target: store_db.Target, *options: str) -> Result:  # noqa: F811
    """Run `comment` on `target` with `options` (by ana unless `--by`)."""
    by = () if "--by" in options else ("--by", "ana")
    return crm("comment", *on(target), *options, *by)


def posted(crm: Crm, target: store_db.Target, *options: str) -> int:  # noqa: F811
    """Run `comment` with `options`; the id of the comment it printed."""
    result = run_comment(crm, target, *options)
    assert result.code == 0, result.err
    assert result.err == ""
    uid = result.out.strip()
    assert result.out == uid + "\n"  # the id and nothing else
    assert UID.match(uid)
    return int(Comment.get(Comment.uid == uid).id)


def nothing_written(store: Path) -> bool:
    files = [path for path in store.rglob("*") if path.is_file()] if store.exists() else []
    return Comment.select().count() == 0 and files == []


def test_a_comment_on_an_interaction_by_its_id_or_global_id(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    world: World,
    store: Path,
) -> None:
    item = a_call(world)
    first = posted(
        crm, db, "--id", str(item.id), "--text", "Llamé: [b]no[/] contesta", "--by", "luis"
    )
    second = posted(crm, db, "--id", item.uid, "--text", "Cerrado con éxito", "--report")
    comments = list_comments(item.id)
    assert [(c.id, c.author, c.kind, c.body) for c in comments] == [
        (first, "luis", "comment", "Llamé: [b]no[/] contesta"),
        (second, "ana", "report", "Cerrado con éxito"),
    ]


def test_a_comment_on_an_opportunity(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    world: World,
    store: Path,
) -> None:
    comment = get_comment(posted(crm, db, "--opportunity", "OP-001", "--text", "Revisar precio"))
    assert (comment.opportunity_id, comment.interaction_id) == (world.opportunity.id, None)


def test_the_text_can_come_from_standard_input(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    world: World,
    store: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    item = a_call(world)
    monkeypatch.setattr("sys.stdin", io.StringIO("Primera línea\nsegunda línea\n"))
    comment = get_comment(posted(crm, db, "--id", str(item.id), "--text", "-"))
    assert comment.body == "Primera línea\nsegunda línea"


def test_attached_files_are_stored_by_content_with_their_names_as_data(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    world: World,
    store: Path,
    tmp_path: Path,
) -> None:
    item = a_call(world)
    offer = tmp_path / "Oferta [final].pdf"
    offer.write_bytes(b"%PDF-1.4 oferta")
    photo = tmp_path / "horno.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 foto")
    comment = get_comment(
        posted(
            crm, db, "--id", str(item.id), "--text", "Adjunto", "--attach", str(offer), str(photo)
        )
    )
    assert [(a.file_name, a.size, a.media_type) for a in comment.attachments] == [
        ("Oferta [final].pdf", 15, "application/pdf"),
        ("horno.jpg", 9, "image/jpeg"),
    ]
    for attachment, source in zip(comment.attachments, (offer, photo), strict=True):
        kept = stored_path(attachment)
        assert kept.parent.parent == store
        assert kept.read_bytes() == source.read_bytes()
        assert attachment.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()


def test_files_alone_make_a_comment_and_attach_repeats(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    world: World,
    store: Path,
    tmp_path: Path,
) -> None:
    item = a_call(world)
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(name)
    comment = get_comment(
        posted(
            crm,
            db,
            *("--id", str(item.id), "--text", ""),
            *("--attach", str(tmp_path / "a.txt"), "--attach", str(tmp_path / "b.txt")),
        )
    )
    assert comment.body == ""
    assert [a.file_name for a in comment.attachments] == ["a.txt", "b.txt"]


def test_a_refused_file_writes_nothing_and_says_why(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    world: World,
    store: Path,
    tmp_path: Path,
) -> None:
    item = a_call(world)
    fine = tmp_path / "notes.txt"
    fine.write_text("fine")
    program_file = tmp_path / "report.pdf"
    program_file.write_bytes(ELF_HEADER)
    result = run_comment(
        crm, db, "--id", str(item.id), "--text", "mira", "--attach", str(fine), str(program_file)
    )
    assert (result.code, result.out) == (1, "")
    assert result.err == (
        f"crm-tui: {program_file} is a program or a script; "
        "programs and scripts cannot be attached\n"
    )
    assert Comment.select().count() == 0
    # The file checked before it is stored only as content nothing refers to.
    assert [path.name for path in store.rglob("*") if path.is_file()] == [
        hashlib.sha256(b"fine").hexdigest()
    ]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--id", "999"), "no interaction with id '999'"),
        (("--opportunity", "OP-404"), "unknown opportunity 'OP-404'"),
        (("--by", "nadie"), "unknown user 'nadie'; add it with: crm-tui users add nadie"),
    ],
)
def test_what_is_commented_on_and_who_comments_are_checked_before_any_copy(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    *,
    world: World,
    store: Path,
    tmp_path: Path,
    options: tuple[str, ...],
    message: str,
) -> None:
    item = a_call(world)
    attached = tmp_path / "big.pdf"
    attached.write_bytes(b"%PDF")
    where = () if "--id" in options or "--opportunity" in options else ("--id", str(item.id))
    result = run_comment(crm, db, *where, *options, "--text", "x", "--attach", str(attached))
    assert (result.code, result.out, result.err) == (1, "", f"crm-tui: {message}\n")
    assert nothing_written(store)


def test_too_long_or_empty_comments_are_refused(
    crm: Crm,  # noqa: F811
    db: store_db.Target,
    world: World,
    store: Path,
) -> None:
    item = a_call(world)
    long = run_comment(crm, db, "--id", str(item.id), "--text", "x" * 5001)
    assert long.code == 1
    assert long.err == "crm-tui: comment is 5,001 characters long; the limit is 5,000\n"
    empty = run_comment(crm, db, "--id", str(item.id), "--text", " \n ")
    assert (empty.code, empty.err) == (1, "crm-tui: comment is required\n")
    assert nothing_written(store)


def test_exactly_one_target_is_needed(
    crm: Crm,  # noqa: F811
    sqlite_target: store_db.Target,
    world: World,
) -> None:
    assert crm("comment", *on(sqlite_target), "--text", "x").code == 2
    both = crm("comment", *on(sqlite_target), "--id", "1", "--opportunity", "OP-001", "--text", "x")
    assert both.code == 2
    assert "not allowed with argument" in both.err


def test_the_program_reads_stdin_and_speaks_spanish(
    db: store_db.Target, world: World, store: Path, tmp_path: Path
) -> None:
    item = a_call(world)
    store_db.close()
    location = db.location
    attached = tmp_path / "Presupuesto.pdf"
    attached.write_bytes(b"%PDF-1.4")
    done = program(
        *("comment", "--db", location, "--id", str(item.id), "--text", "-", "--by", "luis"),
        *("--attach", str(attached)),
        stdin="Texto\ndesde un script\n",
    )
    assert done.returncode == 0, done.stderr
    comment = get_comment(int(Comment.get(Comment.uid == done.stdout.strip()).id))
    assert comment.body == "Texto\ndesde un script"
    assert stored_path(comment.attachments[0]).read_bytes() == b"%PDF-1.4"

    too_long = ("--text", "x" * 5001)
    refused = program(
        "comment", "--db", location, "--id", str(item.id), *too_long, "--lang", "es", "--by", "luis"
    )
    assert (refused.returncode, refused.stdout) == (1, "")
    assert refused.stderr == "crm-tui: comentario tiene 5,001 caracteres; el límite es 5,000\n"
    assert "comment" in program("--help").stdout
