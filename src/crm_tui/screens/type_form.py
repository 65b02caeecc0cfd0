"""The form of one interaction type: code, Spanish and English labels,
channel, colour and glyph, with a preview of the type as lists show it,
following what is typed. The code of a type in use cannot change, so its
input is read-only and says why."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

from textual.content import Content
from textual.widgets import Input, Label, Select

from crm_tui.formatting import textual_colour, type_colour
from crm_tui.i18n import language, register, t
from crm_tui.screens.settings import FormValues, SettingsForm
from crm_tui.services.records import TypeRecord, UserRecord
from crm_tui.services.types import TypeInput, TypeUsage, create_type, update_type
from crm_tui.services.vocab import CHANNEL
from crm_tui.widgets import safe
from crm_tui.widgets.form_field import FormField

register(
    {
        "ui.type_form.title_new": ("New interaction type", "Nuevo tipo de interacción"),
        "ui.type_form.title_edit": ("Interaction type {code}", "Tipo de interacción {code}"),
        "ui.type_form.code": ("Code", "Código"),
        "ui.type_form.label_es": ("Spanish", "Español"),
        "ui.type_form.label_en": ("English", "Inglés"),
        "ui.type_form.channel": ("Channel", "Canal"),
        "ui.type_form.colour": ("Colour", "Color"),
        "ui.type_form.glyph": ("Glyph", "Símbolo"),
        "ui.type_form.choose_channel": ("choose a channel", "elija un canal"),
        "ui.type_form.code_placeholder": ("e.g. whatsapp", "p. ej. whatsapp"),
        "ui.type_form.colour_placeholder": (
            "green, bright_blue, #ff8800",
            "green, bright_blue, #ff8800",
        ),
        "ui.type_form.glyph_placeholder": ("1 or 2 cells", "1 o 2 celdas"),
        "ui.type_form.code_fixed": ("in use: fixed", "en uso: fijo"),
    }
)


def type_preview(values: FormValues, lang: str) -> tuple[str, str]:
    """What lists would show for these values (glyph and label) and its
    colour, as Textual spells it; an unknown colour previews as the
    channel's own, which the service refuses on saving."""
    label = values.get("type_label_es" if lang == "es" else "type_label_en", "")
    text = f"{values.get('type_glyph', '').strip()} {label.strip()}".strip()
    colour = type_colour(values.get("type_channel", ""), values.get("type_colour", ""))
    return text, textual_colour(colour)


class TypeForm(SettingsForm[TypeRecord]):
    """A new type (`usage` None) or one to edit."""

    DEFAULT_CSS = """
    TypeForm #type_glyph {
        width: 12;
    }
    TypeForm #type_code {
        width: 34;
    }
    TypeForm #type_colour {
        width: 30;
    }
    """

    def __init__(self, actor: UserRecord, usage: TypeUsage | None = None) -> None:
        title = (
            t("ui.type_form.title_new")
            if usage is None
            else t("ui.type_form.title_edit", code=usage.type.code)
        )
        super().__init__(title)
        self.actor = actor
        self.usage = usage

    def fields(self) -> Iterator[FormField]:
        lang = language()
        kind = self.usage.type if self.usage is not None else None
        in_use = self.usage is not None and self.usage.in_use

        def text(name: str, value: str, placeholder: str = "") -> Input:
            return Input(value, placeholder=placeholder, compact=True, id=name)

        code = text("type_code", kind.code if kind else "", t("ui.type_form.code_placeholder"))
        code.disabled = in_use
        yield FormField(
            t("ui.type_form.code"),
            code,
            aside=Label(t("ui.type_form.code_fixed")) if in_use else None,
        )
        yield FormField(
            t("ui.type_form.label_es"), text("type_label_es", kind.label_es if kind else "")
        )
        yield FormField(
            t("ui.type_form.label_en"), text("type_label_en", kind.label_en if kind else "")
        )
        channel: Select[str] = Select(
            [(safe.plain_line(CHANNEL.label(code, lang)), code) for code in CHANNEL.codes],
            prompt=t("ui.type_form.choose_channel"),
            value=kind.channel if kind and kind.channel in CHANNEL else Select.NULL,
            compact=True,
            id="type_channel",
        )
        yield FormField(t("ui.type_form.channel"), channel)
        yield FormField(
            t("ui.type_form.colour"),
            text("type_colour", kind.colour if kind else "", t("ui.type_form.colour_placeholder")),
            aside=Label(id="type-preview"),
        )
        yield FormField(
            t("ui.type_form.glyph"),
            text("type_glyph", kind.glyph if kind else "", t("ui.type_form.glyph_placeholder")),
        )

    def on_mount(self) -> None:
        super().on_mount()
        self.value_changed("", self.values())

    def value_changed(self, name: str, values: FormValues) -> None:
        text, colour = type_preview(values, language())
        preview = self.query_one("#type-preview", Label)
        preview.update(Content.assemble("→ ", safe.plain_line(text, f"bold {colour}")))

    def save_call(self, values: FormValues) -> Callable[[], TypeRecord]:
        data = TypeInput(
            code=values["type_code"],
            label_es=values["type_label_es"],
            label_en=values["type_label_en"],
            channel=values["type_channel"],
            colour=values["type_colour"],
            glyph=values["type_glyph"],
        )
        if self.usage is None:
            return partial(create_type, data, actor=self.actor)
        return partial(update_type, self.usage.id, data, actor=self.actor)
