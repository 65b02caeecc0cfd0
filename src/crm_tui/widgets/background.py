"""Running service calls off the UI thread.

Every database call from a screen goes through `run_db`: the call runs in a
thread worker with its own connection (opened and closed around the call,
so pooled threads hold none; on PostgreSQL a closed one is kept a few
seconds for the next worker, `store.reused_connections`), and its
result comes back to the UI thread through a callback. An error a person can
act on (a service refusing something, a busy or unreadable database) comes
back as a message; anything else is a bug and surfaces as one.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from peewee import DatabaseError
from textual.worker import Worker, get_current_worker

from crm_tui.services.errors import CrmError
from crm_tui.store.db import current
from crm_tui.ui_text import explain
from crm_tui.widgets import safe

if TYPE_CHECKING:
    from textual.dom import DOMNode

R = TypeVar("R")

Failure = Callable[[CrmError | DatabaseError, str], None]
"""Called with the error and its message in the user's language."""


def run_db(
    node: DOMNode,
    call: Callable[[], R],
    *,
    done: Callable[[R], Any],
    failed: Failure | None = None,
    group: str,
    exclusive: bool = True,
) -> Worker[None]:
    """Run `call` (service calls only; no widget access) in a thread worker
    and hand its result to `done` on the UI thread. Without `failed`, an
    error is a toast. With `exclusive`, a newer call in the same group
    cancels an older one and the older result is dropped, so the screen
    shows the answer to the latest question only. Nothing is delivered to
    a node that has left the screen."""

    def deliver(callback: Callable[[], Any]) -> None:
        worker = get_current_worker()
        if worker.is_cancelled:
            return
        # RuntimeError: the app closed while the query ran; nobody to tell.
        with suppress(RuntimeError):
            node.app.call_from_thread(lambda: callback() if _still_there(node) else None)

    def job() -> None:
        try:
            with current().connection_context():
                result = call()
        except (CrmError, DatabaseError) as error:
            reason = explain(error) or str(error)
            deliver(partial(failed or _toast(node), error, reason))
            return
        deliver(partial(done, result))

    return node.run_worker(job, thread=True, group=group, exclusive=exclusive)


def _still_there(node: DOMNode) -> bool:
    """Whether `node` is on screen and not shutting down (its children may
    already be gone while the app closes)."""
    return node.is_attached and node.is_running


def _toast(node: DOMNode) -> Failure:
    def show(_error: CrmError | DatabaseError, reason: str) -> None:
        safe.notify(node.app, reason, severity="error")

    return show
