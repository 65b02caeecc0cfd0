"""crm-tui: a keyboard-first terminal CRM.

Kept import-free on purpose: the CLI and the services must not pay for the
UI (Textual) or the exporters (openpyxl, xlwt) when they do not use them.
"""

import time

STARTED_AT = time.perf_counter()
__version__ = "0.1.0"
