"""Opening one screen from another. The screens import each other only
here, inside the functions, so a rarely used screen costs nothing at
start-up and no two screen modules import each other."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App

    from crm_tui.services.records import InteractionRecord


def open_interaction(app: App[Any], interaction: InteractionRecord | int) -> None:
    """The detail of one interaction, over the current screen."""
    from crm_tui.screens.interaction_detail import InteractionDetailScreen

    app.push_screen(InteractionDetailScreen(interaction))


def open_opportunity(app: App[Any], code: str) -> None:
    """The timeline of one opportunity."""
    from crm_tui.screens.timeline import TimelineScreen

    app.push_screen(TimelineScreen(code))


def open_contact(app: App[Any], code: str) -> None:
    """One contact: its details, opportunities and interactions."""
    from crm_tui.screens.contact import ContactScreen

    app.push_screen(ContactScreen(code))
