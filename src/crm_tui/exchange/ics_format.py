"""Interactions as iCalendar events (RFC 5545), for calendar programs.

One VEVENT per interaction: its UID is the interaction's global uid, so
exporting again updates the same events instead of adding copies. The
app's times are local wall-clock times without a zone, so DTSTART and
DTEND are floating local times; DTSTAMP, CREATED and LAST-MODIFIED must
be UTC and are converted from local time. An occurrence of a repeating
event is an event of its own (no RRULE: each one is written and closed
apart), related to the others by RELATED-TO the series uid.

Every text is data: control characters (C0 but tab and newline, C1) are
removed before it goes in (a carriage return becomes a newline), so a
terminal escape in a note never reaches a calendar program (nor a
terminal showing the file); the icalendar package escapes commas,
semicolons, backslashes and newlines, and folds long lines between
characters, never inside one.

A file is its head (`calendar_head`), one `vevent_of(...).to_ical()` per
event and `CALENDAR_END`, so that it can be written event by event
(`ics_export.write_events`) whatever its size.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

from crm_tui.i18n import language
from crm_tui.services.records import InteractionRecord, UserRecord
from crm_tui.services.text import clean_text

PRODID = "-//crm-tui//crm-tui//EN"
CALENDAR_NAME = "crm-tui"
CALENDAR_END = b"END:VCALENDAR\r\n"
# An event saved without an end lasts this long in a calendar.
DEFAULT_DURATION = timedelta(minutes=30)

# Open and unassigned (the shared pool): nobody has committed to it yet.
_STATUS = {
    "pending": "CONFIRMED",
    "in_progress": "CONFIRMED",
    "done": "CONFIRMED",
    "cancelled": "CANCELLED",
}
_PRIORITY = {"urgent": 1, "high": 3, "normal": 5, "low": 9}


def _utc(local: datetime) -> datetime:
    """A naive local time as UTC, as DTSTAMP and its kin must be."""
    return local.astimezone(UTC)


def _person(user: UserRecord, role: str | None = None) -> vCalAddress | None:
    email = clean_text(user.email or "")
    if not email:
        return None
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(clean_text(user.display_name))
    if role:
        address.params["ROLE"] = vText(role)
    return address


def vevent_of(
    record: InteractionRecord,
    *,
    users: Mapping[str, UserRecord] | None = None,
    lang: str | None = None,
) -> Event:
    """`record` as a VEVENT. `users` (by username) gives the creator
    (ORGANIZER) and the responsible (ATTENDEE) their addresses, when they
    have one; an occurrence of a series is related to it by RELATED-TO."""
    lang = lang or language()
    users = users or {}
    event = Event()
    event.add("uid", clean_text(record.uid))
    event.add("dtstamp", _utc(record.updated_at))
    event.add("created", _utc(record.created_at))
    event.add("last-modified", _utc(record.updated_at))
    start = record.starts_at or record.due_at
    event.add("dtstart", start)
    if record.ends_at is not None and record.ends_at >= start:
        event.add("dtend", record.ends_at)
    else:
        event.add("duration", DEFAULT_DURATION)
    type_label = clean_text(record.type.label(lang))
    event.add("summary", clean_text(record.subject) or type_label)
    note = clean_text(record.note)
    if note:
        event.add("description", note)
    location = clean_text(record.location)
    if location:
        event.add("location", location)
    unassigned = record.user is None and record.is_open
    event.add("status", "TENTATIVE" if unassigned else _STATUS.get(record.status, "CONFIRMED"))
    event.add("categories", [type_label, *(clean_text(tag) for tag in record.tags)])
    event.add("priority", _PRIORITY.get(record.priority, 0))
    if record.internal:
        event.add("class", "PRIVATE")
    creator = users.get(record.created_by)
    organizer = _person(creator) if creator else None
    if organizer is not None:
        event.add("organizer", organizer)
    responsible = users.get(record.user) if record.user else None
    attendee = _person(responsible, "REQ-PARTICIPANT") if responsible else None
    if attendee is not None:
        event.add("attendee", attendee)
    event.add("x-crm-contact", clean_text(record.contact_code))
    if record.opportunity_code:
        event.add("x-crm-opportunity", clean_text(record.opportunity_code))
    if record.series_uid:
        event.add("related-to", clean_text(record.series_uid))
    return event


def calendar_head() -> bytes:
    """The file up to its first event: BEGIN:VCALENDAR and the calendar's
    properties (its events follow, then `CALENDAR_END`)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", CALENDAR_NAME)
    return bytes(calendar.to_ical()).removesuffix(CALENDAR_END)
