"""The attachment store: what it refuses (programs by content and by name,
files over 200 MB counted while copying, what is not a file), where it
keeps content (by SHA-256 only, never by the name a file had), copies
saved back out (inside the folder asked for, never over another file),
and the crash rule: content is on disk before its database row exists.

Everything runs on real files in tmp_path and real databases; the crash
is a real process killed with SIGKILL."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest

from crm_tui import i18n
from crm_tui.services import attachments
from crm_tui.services.attachments import (
    MAX_BYTES,
    attachments_root,
    safe_file_name,
    save_copy,
    store_file,
    stored_path,
)
from crm_tui.services.errors import NotFound, ValidationError
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.services.records import AttachmentRecord, StoredFile
from crm_tui.store import db as store_db
from crm_tui.store.models import Attachment

from .conftest import World

PROGRAM = Path(sys.executable).parent / "crm-tui"
ELF_HEADER = b"\x7fELF\x02\x01\x01\x00" + bytes(56)
HOSTILE_NAMES = ("../../etc/passwd", "/etc/passwd", "..\\..\\boot.ini", ".bashrc")


def write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


def stored_files(root: Path) -> list[Path]:
    """Every file under the store, temporary ones included."""
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def refusal(source: Path) -> str:
    with pytest.raises(ValidationError) as refused:
        store_file(source)
    [error] = refused.value.errors
    assert error.field == "attachment"
    return error.key


def record_of(stored: StoredFile, file_name: str | None = None) -> AttachmentRecord:
    """The attachment as the database would give it back; the name is
    whatever a row may say, written by any client."""
    return AttachmentRecord(
        id=1,
        uid="0",
        comment_id=1,
        file_name=stored.file_name if file_name is None else file_name,
        size=stored.size,
        sha256=stored.sha256,
        media_type=stored.media_type,
        created_at=datetime(2026, 11, 23, 10, 0),
    )


@pytest.fixture
def store(sqlite_target: store_db.Target) -> Path:
    """The store of an SQLite database: `attachments/` beside its file."""
    return sqlite_target.path.parent / "attachments"


# --- what is refused ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", ELF_HEADER),  # an ELF program renamed
        ("letter.docx", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(56)),  # a Windows program
        ("notes.txt", b"#!/bin/sh\nrm -rf ~\n"),  # a script
        ("photo.jpg", b"\xfe\xed\xfa\xce" + bytes(28)),  # Mach-O, every byte order
        ("photo.png", b"\xfe\xed\xfa\xcf" + bytes(28)),
        ("song.mp3", b"\xce\xfa\xed\xfe" + bytes(28)),
        ("song.ogg", b"\xcf\xfa\xed\xfe" + bytes(28)),
        ("sheet.xlsx", b"\xca\xfe\xba\xbe" + bytes(28)),  # a fat binary
    ],
)
def test_programs_are_refused_by_their_content_whatever_their_name(
    store: Path, tmp_path: Path, name: str, content: bytes
) -> None:
    assert refusal(write(tmp_path / name, content)) == "error.attachment_executable"
    assert stored_files(store) == []


@pytest.mark.parametrize(
    "name", ["setup.exe", "SETUP.EXE", "invoice.pdf.exe", "run.Bat", "x.ps1", "a.sh", "app.jar"]
)
def test_programs_are_refused_by_their_name_whatever_their_content(
    store: Path, tmp_path: Path, name: str
) -> None:
    assert refusal(write(tmp_path / name, b"harmless text\n")) == "error.attachment_executable"
    assert stored_files(store) == []


def test_a_trailing_dot_does_not_hide_an_extension(store: Path, tmp_path: Path) -> None:
    # Windows drops trailing dots and spaces: "setup.exe." runs as setup.exe.
    assert refusal(write(tmp_path / "setup.exe. ", b"hi")) == "error.attachment_executable"


def test_what_is_not_a_readable_file_is_refused(store: Path, tmp_path: Path) -> None:
    assert refusal(tmp_path / "nowhere.pdf") == "error.attachment_missing"
    assert refusal(tmp_path) == "error.attachment_not_a_file"
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    assert refusal(fifo) == "error.attachment_not_a_file"  # never waits for a writer
    assert stored_files(store) == []


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="Linux only")
def test_a_file_that_fails_to_read_is_refused(store: Path) -> None:
    # A regular file whose first read fails (EIO): the process's own memory.
    assert refusal(Path("/proc/self/mem")) == "error.attachment_unreadable"
    assert stored_files(store) == []


def test_a_file_that_cannot_be_opened_is_refused(store: Path, tmp_path: Path) -> None:
    secret = write(tmp_path / "secret.pdf", b"%PDF-1.4")
    secret.chmod(0)
    if os.geteuid() == 0:
        # Root opens any file of its own; a write-only kernel setting is a
        # regular file nobody may open for reading.
        secret = Path("/proc/sys/vm/compact_memory")
    assert refusal(secret) == "error.attachment_unreadable"
    assert stored_files(store) == []


def test_200_mb_is_accepted_and_one_byte_more_is_refused_leaving_nothing(
    store: Path, tmp_path: Path
) -> None:
    limit = tmp_path / "exactly.bin.dat"
    with limit.open("wb") as sparse:
        os.truncate(sparse.fileno(), MAX_BYTES)
    stored = store_file(limit)
    assert stored.size == MAX_BYTES
    kept = stored_files(store)
    assert kept == [store / stored.sha256[:2] / stored.sha256]
    assert kept[0].stat().st_size == MAX_BYTES

    over = tmp_path / "over.dat"
    with over.open("wb") as sparse:
        os.truncate(sparse.fileno(), MAX_BYTES + 1)
    assert refusal(over) == "error.attachment_too_large"
    assert stored_files(store) == kept  # no partial or temporary file left


def test_refusals_name_the_file_and_the_limit_in_both_languages(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(attachments, "MAX_BYTES", 1)
    big = write(tmp_path / "big.pdf", b"%PDF")
    with pytest.raises(ValidationError) as refused:
        store_file(big)
    assert refused.value.message("en") == f"{big} is larger than the 200 MB limit for attachments"
    assert refused.value.message("es") == f"{big} supera el límite de 200 MB para adjuntos"
    i18n.set_language("es")
    with pytest.raises(ValidationError) as refused:
        store_file(write(tmp_path / "x.pdf", ELF_HEADER))
    assert str(refused.value).startswith(f"{tmp_path / 'x.pdf'} es un programa")


# --- how content is kept ------------------------------------------------------------


def test_content_is_kept_by_its_hash_and_the_name_only_as_data(store: Path, tmp_path: Path) -> None:
    content = b"%PDF-1.4 presupuesto"
    stored = store_file(write(tmp_path / "Presupuesto 2026.pdf", content))
    digest = hashlib.sha256(content).hexdigest()
    assert stored == StoredFile(
        sha256=digest,
        size=len(content),
        file_name="Presupuesto 2026.pdf",
        media_type="application/pdf",
    )
    assert stored_files(store) == [store / digest[:2] / digest]
    assert stored_path(record_of(stored)).read_bytes() == content


def test_unknown_kinds_of_file_are_octet_streams(store: Path, tmp_path: Path) -> None:
    assert store_file(write(tmp_path / "data.zzq", b"x")).media_type == "application/octet-stream"


def test_the_same_content_twice_is_one_stored_file(store: Path, tmp_path: Path) -> None:
    first = store_file(write(tmp_path / "a.txt", b"same words"))
    second = store_file(write(tmp_path / "b.txt", b"same words"))
    assert first.sha256 == second.sha256
    assert (first.file_name, second.file_name) == ("a.txt", "b.txt")
    assert len(stored_files(store)) == 1


def test_hostile_names_never_reach_a_path(store: Path, tmp_path: Path) -> None:
    # File names on disk may hold backslashes, leading dots, escape codes.
    folder = tmp_path / "in"
    folder.mkdir()
    names = ["..\\..\\boot.ini", ".bashrc", "\x1b]0;owned\x07red\x1b[31m.txt"]
    kept = [store_file(write(folder / name, name.encode())) for name in names]
    assert [item.file_name for item in kept] == [
        "..\\..\\boot.ini",
        ".bashrc",
        "]0;ownedred[31m.txt",
    ]
    # A path with ".." in it: what is kept is its last part, as data.
    climbing = store_file(folder / ".." / "in" / ".bashrc")
    assert climbing.file_name == ".bashrc"
    for item in kept:
        assert stored_path(record_of(item)).resolve().parent.parent == store.resolve()
    assert all(
        path.name == hashlib.sha256(path.read_bytes()).hexdigest() for path in stored_files(store)
    )


def test_a_damaged_hash_never_becomes_a_path(store: Path, tmp_path: Path) -> None:
    stored = store_file(write(tmp_path / "a.txt", b"x"))
    for damaged in ("../../../etc/passwd", stored.sha256.upper(), stored.sha256[:-1] + "/"):
        with pytest.raises(NotFound):
            stored_path(replace(record_of(stored), sha256=damaged))


def test_the_store_lives_beside_an_sqlite_file_or_where_configured(
    sqlite_target: store_db.Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert attachments_root() == sqlite_target.path.parent / "attachments"
    monkeypatch.setenv("CRM_TUI_ATTACHMENTS", str(tmp_path / "shared"))
    assert attachments_root() == tmp_path / "shared"


def test_with_postgresql_the_store_is_in_the_user_data_folder(
    postgres_target: store_db.Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert attachments_root() == tmp_path / "data" / "crm-tui" / "attachments"
    stored = store_file(write(tmp_path / "a.txt", b"x"))
    assert stored_path(record_of(stored)).is_file()


# --- saving a copy ------------------------------------------------------------------


@pytest.mark.parametrize("hostile", [*HOSTILE_NAMES, "a\x00b\x1b[2J\nc.txt", "...", "", "a/"])
def test_a_saved_copy_stays_in_the_folder_asked_for(
    store: Path, tmp_path: Path, hostile: str
) -> None:
    stored = store_file(write(tmp_path / "source.txt", b"content"))
    target = tmp_path / "Downloads"
    target.mkdir()
    written = save_copy(record_of(stored, hostile), target)
    assert written.resolve().parent == target.resolve()
    assert not written.name.startswith(".")
    assert written.read_bytes() == b"content"
    assert [path.name for path in target.iterdir()] == [written.name]


def test_safe_names_keep_what_can_be_kept() -> None:
    assert safe_file_name("../../etc/passwd") == "passwd"
    assert safe_file_name("/etc/passwd") == "passwd"
    assert safe_file_name("..\\..\\boot.ini") == "boot.ini"
    assert safe_file_name(".bashrc") == "bashrc"
    assert safe_file_name("a\x00b\x1b[2J\tc.txt") == "ab[2J c.txt"
    assert safe_file_name("Presupuesto ñ 2026.pdf") == "Presupuesto ñ 2026.pdf"
    assert safe_file_name("..") == "attachment"
    long = safe_file_name("é" * 300 + ".pdf")
    assert long.endswith(".pdf") and len(long.encode()) <= 200


def test_a_saved_copy_never_overwrites(store: Path, tmp_path: Path) -> None:
    stored = store_file(write(tmp_path / "source.pdf", b"new"))
    target = tmp_path / "out"
    target.mkdir()
    mine = write(target / "Oferta.pdf", b"mine")
    record = record_of(stored, "Oferta.pdf")
    first = save_copy(record, target)
    second = save_copy(record, target)
    assert (first.name, second.name) == ("Oferta (1).pdf", "Oferta (2).pdf")
    assert mine.read_bytes() == b"mine"
    assert first.read_bytes() == second.read_bytes() == b"new"


def test_saving_into_what_is_not_a_folder_or_from_missing_content_says_so(
    store: Path, tmp_path: Path
) -> None:
    stored = store_file(write(tmp_path / "a.txt", b"x"))
    with pytest.raises(ValidationError) as refused:
        save_copy(record_of(stored), tmp_path / "a.txt")
    assert refused.value.key == "error.not_a_folder"
    stored_path(record_of(stored)).unlink()
    with pytest.raises(NotFound) as gone:
        save_copy(record_of(stored), tmp_path)
    assert "missing from the attachment folder" in str(gone.value)


# --- the crash rule -----------------------------------------------------------------

# Stores a file, says so, then waits before linking it to a comment: the
# test kills it there with SIGKILL, as a crash or a power cut would.
WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from crm_tui.services.attachments import store_file
    from crm_tui.services.comments import CommentTarget, add_comment
    from crm_tui.services.users import get_user
    from crm_tui.store.db import connect, resolve_target

    location, interaction_id, source, pause = sys.argv[1:]
    connect(resolve_target(location))
    stored = store_file(Path(source))
    print("stored", flush=True)
    time.sleep(float(pause))
    comment = add_comment(
        CommentTarget(interaction_id=int(interaction_id)), "see attached",
        actor=get_user("luis"), files=[stored],
    )
    print(comment.uid, flush=True)
    """
)


