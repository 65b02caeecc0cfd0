"""The installed `crm-tui` in a real terminal (tmux, through the shared
`tui-drive` tool): it opens on a database made through the services, shows
a known interaction, opens and closes help, and quits on `q` with exit
code 0 (in a 256-colour terminal and in a 16-colour one, TERM=linux, with
NO_COLOR); a screen pop (`--opportunity`, `--contact`, `--interaction`)
opens straight on its screen and `q` walks back out of it; two agents on one
database, SQLite or PostgreSQL, see each other's comments within two seconds,
and a mention reaches the header as fast."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from crm_tui.services import contacts, defaults, users
from crm_tui.services.comments import CommentTarget, add_comment
from crm_tui.services.interactions import InteractionDraft, create_interaction
from crm_tui.store import db as store_db
from tests.conftest import drop_postgres, fresh_postgres
from tests.test_change_watch import install_change_triggers

# In CI the shared folder sits beside the clone of the repository.
TUI_DRIVE = Path(__file__).resolve().parents[2] / "shared" / "tools" / "tui-drive"
SUBJECT = "Llamada de humo 42"
OPPORTUNITY_TITLE = "Renovación de contrato"
LIVE = 2.0  # issue 7: another agent's change shows "within 2 seconds"


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


def start(
    session: str,
    exit_file: Path,
    *args: str,
    term: str = "xterm-256color",
    env: Sequence[str] = (),
) -> None:
    """The installed crm-tui with `args`, in a shell that writes its exit
    code to `exit_file` when it ends (the file name reaches the shell through
    its environment, not its script), with a config folder of its own beside
    that file (never the settings of whoever runs the tests)."""
    config = exit_file.parent / "config"
    drive(
        "start", session, "-x", "100", "-y", "30", "--term", term, "--",
        "env", *env, f"CRM_TUI_CONFIG_DIR={config}", f"EXIT_FILE={exit_file}",
        "sh", "-c", '"$@"; echo $? > "$EXIT_FILE"', "sh", installed_command(), *args,
    )  # fmt: skip


def quit_with_q(session: str, exit_file: Path) -> None:
    """`q` on a main screen: the program ends with exit code 0 and no
    traceback."""
    drive("keys", session, "q")
    for _ in range(100):
        if exit_file.exists() and exit_file.read_text().strip():
            break
        subprocess.run(["sleep", "0.1"], check=True)
    else:
        pytest.fail(f"crm-tui still runs after q:\n{screen(session)}")
    assert exit_file.read_text().strip() == "0", screen(session)
    assert "Traceback" not in screen(session)


def show_all_interactions(session: str) -> None:
    """`3` (all interactions) until the known call shows, whichever screen
    comes first: a key pressed while the database opens may be overridden
    by the landing screen, so it is pressed again, but only while that
    screen is not in front (there a "3" would go into its search box)."""
    drive("wait", session, "crm-tui", "20")
    for _ in range(20):
        if "All interactions" not in screen(session):
            drive("keys", session, "3")
        if drive("wait", session, SUBJECT, "2", check=False).returncode == 0:
            return
    pytest.fail(f"the call {SUBJECT!r} never showed:\n{screen(session)}")


def screen(session: str) -> str:
    return drive("shot", session).stdout


def shown_within(session: str, text: str, limit: float = LIVE) -> None:
    """Until `text` is on the screen, failing if that takes over `limit`
    seconds from now. (Timed here: `tui-drive wait` counts whole seconds.)"""
    started = time.monotonic()
    while text not in screen(session):
        if time.monotonic() - started > limit:
            pytest.fail(f"{text!r} not shown within {limit} s:\n{screen(session)}")
        time.sleep(0.02)


def installed_command() -> str:
    """The `crm-tui` installed beside this interpreter (the venv's bin)."""
    found = shutil.which("crm-tui", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(f"crm-tui is not installed beside {sys.executable}: pip install -e .")
    return found


@dataclass(frozen=True)
class Floor:
    target: store_db.Target
    interaction_id: int

    @property
    def db(self) -> str:
        """What `--db` takes."""
        return self.target.location


def build_floor(target: store_db.Target) -> Floor:
    """One contact with one opportunity and one call on it."""
    store_db.connect(target)
    try:
        install_change_triggers(target)
        defaults.install_defaults()
        admin = users.add_user("ana", "Ana Ruiz", role="admin")
        users.add_user("luis", "Luis Gómez")
        shop = contacts.create_contact("C-001", "Ferretería López", actor_id=admin.id)
        contacts.create_opportunity("OP-001", OPPORTUNITY_TITLE, shop.id, actor_id=admin.id)
        call = create_interaction(
            InteractionDraft(
                type="call",
                contact="C-001",
                opportunity="OP-001",
                created_by="luis",
                subject=SUBJECT,
                occurred_at=datetime(2026, 11, 20, 9, 30),
            )
        )
    finally:
        store_db.close()
    return Floor(target, call.id)


@pytest.fixture
def floor(tmp_path: Path) -> Floor:
    return build_floor(store_db.Target("sqlite", str(tmp_path / "smoke.db")))


@pytest.fixture
def floor_db(floor: Floor) -> Path:
    return Path(floor.db)


@pytest.fixture(params=["sqlite", "postgres"])
def shared_floor(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Floor]:
    """The floor on either engine a team shares."""
    if request.param == "sqlite":
        yield build_floor(store_db.Target("sqlite", str(tmp_path / "smoke.db")))
        return
    name, url = fresh_postgres(request.getfixturevalue("pg_template"))
    try:
        yield build_floor(store_db.Target("postgres", url))
    finally:
        drop_postgres(name)


@pytest.fixture
def session() -> Iterator[str]:
    if not TUI_DRIVE.is_file():
        pytest.fail(f"the terminal driver is missing: {TUI_DRIVE} (shared/ beside the clone)")
    if shutil.which("tmux") is None:
        pytest.fail("tmux is not installed; the terminal smoke test needs it")
    name = f"crm-smoke-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    yield name
    drive("stop", name, check=False)


@pytest.fixture
def exit_file(tmp_path: Path) -> Path:
    """Where the shell around crm-tui writes its exit code."""
    return tmp_path / "exit-code"


@pytest.mark.parametrize(
    ("term", "env"),
    [
        pytest.param("xterm-256color", [], id="256-colours"),
        pytest.param("linux", ["NO_COLOR=1"], id="16-colours-no-color"),
    ],
)
def test_the_installed_program_opens_helps_and_quits(
    floor_db: Path, session: str, exit_file: Path, term: str, env: list[str]
) -> None:
    args = ["--db", str(floor_db), "--user", "luis", "--lang", "en"]
    start(session, exit_file, *args, term=term, env=env)
    show_all_interactions(session)
    drive("wait", session, "1 shown")

    drive("keys", session, "?")
    drive("wait", session, "─ Help ─")  # the help's title on its border
    drive("wait", session, "This screen")
    drive("keys", session, "Escape")
    drive("gone", session, "This screen")

    quit_with_q(session, exit_file)


def test_help_speaks_spanish(floor_db: Path, session: str, exit_file: Path) -> None:
    start(session, exit_file, "--db", str(floor_db), "--user", "luis", "--lang", "es")
    drive("wait", session, "crm-tui", "20")
    drive("keys", session, "F1")
    drive("wait", session, "─ Ayuda ─")
    drive("wait", session, "Esta pantalla")
    drive("keys", session, "?")
    drive("gone", session, "Esta pantalla")
    quit_with_q(session, exit_file)


@pytest.mark.parametrize(
    "pop",
    [
        pytest.param("opportunity", id="opportunity-timeline"),
        pytest.param("contact", id="contact"),
        pytest.param("interaction", id="interaction-detail"),
    ],
)
def test_a_screen_pop_opens_its_screen_and_q_walks_back_out(
    floor: Floor, session: str, exit_file: Path, pop: str
) -> None:
    """What a dialer starts: straight onto the opportunity's timeline (its
    header: title and code, the contact's credit hold; its interactions),
    the contact's screen (header and its opportunities), or one
    interaction's detail; then q back to the main screen under it (the
    screen's own `marker` goes), and q again quits."""
    code, shows, marker = {
        "opportunity": (
            "OP-001",
            [OPPORTUNITY_TITLE, "OP-001", "No credit hold", "Interactions", SUBJECT],
            "No credit hold",
        ),
        "contact": (
            "C-001",
            ["Ferretería López", "C-001", "No credit hold", "Opportunities · 1", SUBJECT],
            "No credit hold",
        ),
        "interaction": (
            str(floor.interaction_id),
            [f"Interaction {floor.interaction_id}", SUBJECT],
            f"Interaction {floor.interaction_id}",
        ),
    }[pop]
    args = ["--db", floor.db, "--user", "luis", "--lang", "en", f"--{pop}", code]
    start(session, exit_file, *args)
    for text in shows:
        drive("wait", session, text, "20")
    assert "Traceback" not in screen(session)
    drive("keys", session, "q")
    drive("gone", session, marker)
    assert not exit_file.exists(), "q on the popped screen quit instead of going back"
    quit_with_q(session, exit_file)


def test_a_dropped_terminal_ends_the_program(floor_db: Path, session: str, tmp_path: Path) -> None:
    """Started by make (as `make run` does), the program gets no SIGHUP when
    its terminal goes (SSH dropped, tmux killed); it must still end instead
    of staying behind at 100% CPU on the shared server."""
    command = installed_command()
    makefile = tmp_path / "Makefile"
    makefile.write_text(f"run:\n\t{command} --db {floor_db} --user luis\n")
    drive("start", session, "--", "make", "-f", str(makefile), "run")
    show_all_interactions(session)
    drive("stop", session)
    pattern = f"{command} --db {floor_db}"
    for _ in range(50):
        running = subprocess.run(["pgrep", "-f", pattern], capture_output=True, check=False)
        if running.returncode != 0:
            return
        subprocess.run(["sleep", "0.1"], check=True)
    subprocess.run(["pkill", "-f", pattern], check=False)
    pytest.fail("crm-tui kept running after its terminal went away")


def test_two_agents_see_each_others_comments_live(
    shared_floor: Floor, session: str, tmp_path: Path
) -> None:
    """Two terminals on one database, both on the same interaction: what
    ana writes in the comment box (`c`, text, `ctrl+j`) shows on luis's
    screen within two seconds of her key, without a key pressed there, and
    the mention of luis reaches his notifications."""
    floor = shared_floor
    other = f"{session}-ana"
    pop = ["--db", floor.db, "--lang", "en", "--interaction", str(floor.interaction_id)]
    try:
        start(session, tmp_path / "luis-exit", *pop, "--user", "luis")
        start(other, tmp_path / "ana-exit", *pop, "--user", "ana")
        for name in (session, other):
            drive("wait", name, SUBJECT, "20")
        # luis moves into the history, below the fields (Tab again if the
        # first one came before the history was there to take it).
        for _ in range(5):
            drive("keys", session, "Tab")
            if drive("wait", session, "v: only comments", "2", check=False).returncode == 0:
                break
        else:
            pytest.fail(f"Tab never showed the history:\n{screen(session)}")
        drive("keys", other, "c")
        drive("wait", other, "Write here")
        drive("type", other, "Hola @luis, te paso el pedido")
        drive("keys", other, "C-j")
        shown_within(session, "Hola @luis, te paso el pedido")
        drive("gone", other, "Write here")
        shown_within(session, "1 unread")
        assert "Traceback" not in screen(session) + screen(other)
    finally:
        drive("stop", other, check=False)


def test_a_mention_written_elsewhere_reaches_the_header_and_the_notifications(
    shared_floor: Floor, session: str, exit_file: Path
) -> None:
    """A script comments with a mention of luis while his crm-tui runs: the
    header counts it within two seconds of the commit, `N` lists it, Enter
    opens what it is about and marks it read, and the count goes."""
    floor = shared_floor
    start(session, exit_file, "--db", floor.db, "--user", "luis", "--lang", "en")
    show_all_interactions(session)
    drive("gone", session, "unread")
    store_db.connect(floor.target)
    try:
        add_comment(
            CommentTarget(interaction_id=floor.interaction_id),
            "@luis llámale tú mañana",
            actor=users.get_user("ana"),
        )
    finally:
        store_db.close()
    shown_within(session, "1 unread")
    drive("keys", session, "N")
    drive("wait", session, "@luis llámale tú mañana")
    drive("keys", session, "Enter")
    drive("wait", session, f"Interaction {floor.interaction_id}")
    drive("gone", session, "unread")
    drive("keys", session, "q")
    drive("wait", session, "Notifications")
    quit_with_q(session, exit_file)
