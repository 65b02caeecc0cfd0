"""In which stages an opportunity shows its activities (its interactions
and upcoming events): the seeds' "Actividades" tab is visible only in the
sub-states it is configured for, and only to roles with
see-activities-opportunity-tab.

The stages are one global Setting, `activities_stages`: a JSON list of
stage codes; none (or an empty list) means every stage, which is how a new
database starts. Changing it needs manage-settings, and each change is in
the history: who, when, and the stages before and after."""

from __future__ import annotations

import json
from collections.abc import Iterable

from crm_tui.i18n import register
from crm_tui.services import history
from crm_tui.services.contacts import STAGE
from crm_tui.services.permissions import MANAGE_SETTINGS, requires
from crm_tui.services.records import UserRecord
from crm_tui.store.db import current, engine_of, writes
from crm_tui.store.models import Setting

register(
    {
        "field.activities_stages": ("stages", "etapas"),
    }
)

SETTING_KEY = "activities_stages"
# Any fixed number: the PostgreSQL advisory lock that serialises changes,
# so that the "before" each change records is what it replaced.
_STAGES_LOCK = 727303


def activities_stages() -> frozenset[str]:
    """The stages whose opportunities show their activities; empty: every
    stage. Codes this program does not know (a newer one wrote them) are
    left out; an unreadable value counts as unset."""
    row = Setting.get_or_none((Setting.scope == "") & (Setting.key == SETTING_KEY))
    if row is None:
        return frozenset()
    try:
        codes = json.loads(row.value)
    except ValueError:
        return frozenset()
    if not isinstance(codes, list):
        return frozenset()
    return frozenset(code for code in codes if isinstance(code, str) and code in STAGE)


def shows_activities(stage: str, stages: frozenset[str]) -> bool:
    """Whether an opportunity in `stage` shows its activities under `stages`."""
    return not stages or stage in stages


@requires(MANAGE_SETTINGS)
@writes
def set_activities_stages(stages: Iterable[str], *, actor: UserRecord) -> frozenset[str]:
    """Show the activities only in `stages` (codes or labels in either
    language; none: every stage). An unknown stage: ValidationError naming
    the choices, nothing changed. A change is recorded in the history
    (details: the stage codes `from` and `to`, none meaning every stage);
    choosing what is already set records nothing."""
    codes = frozenset(STAGE.parse(stage, SETTING_KEY) for stage in stages if stage.strip())
    if engine_of(current()) == "postgres":
        # SQLite's IMMEDIATE transaction lets one change in at a time; on
        # PostgreSQL two admins would both read the same "before".
        current().execute_sql("SELECT pg_advisory_xact_lock(%s)", (_STAGES_LOCK,))
    before = activities_stages()
    Setting.insert(scope="", key=SETTING_KEY, value=json.dumps(sorted(codes))).on_conflict(
        conflict_target=[Setting.scope, Setting.key], preserve=[Setting.value]
    ).execute()
    if codes != before:
        history.record(
            history.ACTIVITIES_STAGES_CHANGED,
            actor_id=actor.id,
            details={"from": _in_order(before), "to": _in_order(codes)},
        )
    return codes


def _in_order(codes: frozenset[str]) -> list[str]:
    """Stage codes in the stages' own order (new … lost), as people read them."""
    return [code for code in STAGE.codes if code in codes]
