"""Text of the terminal UI in English and Spanish, and the two places where
UI text meets something that is not a message id: key binding descriptions
and errors raised by the services or the database.

Binding descriptions are written in `BINDINGS` as message ids (class
attributes exist before the language is chosen at start) and put into the
current language per node by `localise_bindings`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from peewee import DatabaseError

from crm_tui.i18n import register, t
from crm_tui.services.errors import CrmError
from crm_tui.store.db import is_retryable

if TYPE_CHECKING:
    from textual.dom import DOMNode

register(
    {
        # keys (footer, help, command palette)
        "ui.key.quit": ("Quit", "Salir"),
        "ui.key.back": ("Back / quit", "Volver / salir"),
        "ui.key.help": ("Help", "Ayuda"),
        "ui.key.palette": ("Commands", "Comandos"),
        "ui.key.search": ("Search", "Buscar"),
        "ui.key.clear_search": ("Clear the search", "Borrar la búsqueda"),
        "ui.key.refresh": ("Refresh", "Actualizar"),
        "ui.key.open": ("Open", "Abrir"),
        "ui.key.up": ("Previous row", "Fila anterior"),
        "ui.key.down": ("Next row", "Fila siguiente"),
        "ui.key.page_up": ("Page up", "Página anterior"),
        "ui.key.page_down": ("Page down", "Página siguiente"),
        "ui.key.top": ("First row", "Primera fila"),
        "ui.key.bottom": ("Last loaded row (loads more)", "Última fila cargada (carga más)"),
        "ui.key.close": ("Close", "Cerrar"),
        "ui.mode.queue": ("My queue", "Mi cola"),
        "ui.mode.events": ("Upcoming events", "Próximos eventos"),
        "ui.mode.interactions": ("All interactions", "Todas las interacciones"),
        "ui.mode.contacts": ("Contacts", "Clientes"),
        "ui.mode.opportunities": ("Opportunities", "Oportunidades"),
        "ui.palette.theme": ("Change theme", "Cambiar el tema"),
        "ui.palette.theme_help": (
            "Pick the colours; the choice is remembered",
            "Elegir los colores; se recuerda la elección",
        ),
        "ui.palette.theme_placeholder": ("Search for a theme…", "Buscar un tema…"),
        "ui.palette.key": ("key {keys}", "tecla {keys}"),
        "ui.palette.placeholder": ("Search for a command…", "Buscar un comando…"),
        # the interactions list
        "ui.column.id": ("Id", "Id"),
        "ui.column.type": ("Type", "Tipo"),
        "ui.column.status": ("Status", "Estado"),
        "ui.column.user": ("Responsible", "Responsable"),
        "ui.column.date": ("Date", "Fecha"),
        "ui.column.contact": ("Contact", "Cliente"),
        "ui.column.opportunity": ("Opportunity", "Oportunidad"),
        "ui.column.subject": ("Subject / note", "Asunto / nota"),
        "ui.pool": ("pool", "bolsa"),
        "ui.list.all": ("All interactions", "Todas las interacciones"),
        "ui.search.placeholder": (
            "/ search subject, note and comments",
            "/ buscar en asunto, nota y comentarios",
        ),
        "ui.status.opening": ("Opening the database…", "Abriendo la base de datos…"),
        "ui.status.loading": ("Loading…", "Cargando…"),
        "ui.status.more": ("{count} shown · more below", "{count} mostradas · hay más"),
        "ui.status.all": ("{count} shown", "{count} mostradas"),
        "ui.status.empty": ("No interactions yet", "Aún no hay interacciones"),
        "ui.status.no_match": ("Nothing matches “{search}”", "Nada coincide con «{search}»"),
        "ui.status.failed": ("The list could not be loaded", "No se pudo cargar la lista"),
        # the detail of one interaction
        "ui.detail.title": ("Interaction {id}", "Interacción {id}"),
        "ui.detail.id": ("Id", "Id"),
        "ui.detail.uid": ("Global id", "Id global"),
        "ui.detail.responsible": ("Responsible", "Responsable"),
        "ui.detail.due_at": ("Due", "Vence"),
        "ui.detail.recurrence": ("Repeats", "Repetición"),
        "ui.detail.campaign": ("Campaign", "Campaña"),
        "ui.detail.rule": ("Created by rule", "Creada por la regla"),
        "ui.detail.version": ("Version", "Versión"),
        "ui.detail.created_at": ("Recorded", "Registrada"),
        "ui.detail.updated_at": ("Last change", "Último cambio"),
        "ui.yes": ("yes", "sí"),
        "ui.no": ("no", "no"),
        # help and start-up
        "ui.help.title": ("Help", "Ayuda"),
        "ui.help.key": ("Key", "Tecla"),
        "ui.help.action": ("Action", "Acción"),
        "ui.startup.failed": ("crm-tui cannot start", "crm-tui no puede arrancar"),
        "ui.startup.press_key": ("Press any key to quit.", "Pulse cualquier tecla para salir."),
        "ui.error.database": ("database error: {reason}", "error de la base de datos: {reason}"),
    }
)


def localise_bindings(node: DOMNode) -> None:
    """Replace the message ids in this node's binding descriptions and
    tooltips by their text in the current language.

    Textual gives every node its own copy of its class bindings; only that
    copy changes. There is no public hook for translated descriptions, so
    this swaps the copy's map (`_bindings`), the same object the keymap
    (`App.set_keymap`) is applied to, so remapped keys keep their text."""
    bindings = node._bindings
    bindings.key_to_bindings = {
        key: [
            replace(
                binding,
                description=t(binding.description) if binding.description else "",
                tooltip=t(binding.tooltip) if binding.tooltip else "",
            )
            for binding in group
        ]
        for key, group in bindings.key_to_bindings.items()
    }


def explain(error: BaseException, database: str | None = None) -> str | None:
    """A one-line message for an error a person can act on (a service
    refusing something, a database that is busy, gone or unreadable);
    None for anything else, which is a bug and must surface as one.
    `database` (a target's description) names the database in the message
    when the error came from opening it."""
    if isinstance(error, CrmError):
        return error.message()
    if isinstance(error, DatabaseError):
        if is_retryable(error):
            return t("error.database_busy")
        lines = str(error).strip().splitlines()
        reason = lines[0] if lines else type(error).__name__
        if database is not None:
            return t("error.database_unreadable", path=database, reason=reason)
        return t("ui.error.database", reason=reason)
    return None