def start_writer(
    target: store_db.Target, interaction_id: int, source: Path, pause: float
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            WRITER,
            target.location,
            str(interaction_id),
            str(source),
            str(pause),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def doctor(target: store_db.Target) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PROGRAM), "doctor", "--db", target.location],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_crash_between_file_and_row_leaves_no_row_and_a_healthy_database(
    db: store_db.Target, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The child inherits the environment: keep PostgreSQL's store in tmp_path.
    monkeypatch.setenv("CRM_TUI_ATTACHMENTS", str(tmp_path / "store"))
    item = create_interaction(InteractionDraft(type="call", contact="C-001", created_by="luis"))
    source = write(tmp_path / "contrato.pdf", b"%PDF-1.4 contrato")

    writer = start_writer(db, item.id, source, pause=120)
    assert writer.stdout is not None
    try:
        said = writer.stdout.readline()
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        _, err = writer.communicate(timeout=60)
    assert said == "stored\n", err
    assert writer.returncode == -signal.SIGKILL
    assert Attachment.select().count() == 0
    assert len(stored_files(tmp_path / "store")) == 1  # unreferenced, harmless
    checked = doctor(db)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    finished = start_writer(db, item.id, source, pause=0)
    out, err = finished.communicate(timeout=120)
    assert finished.returncode == 0, err
    rows = list(Attachment.select())
    assert [row.comment.uid for row in rows] == [out.split()[-1]]
    for row in rows:
        path = tmp_path / "store" / row.sha256[:2] / row.sha256
        assert hashlib.sha256(path.read_bytes()).hexdigest() == row.sha256
    assert doctor(db).returncode == 0
