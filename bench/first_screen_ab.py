"""Compare the first screen of two (or more) source trees, and of the bare
Textual app, on one database: each round starts one process per tree and
one of the bare app, in turn, so that a machine that speeds up or slows
down meanwhile weighs on all of them alike. Prints the median and the
first quartile of each, and the median's ratio to the bare app's.

    git worktree add --detach /tmp/before HEAD~1
    .venv/bin/python bench/first_screen_ab.py bench/cache/sqlite-1m.db \\
        OPP-052170 iker.urrutia /tmp/before/src src --rounds 15

A tree is a `src` folder: it goes first on the started process's
PYTHONPATH, ahead of the installed package. Times are as `make bench`
takes them (`run.measure_start`): from starting the process to the first
frame with the screen pop's rows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import run  # bench/run.py, beside this file

BARE = "bare Textual"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", help="a path or a postgresql:// URL")
    parser.add_argument("opportunity", help="the screen pop's code")
    parser.add_argument("user", help="who starts the app")
    parser.add_argument("trees", nargs="+", help="src folders to compare")
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds (after one warm-up)")
    args = parser.parse_args()
    trees = [str(Path(tree).resolve()) for tree in args.trees]
    starts: dict[str, list[float]] = {name: [] for name in (*trees, BARE)}
    for round_number in range(args.rounds + 1):
        for tree in trees:
            os.environ["PYTHONPATH"] = tree
            task = {
                "kind": "start",
                "location": args.database,
                "user": args.user,
                "opportunity": args.opportunity,
                "spawned_at": time.time(),
            }
            started = run.in_fresh_process(task)
            if round_number:  # the first round fills the file cache
                starts[tree].append(started["process_ms"])
        os.environ.pop("PYTHONPATH", None)
        bare = run.in_fresh_process({"kind": "bare", "spawned_at": time.time()})
        if round_number:
            starts[BARE].append(bare["process_ms"])
    bare_median = statistics.median(starts[BARE])
    for name, times in starts.items():
        median = statistics.median(times)
        first_quartile = statistics.quantiles(times, n=4)[0] if len(times) > 1 else median
        print(
            f"{name:40s} median {median:6.1f} ms  first quartile {first_quartile:6.1f} ms"
            f"  {median / bare_median:.2f}x bare"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
