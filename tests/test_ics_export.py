""".ics export of the scheduled events among some interactions: the file is
read back with the icalendar package and every event compared with its
interaction in the database, field by field; what is not an event is left
out; hostile text arrives without its control characters; a series keeps
its relation across the listing's pages; memory does not grow with the
number of events."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import tracemalloc
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event

from crm_tui.exchange.ics_export import write_events
from crm_tui.services.event_series import create_event, series_uid_of
from crm_tui.services.interactions import create_interaction, edit_interaction
from crm_tui.services.listing import get_interaction, iter_interactions
from crm_tui.services.records import InteractionRecord, UserRecord
from crm_tui.services.text import clean_text
from crm_tui.services.users import list_users
from crm_tui.store.models import User

from .conftest import World
from .test_ics_format import START, event

PAST = datetime(2020, 5, 6, 9, 30)
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def read_events(path: Path) -> dict[str, Event]:
    """The file's events by UID (the file must parse as one calendar)."""
    calendar = Calendar.from_ical(path.read_bytes())
    return {str(vevent["UID"]): vevent for vevent in calendar.walk("VEVENT")}


def address(user: UserRecord) -> str:
    return f"mailto:{user.email}"


def assert_event_is(
    vevent: Event, record: InteractionRecord, people: Mapping[str, UserRecord]
) -> None:
    """Every field of the event against the interaction it comes from."""
    assert str(vevent["UID"]) == record.uid
    start = record.starts_at or record.due_at
    assert vevent.decoded("DTSTART") == start
    if record.ends_at is not None:
        assert vevent.decoded("DTEND") == record.ends_at
        assert "DURATION" not in vevent
    else:
        assert vevent.decoded("DURATION") == timedelta(minutes=30)
        assert "DTEND" not in vevent
    assert vevent.decoded("DTSTAMP") == record.updated_at.astimezone(UTC)
    assert vevent.decoded("CREATED") == record.created_at.astimezone(UTC)
    assert str(vevent["SUMMARY"]) == (record.subject or record.type.label("en"))
    assert str(vevent.get("DESCRIPTION", "")) == record.note
    assert str(vevent.get("LOCATION", "")) == record.location
    if record.status == "cancelled":
        assert str(vevent["STATUS"]) == "CANCELLED"
    elif record.user is None and record.is_open:
        assert str(vevent["STATUS"]) == "TENTATIVE"  # in the pool: nobody took it yet
    else:
        assert str(vevent["STATUS"]) == "CONFIRMED"
    categories = [str(c) for c in vevent["CATEGORIES"].cats]
    assert categories == [record.type.label("en"), *record.tags]
    assert ("CLASS" in vevent) == record.internal
    if record.internal:
        assert str(vevent["CLASS"]) == "PRIVATE"
    creator = people[record.created_by]
    if creator.email:
        assert str(vevent["ORGANIZER"]) == address(creator)
        assert vevent["ORGANIZER"].params["CN"] == creator.display_name
    else:
        assert "ORGANIZER" not in vevent
    responsible = people.get(record.user or "")
    if responsible is not None and responsible.email:
        assert str(vevent["ATTENDEE"]) == address(responsible)
        assert vevent["ATTENDEE"].params["CN"] == responsible.display_name
    else:
        assert "ATTENDEE" not in vevent
    assert str(vevent["X-CRM-CONTACT"]) == record.contact_code
    assert str(vevent.get("X-CRM-OPPORTUNITY", "")) == (record.opportunity_code or "")
    assert str(vevent.get("RELATED-TO", "")) == series_uid_of(record.id)
    assert "RRULE" not in vevent


def test_every_event_reads_back_as_the_database_holds_it(world: World, tmp_path: Path) -> None:
    [meeting] = create_event(event())
    [call] = create_event(event(type="call", user="marta", created_by="marta", ends_at=None))
    [pool] = create_event(event(user=None, pool=True, subject="", note="", location=""))
    [private] = create_event(event(internal=True, opportunity=None, tags=()))
    [to_cancel] = create_event(event(starts_at=START + timedelta(days=1), ends_at=None))
    edit_interaction(to_cancel.id, {"status": "cancelled"}, actor=world.admin)
    # Planned by its date alone (`log --at`): an event at its due time.
    planned = create_interaction(
        event(type="call", starts_at=None, ends_at=None, occurred_at=START)
    )
    series = create_event(event(recurrence="cada lunes, 3 veces"))
    logged = create_interaction(event(type="call", starts_at=None, ends_at=None, occurred_at=PAST))
    follow_up = create_interaction(
        event(starts_at=None, ends_at=None, occurred_at=PAST, follow_up_at=START)
    )
    # luis leaves after the fact: his address stays on the events he had.
    User.update(active=False).where(User.username == "luis").execute()

    path = tmp_path / "events.ics"
    written = write_events(path, iter_interactions())

    events = read_events(path)
    scheduled = [meeting, call, pool, private, to_cancel, planned, *series]
    assert written == len(scheduled) == len(events)
    assert set(events) == {record.uid for record in scheduled}
    assert logged.uid not in events and follow_up.uid not in events
    assert planned.kind == "scheduled" and planned.starts_at is None
    people = {user.username: user for user in list_users(active_only=False)}
    for record in scheduled:
        assert_event_is(events[record.uid], get_interaction(record.id), people)
    assert len({str(events[record.uid]["RELATED-TO"]) for record in series}) == 1
    assert str(events[private.uid]["CLASS"]) == "PRIVATE"
    assert str(events[pool.uid]["STATUS"]) == "TENTATIVE"
    assert str(events[to_cancel.uid]["STATUS"]) == "CANCELLED"
    assert "ATTENDEE" not in events[call.uid]  # marta has no address
    assert str(events[meeting.uid]["ATTENDEE"]) == "mailto:luis@example.com"  # inactive now


