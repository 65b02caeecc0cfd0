"""Reusable widgets, one module each; `safe` turns user text into what
Textual and Rich draw without ever reading it as markup."""
