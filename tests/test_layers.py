"""Layering rules, checked in a fresh interpreter.

The store, the services and the command line must work without the UI:
nothing under `crm_tui.store` or `crm_tui.services`, nor `crm_tui.cli`, may
import Textual. And `crm_tui.cli` must import the heavy exporters (openpyxl,
xlwt, icalendar) only when an export or import actually needs them, so that
`crm-tui log` from a dialer starts fast.

Each check runs in a subprocess so that modules imported by other tests in
this process cannot hide or fake a violation.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

# Runs in the child interpreter. argv[1] is a JSON object:
#   watched: top-level module names that must not be imported
#   modules: modules to import
#   walk:    subpackages of crm_tui whose every module is imported too
# A meta-path hook records the import chain that first reached each watched
# module, so a failure says which of our modules pulled it in.
PROBE = textwrap.dedent(
    """
    import importlib
    import importlib.util
    import json
    import os
    import pkgutil
    import sys
    import traceback

    config = json.loads(sys.argv[1])
    watched = set(config["watched"])
    first_chain = {}


    class Watch:
        def find_spec(self, name, path=None, target=None):
            top = name.partition(".")[0]
            if top in watched and top not in first_chain:
                frames = [
                    frame
                    for frame in traceback.extract_stack()[:-1]
                    if not frame.filename.startswith("<frozen")
                ]
                first_chain[top] = "".join(traceback.format_list(frames))
            return None


    sys.meta_path.insert(0, Watch())

    spec = importlib.util.find_spec("crm_tui")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("crm_tui is not importable: is the package installed?")
    roots = list(spec.submodule_search_locations)


    def walk_error(name):
        raise ImportError(f"cannot import {name} while walking the package")


    names = list(config["modules"])
    for sub in config["walk"]:
        names.append(f"crm_tui.{sub}")
        paths = [os.path.join(root, sub) for root in roots]
        for info in pkgutil.walk_packages(paths, prefix=f"crm_tui.{sub}.", onerror=walk_error):
            names.append(info.name)

    imported = []
    for name in dict.fromkeys(names):
        importlib.import_module(name)
        imported.append(name)

    offending = {}
    for top in sorted(watched):
        loaded = sorted(m for m in sys.modules if m == top or m.startswith(top + "."))
        if loaded:
            offending[top] = {"modules": loaded, "first_import": first_chain.get(top, "")}

    print(json.dumps({"origin": spec.origin, "imported": imported, "offending": offending}))
    """
)


def run_probe(watched: list[str], modules: list[str], walk: list[str]) -> dict:
    config = json.dumps({"watched": watched, "modules": modules, "walk": walk})
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, config],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, (
        f"the import probe failed (exit {proc.returncode}):\n{proc.stderr}{proc.stdout}"
    )
    result: dict = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def describe(offending: dict) -> str:
    parts = []
    for top, found in offending.items():
        shown = ", ".join(found["modules"][:15])
        more = len(found["modules"]) - 15
        if more > 0:
            shown += f", ... ({more} more)"
        parts.append(f"{top} was imported: {shown}\nfirst imported from:\n{found['first_import']}")
    return "\n".join(parts)


def test_store_services_and_cli_do_not_import_textual() -> None:
    result = run_probe(
        watched=["textual"],
        modules=["crm_tui.services", "crm_tui.store", "crm_tui.cli"],
        walk=["services", "store"],
    )
    imported = result["imported"]
    assert "crm_tui.cli" in imported
    assert any(name.startswith("crm_tui.store.") for name in imported), imported
    assert any(name.startswith("crm_tui.services.") for name in imported), imported
    assert not result["offending"], (
        "the store, the services and the CLI must not import Textual\n"
        + describe(result["offending"])
    )


def test_cli_imports_exporters_lazily() -> None:
    result = run_probe(
        watched=["openpyxl", "xlwt", "icalendar"],
        modules=["crm_tui.cli"],
        walk=[],
    )
    assert not result["offending"], (
        "`import crm_tui.cli` must not import the exporters; import them inside "
        "the function that writes or reads the file\n" + describe(result["offending"])
    )
