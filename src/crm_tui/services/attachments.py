"""Files attached to comments: checked, then kept in a content-addressed
store on disk, named by the SHA-256 of their content (`root/ab/abcdef…`).

The name a file had is kept only as data in the database; the store never
uses it as a path, and a copy saved back out gets a cleaned base name in
the folder asked for. Content is written and synced to disk before the
comment's database row exists (`store_file` runs before
`comments.add_comment`), so a crash in between leaves at most a file that
nothing refers to, never a row without its file. Identical content is kept
once.

Programs and scripts are refused, judged by their first bytes (ELF, PE/MZ,
Mach-O, "#!") and by the extension of their name (`EXECUTABLE_EXTENSIONS`).
Size is counted while copying, never trusted from `stat`: a file that grows
past `MAX_BYTES` during the copy is refused all the same.
"""

from __future__ import annotations

import itertools
import mimetypes
import os
import re
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from hashlib import sha256
from pathlib import Path
from typing import BinaryIO

from crm_tui.durable import sync_path
from crm_tui.i18n import register
from crm_tui.services.errors import NotFound, ValidationError
from crm_tui.services.records import AttachmentRecord, StoredFile
from crm_tui.services.text import clean_line
from crm_tui.store.db import current, engine_of

register(
    {
        "error.attachment_missing": (
            "{name}: file not found",
            "{name}: no se encuentra el archivo",
        ),
        "error.attachment_not_a_file": (
            "{name} is not a file (a folder or a device); only files can be attached",
            "{name} no es un archivo (es una carpeta o un dispositivo); solo se pueden "
            "adjuntar archivos",
        ),
        "error.attachment_executable": (
            "{name} is a program or a script; programs and scripts cannot be attached",
            "{name} es un programa o un script; no se pueden adjuntar programas ni scripts",
        ),
        "error.attachment_too_large": (
            "{name} is larger than the {limit} limit for attachments",
            "{name} supera el límite de {limit} para adjuntos",
        ),
        "error.attachment_unreadable": (
            "{name} cannot be read: {reason}",
            "no se puede leer {name}: {reason}",
        ),
        "error.attachment_not_stored": (
            "{name} could not be copied into the attachment folder {folder}: {reason}",
            "no se pudo copiar {name} a la carpeta de adjuntos {folder}: {reason}",
        ),
        "error.attachment_gone": (
            "the content of {name} is missing from the attachment folder "
            "(was it deleted from the disk?)",
            "falta el contenido de {name} en la carpeta de adjuntos (¿se borró del disco?)",
        ),
        "error.attachment_damaged": (
            "the database row of attachment {name} is damaged (no valid content id)",
            "la fila del adjunto {name} en la base de datos está dañada (sin un id de "
            "contenido válido)",
        ),
        "error.not_a_folder": ("{path} is not a folder", "{path} no es una carpeta"),
        "error.copy_failed": (
            "cannot write {path}: {reason}",
            "no se puede escribir {path}: {reason}",
        ),
    }
)

MAX_BYTES = 200 * 1024 * 1024
MAX_SIZE_TEXT = "200 MB"
ENV_ATTACHMENTS = "CRM_TUI_ATTACHMENTS"
CHUNK_BYTES = 1024 * 1024
FALLBACK_MEDIA_TYPE = "application/octet-stream"
FALLBACK_NAME = "attachment"
SAVED_NAME_BYTES = 200  # leaves room for " (12)" within the usual 255-byte limit

EXECUTABLE_EXTENSIONS = frozenset(
    {
        # Windows programs, installers, libraries and shortcuts
        "exe", "dll", "com", "scr", "pif", "cpl", "sys", "msi", "msp", "mst", "msix",
        "appx", "lnk", "reg", "hta",
        # Windows scripts
        "bat", "cmd", "ps1", "psm1", "vbs", "vbe", "js", "jse", "wsf", "wsh",
        # Unix and macOS programs, scripts and packages
        "sh", "bash", "zsh", "csh", "ksh", "command", "app", "bin", "run", "out",
        "elf", "so", "dylib", "appimage", "deb", "rpm", "dmg", "pkg",
        # Java and Android
        "jar", "apk",
    }
)  # fmt: skip
"""Names ending in one of these (any case, trailing dots and spaces
ignored, as Windows ignores them) are refused whatever their content."""