def test_a_file_without_events_is_still_a_calendar(world: World, tmp_path: Path) -> None:
    create_interaction(event(type="call", starts_at=None, ends_at=None, occurred_at=PAST))
    for name, records in (("none.ics", []), ("logged.ics", list(iter_interactions()))):
        path = tmp_path / name
        assert write_events(path, records) == 0
        data = path.read_bytes()
        assert data.startswith(b"BEGIN:VCALENDAR\r\n")
        assert data.endswith(b"END:VCALENDAR\r\n")
        calendar = Calendar.from_ical(data)
        assert str(calendar["VERSION"]) == "2.0"
        assert str(calendar["PRODID"]) == "-//crm-tui//crm-tui//EN"
        assert str(calendar["CALSCALE"]) == "GREGORIAN"
        assert str(calendar["X-WR-CALNAME"]) == "crm-tui"
        assert list(calendar.walk("VEVENT")) == []


def test_series_stay_related_across_the_listing_pages(world: World, tmp_path: Path) -> None:
    """Three series of 200 days each, listed 500 to a page: the file has
    every occurrence with its own series, wherever a page ends."""
    series = [
        create_event(
            event(
                subject=f"serie {n}",
                starts_at=START + timedelta(hours=n),
                ends_at=None,
                recurrence="every day, 200 times",
            )
        )
        for n in range(3)
    ]
    [single] = create_event(event(subject="una vez"))

    path = tmp_path / "events.ics"
    assert write_events(path, iter_interactions()) == 601
    events = read_events(path)
    for occurrences in series:
        related = {str(events[record.uid]["RELATED-TO"]) for record in occurrences}
        assert related == {series_uid_of(occurrences[0].id)}
    assert len({series_uid_of(occurrences[0].id) for occurrences in series}) == 3
    assert "RELATED-TO" not in events[single.uid]


# A record's text as a database written by hand, an import or an older
# version might hold it: the export cleans it whatever the store did.
any_text = st.one_of(
    st.text(),
    st.lists(st.text(), min_size=2, max_size=4).map("\r\n".join),
    st.sampled_from(
        [
            "\x1b]52;c;aGk=\x07",  # OSC 52: writes the clipboard
            "\x1b]0;título\x9c",  # OSC 0 ended by a C1 string terminator
            "[@click=app.quit]x[/]",
            '=HYPERLINK("http://x")',
            "\u202eabc \u2028 \x85 👩🏽‍💻",  # right-to-left override, line separators
        ]
    ),
)
hostile_settings = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@hostile_settings
@given(subject=any_text, note=any_text, location=any_text, tag=any_text)
def test_any_text_reads_back_without_its_control_characters(
    world: World, subject: str, note: str, location: str, tag: str
) -> None:
    stored = first_event()
    record = replace(stored, subject=subject, note=note, location=location, tags=(tag,))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hostile.ics"
        assert write_events(path, [record]) == 1
        data = path.read_bytes()
        [vevent] = read_events(path).values()

    assert_safely_folded(data)
    assert str(vevent["SUMMARY"]) == (clean_text(subject) or "Meeting")
    assert str(vevent.get("DESCRIPTION", "")) == clean_text(note)
    assert str(vevent.get("LOCATION", "")) == clean_text(location)
    assert [str(c) for c in vevent["CATEGORIES"].cats] == ["Meeting", clean_text(tag)]


def assert_safely_folded(data: bytes) -> None:
    """Lines of at most 75 octets (RFC 5545), each valid UTF-8 on its own
    (folding never splits a character), line breaks only CRLF, and no
    control character but tab anywhere."""
    lines = data.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    text = "".join(line.decode("utf-8") for line in lines)
    assert not CONTROL.search(text)


def first_event() -> InteractionRecord:
    """The one stored event, made on the first example of a run."""
    records = list(iter_interactions())
    if records:
        return records[0]
    return create_event(event())[0]


def test_memory_does_not_grow_with_the_number_of_events(world: World, tmp_path: Path) -> None:
    [stored] = create_event(event(note="Una nota de tamaño normal. " * 20))

    def peak_writing(count: int) -> int:
        records = (replace(stored, id=n, uid=f"uid-{n}") for n in range(count))
        tracemalloc.start()
        try:
            assert write_events(tmp_path / f"{count}.ics", records) == count
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak_writing(1)  # the first file imports icalendar: not part of the measure
    small, large = peak_writing(200), peak_writing(2_000)
    # Some 30 kB either way: what one event needs, never what they all do.
    assert large < small * 1.5


def test_the_module_imports_icalendar_only_when_writing() -> None:
    probe = (
        "import sys, crm_tui.exchange.ics_export; "
        "print(sorted(m for m in sys.modules if m.startswith('icalendar')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
