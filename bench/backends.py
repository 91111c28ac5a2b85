"""Run one bench script once per database backend, each in a child process of its own (settings are
read from the environment at start-up): SQLite always, PostgreSQL when DATABASE_URL points at it."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable


def main(script: str, description: str, run_child: Callable[[str, bool], None]) -> None:
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="fewer requests (smoke run)")
    args = parser.parse_args()
    if args.child:
        run_child(args.child, args.quick)
        return
    backends = {"sqlite": {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}}
    if os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql")):
        backends["postgresql"] = dict(os.environ)
    else:
        print("DATABASE_URL is not a postgres:// URL: measuring SQLite only.")
    extra = ["--quick"] if args.quick else []
    for backend, env in backends.items():
        subprocess.run([sys.executable, script, "--child", backend, *extra], env=env, check=True)  # noqa: S603