EXECUTABLE_SIGNATURES = (
    b"\x7fELF",  # Linux and other Unix programs
    b"MZ",  # Windows programs (PE) and DOS
    b"\xfe\xed\xfa\xce",  # Mach-O, 32-bit
    b"\xfe\xed\xfa\xcf",  # Mach-O, 64-bit
    b"\xce\xfa\xed\xfe",  # Mach-O, 32-bit, little-endian
    b"\xcf\xfa\xed\xfe",  # Mach-O, 64-bit, little-endian
    b"\xca\xfe\xba\xbe",  # Mach-O universal ("fat") binaries, Java classes
    b"#!",  # scripts run by an interpreter
)
"""First bytes of programs and scripts."""

_SHA256 = re.compile(r"[0-9a-f]{64}")
_SEPARATORS = re.compile(r"[/\\]")


def attachments_root() -> Path:
    """The store of the open database: `$CRM_TUI_ATTACHMENTS` when set;
    else `attachments/` beside an SQLite file; else (PostgreSQL) the user
    data folder's `attachments/`."""
    configured = os.environ.get(ENV_ATTACHMENTS, "").strip()
    if configured:
        return Path(configured).expanduser()
    db = current()
    if engine_of(db) == "sqlite":
        return Path(db.database).expanduser().parent / "attachments"
    from platformdirs import user_data_path

    return user_data_path("crm-tui", appauthor=False) / "attachments"


def store_file(source: Path) -> StoredFile:
    """Copy `source` into the store after checking it; the returned record
    is what `comments.add_comment` links to its comment. Raises
    ValidationError (field "attachment") when the file is refused."""
    shown = str(source)
    file_name = clean_line(source.name)
    if is_executable_name(file_name):
        raise _refused("error.attachment_executable", name=shown)
    _check_regular_file(source, shown)
    with _open_regular(source, shown) as reader:
        first = _read(reader, shown)
        if first.startswith(EXECUTABLE_SIGNATURES):
            raise _refused("error.attachment_executable", name=shown)
        digest, size = _copy_into_store(reader, first, shown)
    media_type = mimetypes.guess_type(file_name)[0] or FALLBACK_MEDIA_TYPE
    return StoredFile(sha256=digest, size=size, file_name=file_name, media_type=media_type)


def is_executable_name(name: str) -> bool:
    """Whether the name's last extension is a program's ("x.pdf.exe" is)."""
    suffix = Path(name.rstrip(". ")).suffix
    return suffix[1:].lower() in EXECUTABLE_EXTENSIONS


def stored_path(attachment: AttachmentRecord) -> Path:
    """Where the attachment's content is kept. The hash comes from the
    database, so it is checked before it becomes part of a path."""
    if not _SHA256.fullmatch(attachment.sha256):
        raise NotFound("error.attachment_damaged", name=attachment.file_name)
    return attachments_root() / attachment.sha256[:2] / attachment.sha256


def existing_stored_path(attachment: AttachmentRecord) -> Path:
    """`stored_path`, refused with a clear message when the content is not
    there (deleted from the disk, or a store folder not shared)."""
    path = stored_path(attachment)
    if not path.is_file():
        raise NotFound("error.attachment_gone", name=attachment.file_name)
    return path


def save_copy(attachment: AttachmentRecord, folder: Path) -> Path:
    """Copy the content into `folder` as `safe_file_name` of its original
    name, adding " (1)", " (2)"… before the extension rather than
    overwriting anything; the path written."""
    source = existing_stored_path(attachment)
    folder = folder.expanduser()
    if not folder.is_dir():
        raise ValidationError.single("folder", "error.not_a_folder", path=str(folder))
    stem, extension = os.path.splitext(safe_file_name(attachment.file_name))
    for number in itertools.count():
        target = folder / (f"{stem} ({number}){extension}" if number else stem + extension)
        try:
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise _copy_failed(target, exc) from exc
        try:
            with os.fdopen(descriptor, "wb") as writer, source.open("rb") as reader:
                while chunk := reader.read(CHUNK_BYTES):
                    writer.write(chunk)
        except OSError as exc:
            target.unlink(missing_ok=True)
            raise _copy_failed(target, exc) from exc
        return target
    raise AssertionError("unreachable: a folder holds finitely many names")


