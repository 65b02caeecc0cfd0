"""The subcommands of `crm-tui`, one module per group. Each module has a
`register(commands)` that declares its parser and the function that runs
it; `crm_tui.cli` builds the parser from the module of the command given
(from all of them for the help) and handles every error.

Nothing here imports Textual, and the exporters, the importer and the demo
builder are imported inside the command that needs them, so that
`crm-tui log` from a dialer starts fast."""
