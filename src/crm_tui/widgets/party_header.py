"""The few lines at the top of an opportunity's timeline and of a
contact's screen: who and what the list below is about.

Names, codes, phones and stages are user data: every piece goes through
`safe` and is assembled as Content, never parsed as markup. The credit
hold reads without colour too (a word and a sign, as the help articles
describe: a warning sign when held, a check mark when not).
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.content import Content
from textual.widgets import Static

from crm_tui.formatting import format_money, stage_label
from crm_tui.i18n import language, register, t
from crm_tui.services.records import ContactRecord, OpportunityRecord
from crm_tui.widgets import safe

register(
    {
        "ui.party.stage": ("Stage", "Etapa"),
        "ui.party.value": ("Value", "Importe"),
        "ui.party.owner": ("Owner", "Propietario"),
        "ui.party.contact": ("Contact", "Cliente"),
        "ui.party.phone": ("Phone", "Tel."),
        "ui.party.email": ("E-mail", "Correo"),
        "ui.party.no_owner": ("nobody", "nadie"),
        "ui.party.credit_hold": ("⚠ CREDIT HOLD", "⚠ RETENCIÓN DE CRÉDITO"),
        "ui.party.credit_ok": ("✓ No credit hold", "✓ Sin retención de crédito"),
    }
)

SEPARATOR = (" · ", "$text-muted")
LABEL_STYLE = "$text-muted"


def credit_hold_badge(credit_hold: bool) -> Content:
    """`⚠ CREDIT HOLD` (stands out) or `✓ No credit hold` (quiet)."""
    if credit_hold:
        return Content.styled(t("ui.party.credit_hold"), "bold $text-error")
    return Content.styled(t("ui.party.credit_ok"), "$text-success")


def _labelled(label_id: str, value: Content) -> Content:
    return Content.assemble((f"{t(label_id)} ", LABEL_STYLE), value)


def _line(parts: Iterable[Content]) -> Content:
    """The parts that have text, separated by a middle dot."""
    shown = [part for part in parts if part.plain.strip()]
    return Content.assemble(*_joined(shown))


def _joined(parts: list[Content]) -> list[Content | tuple[str, str]]:
    joined: list[Content | tuple[str, str]] = []
    for number, part in enumerate(parts):
        if number:
            joined.append(SEPARATOR)
        joined.append(part)
    return joined


def _owner(username: str | None) -> Content:
    if username is None:
        return Content.styled(t("ui.party.no_owner"), "italic")
    return safe.plain_line(username)


def _title(name: str, code: str, extra: str = "") -> Content:
    return _line(
        [
            safe.plain_line(name, "bold"),
            safe.plain_line(code, "$text-accent"),
            safe.plain_line(extra),
        ]
    )


def _phone(contact: ContactRecord) -> Content:
    if not contact.phone.strip():
        return Content("")
    return _labelled("ui.party.phone", safe.plain_line(contact.phone))


def opportunity_summary(opportunity: OpportunityRecord, contact: ContactRecord) -> Content:
    """Title and code; stage, value and owner; the credit hold, then the
    contact with its phone. The hold leads its line, so a narrow terminal
    wraps what follows it, never the warning itself."""
    stage = stage_label(opportunity.stage)
    if opportunity.sub_stage.strip():
        stage = f"{stage} ({opportunity.sub_stage})"
    facts = _line(
        [
            _labelled("ui.party.stage", safe.plain_line(stage)),
            _labelled("ui.party.value", Content(format_money(opportunity.value, language()))),
            _labelled("ui.party.owner", _owner(opportunity.owner)),
        ]
    )
    who = _line(
        [
            credit_hold_badge(contact.credit_hold),
            _labelled("ui.party.contact", safe.plain_line(contact.name, "bold")),
            safe.plain_line(contact.code, "$text-accent"),
            _phone(contact),
        ]
    )
    return Content("\n").join([_title(opportunity.title, opportunity.code), facts, who])


def contact_summary(contact: ContactRecord) -> Content:
    """Name, code and company; credit hold, phone, e-mail and owner."""
    email = contact.email.strip()
    facts = _line(
        [
            credit_hold_badge(contact.credit_hold),
            _phone(contact),
            _labelled("ui.party.email", safe.plain_line(email)) if email else Content(""),
            _labelled("ui.party.owner", _owner(contact.owner)),
        ]
    )
    return Content("\n").join([_title(contact.name, contact.code, contact.company), facts])


class PartyHeader(Static):
    """What the screen is about, above its list; says "Loading…" until the
    first answer comes."""

    DEFAULT_CSS = """
    PartyHeader {
        height: auto;
        padding: 0 1;
        background: $boost;
        border-bottom: solid $primary-muted;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Content(t("ui.status.loading")), id=id)

    def show_opportunity(self, opportunity: OpportunityRecord, contact: ContactRecord) -> None:
        self.update(opportunity_summary(opportunity, contact))

    def show_contact(self, contact: ContactRecord) -> None:
        self.update(contact_summary(contact))
