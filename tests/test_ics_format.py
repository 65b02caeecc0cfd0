"""Interactions as iCalendar events: every field a calendar shows, user
text with commas, semicolons, newlines and accents read back as typed by
the icalendar package itself (markup, formulas, emoji, right-to-left and
long text as text; control characters left out), and a repeating event's
occurrences related to their series."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar, Event

from crm_tui.exchange.ics_format import CALENDAR_END, calendar_head, vevent_of
from crm_tui.services.event_series import create_event, series_uid_of
from crm_tui.services.interactions import InteractionDraft, edit_interaction
from crm_tui.services.records import InteractionRecord
from crm_tui.services.users import list_users

from .conftest import World

START = datetime(2030, 3, 4, 10, 0)
HOSTILE_SUBJECT = "Revisión, trimestral; precio: 1.200 €\\ [b]no[/b]"
HOSTILE_NOTE = "Línea uno, con coma;\nlínea dos: «ñandú»\r\nfin\\n literal"


def event(**fields: object) -> InteractionDraft:
    base = InteractionDraft(
        type="meeting",
        contact="C-001",
        opportunity="OP-001",
        created_by="ana",
        user="luis",
        subject=HOSTILE_SUBJECT,
        note=HOSTILE_NOTE,
        starts_at=START,
        ends_at=START + timedelta(minutes=45),
        location="Calle Mayor, 3; 2º",
        tags=("vip", "zona norte"),
    )
    return InteractionDraft(**{**base.__dict__, **fields})


def read_back(record: InteractionRecord) -> Event:
    """The record's VEVENT as a calendar program reads it, with everyone's
    addresses."""
    people = {user.username: user for user in list_users(active_only=False)}
    return Event.from_ical(vevent_of(record, users=people).to_ical())


def test_an_event_reads_back_as_it_was_typed(world: World) -> None:
    [record] = create_event(event())
    vevent = read_back(record)

    assert str(vevent["UID"]) == record.uid
    assert vevent.decoded("DTSTART") == START  # floating: the app's local time
    assert vevent.decoded("DTEND") == START + timedelta(minutes=45)
    assert vevent.decoded("DTSTAMP") == record.updated_at.astimezone(UTC)
    assert str(vevent["SUMMARY"]) == HOSTILE_SUBJECT
    assert str(vevent["DESCRIPTION"]) == record.note
    assert "literal" in str(vevent["DESCRIPTION"])
    assert str(vevent["LOCATION"]) == "Calle Mayor, 3; 2º"
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert [str(c) for c in vevent["CATEGORIES"].cats] == ["Meeting", "vip", "zona norte"]
    assert str(vevent["ORGANIZER"]) == "mailto:ana@example.com"
    assert vevent["ORGANIZER"].params["CN"] == "Ana Ruiz"
    assert str(vevent["ATTENDEE"]) == "mailto:luis@example.com"
    assert str(vevent["X-CRM-CONTACT"]) == "C-001"
    assert str(vevent["X-CRM-OPPORTUNITY"]) == "OP-001"
    assert "RELATED-TO" not in vevent and "RRULE" not in vevent


def test_status_duration_and_people_without_addresses(world: World) -> None:
    # marta has no address: no attendee; no end: the default half hour.
    [pool] = create_event(event(user=None, pool=True, ends_at=None, subject="", note=""))
    [marta] = create_event(event(user="marta", created_by="marta"))
    cancelled = edit_interaction(marta.id, {"status": "cancelled"}, actor=world.admin)
    users = {user.username: user for user in list_users()}

    shared = vevent_of(pool, users=users, lang="es")
    assert shared.decoded("DURATION") == timedelta(minutes=30)
    assert "DTEND" not in shared
    assert str(shared["SUMMARY"]) == "Reunión"  # no subject: the type
    assert str(shared["STATUS"]) == "TENTATIVE"  # nobody has taken it yet
    assert "DESCRIPTION" not in shared and "ATTENDEE" not in shared

    gone = vevent_of(cancelled, users=users)
    assert str(gone["STATUS"]) == "CANCELLED"
    assert "ORGANIZER" not in gone and "ATTENDEE" not in gone


def test_occurrences_are_events_related_to_their_series(world: World) -> None:
    series = create_event(event(recurrence="cada lunes, 3 veces"))
    events = [read_back(record) for record in series]

    assert [vevent.decoded("DTSTART") for vevent in events] == [
        START + timedelta(days=7 * week) for week in range(3)
    ]
    assert {str(vevent["RELATED-TO"]) for vevent in events} == {series_uid_of(series[0].id)}
    assert len({str(vevent["UID"]) for vevent in events}) == 3
    assert all("RRULE" not in vevent for vevent in events)


def test_the_head_and_the_end_make_a_calendar() -> None:
    calendar = Calendar.from_ical(calendar_head() + CALENDAR_END)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == "crm-tui"
    assert list(calendar.walk("VEVENT")) == []


LONG_MIXED = "añ€😀" * 1_250  # 5,000 characters of 2, 3 and 4 bytes


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("[@click=app.quit]x[/]", "[@click=app.quit]x[/]"),  # markup: only text here
        ("=1+1", "=1+1"),  # a formula in a spreadsheet: only text here
        ("Cita 👩🏽‍💻 🎉", "Cita 👩🏽‍💻 🎉"),
        ("اجتماع مع العميل \u202eabc", "اجتماع مع العميل \u202eabc"),  # right to left
        ("título\x1b]52;c;aGk=\x07 y\x1b[2J fin\x9b", "título]52;c;aGk= y[2J fin"),
        (LONG_MIXED, LONG_MIXED),
    ],
)
def test_hostile_subjects_arrive_as_text(world: World, subject: str, expected: str) -> None:
    [stored] = create_event(event())
    data = vevent_of(replace(stored, subject=subject)).to_ical()

    lines = data.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)  # folded as RFC 5545 asks
    for line in lines:
        line.decode("utf-8")  # never cut inside a character
    assert b"\x1b" not in data and b"\x07" not in data and "\x9b".encode() not in data
    assert str(Event.from_ical(data)["SUMMARY"]) == expected
