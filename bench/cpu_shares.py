"""Where a measured stretch's CPU went: cores used by each kind of process on the machine.

    before = cpu_shares.snapshot()
    ...                                   # the load
    used = cpu_shares.cores(before, cpu_shares.snapshot())   # {"web": 0.93, "postgres (worker)": 0.41, …}

Reads /proc: each process's utime + stime and the machine's busy time. Processes are grouped by what
they are (the app server, the Celery worker, PostgreSQL backends split by the application_name their
client set — PGAPPNAME, which the suite gives the app and the worker —, Redis, the feed farm, nginx, the
open-loop client, this script). A process that started and ended inside the stretch (the compiled
client, psql calls) is not seen by either snapshot: its time is in "other", the machine's busy time
less every group. Linux only; elsewhere snapshot() is empty and cores() returns {}.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import harness

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
PROC = Path("/proc")


@dataclass
class Snapshot:
    at: float
    busy: int  # the machine's non-idle ticks, all cores
    ticks: dict[int, tuple[str, int]] = field(default_factory=dict)  # pid → (group, utime + stime)


def _pg_roles() -> dict[int, str]:
    """PostgreSQL backend pid → the application_name its client set (empty for none)."""
    sql = "SELECT pid || '|' || application_name FROM pg_stat_activity WHERE backend_type = 'client backend'"
    try:
        out = harness.psql(sql, db="postgres", capture=True)
    except (OSError, subprocess.SubprocessError):
        return {}
    roles = {}
    for line in out.splitlines():
        pid, _, name = line.partition("|")
        if pid.isdigit():
            roles[int(pid)] = name
    return roles


def _group(pid: int, comm: str, cmdline: str, roles: dict[int, str]) -> str:
    if pid == os.getpid():
        return "bench script"
    if comm == "postgres" or cmdline.startswith("postgres"):
        role = roles.get(pid, "")
        if role.startswith("microhost-worker"):
            return "postgres (worker)"
        if role.startswith("microhost-web"):
            return "postgres (web)"
        return "postgres (other)"
    for needle, group in (
        ("redis-server", "redis"),
        ("celery", "worker"),
        ("granian", "web"),
        ("gunicorn", "web"),
        ("--farm", "feed farm"),
        ("nginx", "nginx"),
        ("openloop", "open-loop client"),
        ("wrk", "wrk"),
    ):
        if needle in cmdline or needle in comm:
            return group
    return "other"


def _machine_busy() -> int:
    fields = [int(v) for v in (PROC / "stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields[:8]) - idle  # user … softirq, steal; guest time is already in user


def snapshot() -> Snapshot | None:
    if not (PROC / "stat").exists():
        return None
    roles = _pg_roles()
    snap = Snapshot(at=time.monotonic(), busy=_machine_busy())
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        rest = stat[stat.rindex(")") + 2 :].split()
        ticks = int(rest[11]) + int(rest[12])  # utime, stime (fields 14 and 15 of stat)
        pid = int(entry.name)
        snap.ticks[pid] = (_group(pid, comm, cmdline, roles), ticks)
    return snap


def cores(before: Snapshot | None, after: Snapshot | None) -> dict[str, float]:
    """Cores used by each group between the two snapshots (1.0 = one core busy the whole time), and
    "other" for the machine's busy time no group accounts for."""
    if before is None or after is None:
        return {}
    seconds = max(after.at - before.at, 1e-9)
    used: dict[str, float] = {}
    for pid, (group, ticks) in after.ticks.items():
        start = before.ticks.get(pid, (group, 0))[1] if pid in before.ticks else 0
        used[group] = used.get(group, 0.0) + (ticks - start) / TICKS / seconds
    total = (after.busy - before.busy) / TICKS / seconds
    used["other"] = used.get("other", 0.0) + max(0.0, total - sum(used.values()))
    used["machine"] = total
    return used


def line(used: dict[str, float]) -> str:
    """The groups worth naming, biggest first: 'web 0.93, postgres (worker) 0.41, …'."""
    parts = [f"{g} {c:.2f}" for g, c in sorted(used.items(), key=lambda kv: -kv[1]) if g != "machine"]
    return ", ".join(p for p in parts if not p.endswith(" 0.00")) + f" (machine {used.get('machine', 0):.2f})"


def medians(stretches: list[dict[str, float]]) -> dict[str, float]:
    """Each group's median over several stretches (0 where a stretch did not see it)."""
    groups = {g for used in stretches for g in used}
    return {g: statistics.median(used.get(g, 0.0) for used in stretches) for g in groups} if stretches else {}


# ---- steal: the CPU the hypervisor gave to other guests ----------------------------------------------
# A virtual machine's /proc/stat counts, in its eighth column, the ticks its cores were ready to run
# but the host ran someone else. With steal, every timing of a run is slowed by the neighbours, not
# by what is measured (session 9 saw 39-81 % with the machine idle, nginx at a quarter of its usual
# rate); the suite reports it with each scenario and warns above STEAL_WARNING.
STEAL_WARNING = 5.0  # percent


def cpu_counters(stat_text: str | None = None) -> tuple[int, int]:
    """(steal ticks, all ticks) of the machine's `cpu` line, from /proc/stat or `stat_text`."""
    if stat_text is None:
        stat_path = PROC / "stat"
        if not stat_path.exists():
            return 0, 0
        stat_text = stat_path.read_text()
    fields = [int(v) for v in stat_text.split("\n", 1)[0].split()[1:9]]
    fields += [0] * (8 - len(fields))
    return fields[7], sum(fields)


def steal_percent(before: tuple[int, int], after: tuple[int, int]) -> float:
    """The share of the machine's time between two cpu_counters() the host took away, in percent."""
    total = after[1] - before[1]
    return 100.0 * (after[0] - before[0]) / total if total > 0 else 0.0


def steal_line(before: tuple[int, int], after: tuple[int, int]) -> str:
    """What a report says of it: the figure, and a warning when the run's timings cannot be trusted."""
    percent = steal_percent(before, after)
    line = f"CPU steal during the scenario (the host running other guests): {percent:.1f} %."
    if percent > STEAL_WARNING:
        line += " **Above 5 %: this run's timings measure the host's other guests too; do not compare them.**"
    return line
