"""What every screen of the app shares: bindings in the user's language,
and loading its data once the database is open and again whenever it comes
back into view after something changed; and what every dialog shares: its
frame."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar, cast

from textual.screen import ModalScreen, Screen

from crm_tui.ui_text import localise_bindings

if TYPE_CHECKING:
    from crm_tui.app import CrmApp
    from crm_tui.services.records import UserRecord

ResultType = TypeVar("ResultType")


class CrmScreen(Screen[ResultType]):
    """Subclasses put their queries in `load_data`, which runs when the
    screen is first shown with the database open, and again when it is
    shown after any write (`CrmApp.data_changed`), so a list never shows
    what another screen just changed."""

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        localise_bindings(self)
        self._loaded_version: int | None = None

    @property
    def crm(self) -> CrmApp:
        return cast("CrmApp", self.app)

    @property
    def actor(self) -> UserRecord:
        """Who is working (only read once the database is open)."""
        actor = self.crm.actor
        assert actor is not None, "the database is not open yet"
        return actor

    @property
    def is_ready(self) -> bool:
        return self.crm.actor is not None

    def on_mount(self) -> None:
        self.refresh_if_stale()

    def on_screen_resume(self) -> None:
        self.refresh_if_stale()

    def refresh_if_stale(self) -> None:
        """Load, unless nothing changed since the last load or the database
        is not open yet (the app calls this again when it is)."""
        if not self.is_ready or not self.is_mounted:
            return
        version = self.crm.data_version
        if version == self._loaded_version:
            return
        first = self._loaded_version is None
        self._loaded_version = version
        self.load_data(first=first)

    def caught_up(self) -> None:
        """This screen already shows the latest write (its own, applied in
        place): coming back to it must not reload and lose the cursor."""
        self._loaded_version = self.crm.data_version

    def load_data(self, *, first: bool) -> None:
        """Query what the screen shows (in workers). `first`: the first
        time; later calls refresh, keeping the cursor where it was."""


class DialogScreen(ModalScreen[ResultType]):
    """A dialog over the screen it was opened from, in a frame: the
    container with the class `dialog-frame`, centred, as wide as the screen
    allows. A dialog's own CSS sets only what differs (its `max-width`, a
    margin, a taller form); selected by the frame's id, it wins over these."""

    DEFAULT_CSS = """
    DialogScreen {
        align: center middle;
    }
    DialogScreen > .dialog-frame {
        width: 100%;
        height: auto;
        max-height: 100%;
        margin: 0 2;
        padding: 0 1;
        border: round $accent;
        border-title-color: $accent;
        border-title-style: bold;
        background: $surface;
    }
    """
