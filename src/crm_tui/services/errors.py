"""Errors that a person reads: each carries a message id and its values,
rendered in the current language when shown (CLI stderr, a toast, a form)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field

from crm_tui.i18n import t


class CrmError(Exception):
    """Base of every error meant for a user rather than a traceback."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def message(self, lang: str | None = None) -> str:
        params = {
            name: t(value.key, lang) if isinstance(value, FieldName) else value
            for name, value in self.params.items()
        }
        return t(self.key, lang, **params)

    def __str__(self) -> str:
        return self.message()


@dataclass(frozen=True)
class FieldName:
    """A field's name, translated when the message is rendered."""

    key: str


@dataclass
class FieldError:
    field: str
    key: str
    params: dict[str, object] = dataclass_field(default_factory=dict)

    def message(self, lang: str | None = None) -> str:
        return CrmError(self.key, **self.params).message(lang)


class ValidationError(CrmError):
    """One or more fields are wrong; `errors` lists each with its field,
    so a form can show every message next to its own field."""

    def __init__(self, errors: list[FieldError]) -> None:
        first = errors[0]
        super().__init__(first.key, **first.params)
        self.errors = errors

    @classmethod
    def single(cls, field_id: str, key: str, **params: object) -> ValidationError:
        return cls([FieldError(field_id, key, params)])

    def message(self, lang: str | None = None) -> str:
        return "; ".join(error.message(lang) for error in self.errors)

    def for_field(self, field_id: str) -> list[str]:
        return [error.message() for error in self.errors if error.field == field_id]


class NotFound(CrmError):
    pass


class PermissionDenied(CrmError):
    pass


class Conflict(CrmError):
    """Someone else changed the record since it was read."""


class DatabaseBusy(CrmError):
    def __init__(self) -> None:
        super().__init__("error.database_busy")


class StoreError(CrmError):
    """The database cannot be opened or used as it is (missing, too new)."""
