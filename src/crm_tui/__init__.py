"""crm-tui: a keyboard-first terminal CRM.

Kept nearly import-free on purpose: the CLI and the services must not pay
for the UI (Textual) or the exporters (openpyxl, xlwt) when they do not use
them. It imports peewee, which everything in the package uses, so that it
can import it without the PostgreSQL driver (see `_peewee_without_psycopg2`).
"""

import sys
import time

STARTED_AT = time.perf_counter()
__version__ = "0.1.0"


def _peewee_without_psycopg2() -> None:
    """Import peewee without psycopg2: peewee imports the driver at its
    own import when it is installed (about 10 ms and 3 MB), though most
    databases are SQLite files. `store.db` hands the driver to peewee when
    a PostgreSQL database is opened. Nothing to do when either is already
    imported (a program that uses psycopg2 itself)."""
    if "peewee" in sys.modules or "psycopg2" in sys.modules:
        return
    sys.modules["psycopg2"] = None  # type: ignore[assignment]  # makes `import psycopg2` fail
    try:
        import peewee  # noqa: F401
    finally:
        del sys.modules["psycopg2"]


_peewee_without_psycopg2()
