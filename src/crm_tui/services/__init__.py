"""Domain operations. Plain dataclasses in and out; no Textual here (a test
proves it), so the CLI, scripts and the TUI share one set of rules."""