def safe_file_name(name: str) -> str:
    """A name that can only mean a file in the folder it is written to:
    the last part after any "/" or "\\", without control characters or
    leading dots (no hidden files, never ".."), cut to a length every file
    system takes; "attachment" when nothing is left."""
    base = clean_line(_SEPARATORS.split(name)[-1]).lstrip(". ").rstrip()
    stem, extension = os.path.splitext(base)
    while stem and len((stem + extension).encode()) > SAVED_NAME_BYTES:
        stem = stem[:-1]
    if len(extension.encode()) > SAVED_NAME_BYTES:
        extension = ""
    return (stem.rstrip() + extension) or FALLBACK_NAME


def _refused(key: str, **params: object) -> ValidationError:
    return ValidationError.single("attachment", key, **params)


def _check_regular_file(source: Path, shown: str) -> None:
    try:
        status = source.stat()
    except FileNotFoundError as exc:
        raise _refused("error.attachment_missing", name=shown) from exc
    except OSError as exc:
        raise _unreadable(shown, exc) from exc
    if not stat.S_ISREG(status.st_mode):
        raise _refused("error.attachment_not_a_file", name=shown)


@contextmanager
def _open_regular(source: Path, shown: str) -> Iterator[BinaryIO]:
    """Open without blocking (a FIFO swapped in after the check would wait
    for a writer forever) and check again what was actually opened."""
    try:
        descriptor = os.open(source, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError as exc:
        raise _refused("error.attachment_missing", name=shown) from exc
    except OSError as exc:
        raise _unreadable(shown, exc) from exc
    with os.fdopen(descriptor, "rb") as reader:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise _refused("error.attachment_not_a_file", name=shown)
        yield reader


def _read(reader: BinaryIO, shown: str) -> bytes:
    try:
        return reader.read(CHUNK_BYTES)
    except OSError as exc:
        raise _unreadable(shown, exc) from exc


def _copy_into_store(reader: BinaryIO, first: bytes, shown: str) -> tuple[str, int]:
    """Copy to a temporary file in the store while hashing and counting,
    then move it into place atomically; (sha256, size)."""
    root = attachments_root()
    try:
        root.mkdir(parents=True, exist_ok=True)
        temporary = root / f".incoming-{secrets.token_hex(8)}"
        # os.open, not mkstemp: the file gets the umask's permissions, so a
        # team sharing the database folder can read what others attach.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise _not_stored(shown, root, exc) from exc
    try:
        digest, size = _write_counted(reader, first, descriptor, shown, root)
        final = root / digest[:2] / digest
        if final.is_file() and final.stat().st_size == size:
            temporary.unlink()  # the same content is already stored
        else:
            final.parent.mkdir(exist_ok=True)
            os.replace(temporary, final)
            sync_path(final.parent)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise _not_stored(shown, root, exc) from exc
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return digest, size


def _write_counted(
    reader: BinaryIO, first: bytes, descriptor: int, shown: str, root: Path
) -> tuple[str, int]:
    hasher = sha256()
    size = 0
    with os.fdopen(descriptor, "wb") as writer:
        chunk = first
        while chunk:
            size += len(chunk)
            if size > MAX_BYTES:
                raise _refused("error.attachment_too_large", name=shown, limit=MAX_SIZE_TEXT)
            hasher.update(chunk)
            writer.write(chunk)
            chunk = _read(reader, shown)
        writer.flush()
        # Read-only: stored content is shared and named by its hash, so
        # nothing (a viewer opened on it) may change it in place.
        mode = stat.S_IMODE(os.fstat(writer.fileno()).st_mode)
        os.fchmod(writer.fileno(), mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        os.fsync(writer.fileno())
    return hasher.hexdigest(), size


def _unreadable(shown: str, exc: OSError) -> ValidationError:
    return _refused("error.attachment_unreadable", name=shown, reason=exc.strerror or str(exc))


def _not_stored(shown: str, root: Path, exc: OSError) -> ValidationError:
    return _refused(
        "error.attachment_not_stored", name=shown, folder=str(root), reason=exc.strerror or str(exc)
    )


def _copy_failed(path: Path, exc: OSError) -> ValidationError:
    return ValidationError.single(
        "folder", "error.copy_failed", path=str(path), reason=exc.strerror or str(exc)
    )
