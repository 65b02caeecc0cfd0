"""The scheduled events among some interactions, as an .ics file that a
calendar program opens or subscribes to.

Written as the records come: the calendar's head, each event as soon as
its record is read, then the end; memory does not grow with the number
of events. The people's addresses (organizer, attendee) are read once.
icalendar is imported only when a file is written: the command line
starts without it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from crm_tui.services.records import InteractionRecord
from crm_tui.services.users import list_users


def is_scheduled(record: InteractionRecord) -> bool:
    """Whether the record is an event of the calendar: it has a start, or
    it is planned for its due time (kind "scheduled"). The same rule as
    `services.events.is_event`, for one record in hand; a logged call
    with a follow-up date is not an event."""
    return record.starts_at is not None or record.kind == "scheduled"


def write_events(
    path: Path, records: Iterable[InteractionRecord], *, lang: str | None = None
) -> int:
    """Write the scheduled events among `records` (in their order) to
    `path` as an iCalendar file; return how many were written. A file
    without events is still a valid, empty calendar."""
    from crm_tui.exchange.ics_format import CALENDAR_END, calendar_head, vevent_of

    people = {user.username: user for user in list_users(active_only=False)}
    written = 0
    with path.open("wb") as file:
        file.write(calendar_head())
        for record in records:
            if is_scheduled(record):
                file.write(vevent_of(record, users=people, lang=lang).to_ical())
                written += 1
        file.write(CALENDAR_END)
    return written
