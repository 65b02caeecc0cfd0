"""The installed `crm-tui` in a real terminal (tmux, through the shared
`tui-drive` tool): it opens on a database made through the services, shows
a known interaction, opens and closes help, and quits on `q`. Run in a
256-colour terminal and in a 16-colour one (TERM=linux) with NO_COLOR."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from crm_tui.services import contacts, defaults, users
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.store import db as store_db

# In CI the shared folder sits beside the clone of the repository.
TUI_DRIVE = Path(__file__).resolve().parents[2] / "shared" / "tools" / "tui-drive"
SUBJECT = "Llamada de humo 42"


def drive(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["bash", str(TUI_DRIVE), *args], capture_output=True, text=True, timeout=60, check=False
    )
    if check and result.returncode != 0:
        screen = subprocess.run(
            ["bash", str(TUI_DRIVE), "shot", args[1]], capture_output=True, text=True, check=False
        ).stdout
        pytest.fail(
            f"tui-drive {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stderr}\n--- screen ---\n{screen}"
        )
    return result


def installed_command() -> str:
    """The `crm-tui` installed beside this interpreter (the venv's bin)."""
    found = shutil.which("crm-tui", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(f"crm-tui is not installed beside {sys.executable}: pip install -e .")
    return found


@pytest.fixture
def floor_db(tmp_path: Path) -> Path:
    path = tmp_path / "smoke.db"
    store_db.connect(store_db.Target("sqlite", str(path)))
    try:
        defaults.install_defaults()
        admin = users.add_user("ana", "Ana Ruiz", role="admin")
        users.add_user("luis", "Luis Gómez")
        contacts.create_contact("C-001", "Ferretería López", actor_id=admin.id)
        create_interaction(
            InteractionDraft(
                type="call",
                contact="C-001",
                created_by="luis",
                subject=SUBJECT,
                occurred_at=datetime(2026, 11, 20, 9, 30),
            )
        )
    finally:
        store_db.close()
    return path


@pytest.fixture
def session() -> Iterator[str]:
    if not TUI_DRIVE.is_file():
        pytest.fail(f"the terminal driver is missing: {TUI_DRIVE} (shared/ beside the clone)")
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed; the terminal smoke test needs it")
    name = f"crm-smoke-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    yield name
    drive("stop", name, check=False)


@pytest.mark.parametrize(
    ("term", "env"),
    [
        pytest.param("xterm-256color", [], id="256-colours"),
        pytest.param("linux", ["NO_COLOR=1"], id="16-colours-no-color"),
    ],
)
def test_the_installed_program_opens_helps_and_quits(
    floor_db: Path, session: str, term: str, env: list[str]
) -> None:
    command = installed_command()
    drive(
        "start", session, "-x", "100", "-y", "30", "--term", term, "--",
        "env", *env, command, "--db", str(floor_db), "--user", "luis", "--lang", "en",
    )  # fmt: skip
    drive("wait", session, SUBJECT, "20")
    drive("wait", session, "1 shown")

    drive("keys", session, "?")
    drive("wait", session, "Previous row")  # only the help screen says this
    drive("keys", session, "Escape")
    drive("gone", session, "Previous row")

    drive("keys", session, "q")
    for _ in range(100):
        if drive("alive", session, check=False).returncode != 0:
            break
        subprocess.run(["sleep", "0.1"], check=True)
    else:
        pytest.fail("crm-tui still runs after q:\n" + drive("shot", session).stdout)
    assert "Traceback" not in drive("shot", session).stdout


def test_a_dropped_terminal_ends_the_program(floor_db: Path, session: str, tmp_path: Path) -> None:
    """Started by make (as `make run` does), the program gets no SIGHUP when
    its terminal goes (SSH dropped, tmux killed); it must still end instead
    of staying behind at 100% CPU on the shared server."""
    command = installed_command()
    makefile = tmp_path / "Makefile"
    makefile.write_text(f"run:\n\t{command} --db {floor_db} --user luis\n")
    drive("start", session, "--", "make", "-f", str(makefile), "run")
    drive("wait", session, SUBJECT, "20")
    drive("stop", session)
    pattern = f"{command} --db {floor_db}"
    for _ in range(50):
        running = subprocess.run(["pgrep", "-f", pattern], capture_output=True, check=False)
        if running.returncode != 0:
            return
        subprocess.run(["sleep", "0.1"], check=True)
    subprocess.run(["pkill", "-f", pattern], check=False)
    pytest.fail("crm-tui kept running after its terminal went away")
