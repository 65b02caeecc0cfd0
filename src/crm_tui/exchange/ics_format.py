"""Interactions as iCalendar events (RFC 5545), for calendar programs.

One VEVENT per interaction: its UID is the interaction's global uid, so
exporting again updates the same events instead of adding copies. The
app's times are local wall-clock times without a zone, so DTSTART and
DTEND are floating local times; DTSTAMP, CREATED and LAST-MODIFIED must
be UTC and are converted from local time. An occurrence of a repeating
event is an event of its own (no RRULE: each one is written and closed
apart), related to the others by RELATED-TO the series uid.

User text (subject, note, location, tags) is data: the icalendar package
escapes commas, semicolons, backslashes and newlines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

from crm_tui.i18n import language
from crm_tui.services.records import InteractionRecord, UserRecord

PRODID = "-//crm-tui//crm-tui//EN"
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
    if not user.email:
        return None
    address = vCalAddress(f"mailto:{user.email}")
    address.params["CN"] = vText(user.display_name)
    if role:
        address.params["ROLE"] = vText(role)
    return address


def vevent_of(
    record: InteractionRecord,
    *,
    users: Mapping[str, UserRecord] | None = None,
    series_uid: str = "",
    lang: str | None = None,
) -> Event:
    """`record` as a VEVENT. `users` (by username) gives the creator
    (ORGANIZER) and the responsible (ATTENDEE) their addresses, when they
    have one; `series_uid` relates an occurrence to its series."""
    lang = lang or language()
    users = users or {}
    event = Event()
    event.add("uid", record.uid)
    event.add("dtstamp", _utc(record.updated_at))
    event.add("created", _utc(record.created_at))
    event.add("last-modified", _utc(record.updated_at))
    start = record.starts_at or record.due_at
    event.add("dtstart", start)
    if record.ends_at is not None and record.ends_at >= start:
        event.add("dtend", record.ends_at)
    else:
        event.add("duration", DEFAULT_DURATION)
    type_label = record.type.label(lang)
    event.add("summary", record.subject or type_label)
    if record.note:
        event.add("description", record.note)
    if record.location:
        event.add("location", record.location)
    unassigned = record.user is None and record.is_open
    event.add("status", "TENTATIVE" if unassigned else _STATUS.get(record.status, "CONFIRMED"))
    event.add("categories", [type_label, *record.tags])
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
    event.add("x-crm-contact", record.contact_code)
    if record.opportunity_code:
        event.add("x-crm-opportunity", record.opportunity_code)
    if series_uid:
        event.add("related-to", series_uid)
    return event


def calendar_bytes(
    records: Iterable[InteractionRecord],
    *,
    users: Mapping[str, UserRecord] | None = None,
    series_uids: Mapping[int, str] | None = None,
    lang: str | None = None,
) -> bytes:
    """A VCALENDAR with one VEVENT per record, as an .ics file's bytes
    (UTF-8, CRLF line ends, long lines folded)."""
    series_uids = series_uids or {}
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    for record in records:
        calendar.add_component(
            vevent_of(record, users=users, series_uid=series_uids.get(record.id, ""), lang=lang)
        )
    return bytes(calendar.to_ical())


def calendar_of(records: list[InteractionRecord], *, lang: str | None = None) -> bytes:
    """`calendar_bytes` with the people's addresses and the series read
    from the database (queries: call it from a worker)."""
    from crm_tui.services.event_series import series_uids
    from crm_tui.services.users import list_users

    people = {user.username: user for user in list_users(active_only=False)}
    return calendar_bytes(
        records,
        users=people,
        series_uids=series_uids([record.id for record in records]),
        lang=lang,
    )
