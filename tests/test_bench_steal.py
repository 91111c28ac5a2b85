"""bench/cpu_shares.py's steal figure: the share of the machine's time the hypervisor ran other guests,
read from /proc/stat's eighth `cpu` column, and the warning a scenario's report carries above 5 %."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import cpu_shares  # noqa: E402  (bench/ is a folder of scripts, not a package)

#          user nice system idle iowait irq softirq steal guest guest_nice
BEFORE = "cpu  1000 0 200 5000 100 0 10 90 0 0\ncpu0 500 0 100 2500 50 0 5 45 0 0\n"
AFTER = "cpu  1600 0 300 5300 100 0 10 690 0 0\ncpu0 800 0 150 2650 50 0 5 345 0 0\n"


def test_steal_is_the_hosts_share_of_the_machines_time():
    before, after = cpu_shares.cpu_counters(BEFORE), cpu_shares.cpu_counters(AFTER)

    assert before == (90, 6400)
    assert cpu_shares.steal_percent(before, after) == 600 * 100 / 1600  # 37.5 %


def test_a_report_warns_above_five_percent_and_not_below():
    quiet = cpu_shares.steal_line((0, 0), (4, 100))
    stolen = cpu_shares.steal_line((0, 0), (6, 100))

    assert "4.0 %" in quiet and "do not compare" not in quiet
    assert "6.0 %" in stolen and "do not compare" in stolen


def test_this_machines_counters_can_be_read():
    steal, total = cpu_shares.cpu_counters()

    assert total >= steal >= 0
    assert total > 0 or not Path("/proc/stat").exists()
