"""A/B rounds (each measurement once per round, in turn, so drift hits every side alike) and the charts."""

from __future__ import annotations

import statistics
from pathlib import Path


def alternate(runs: dict, rounds: int) -> dict[str, list[float]]:
    """Run each named measurement once per round, in turn (A/B/A/B…), so drift hits all sides alike."""
    results = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            results[name].append(run())
    return results


def median_ratio(a: list[float], b: list[float]) -> float:
    return statistics.median(x / y for x, y in zip(a, b, strict=True))


def bar_chart(
    path: Path,
    title: str,
    labels: list[str],
    series: dict[str, list[float]],
    targets: dict,
    *,
    log: bool = True,
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 0.32 * len(labels) * len(series) + 1.8))
    height = 0.8 / len(series)
    for i, (name, values) in enumerate(series.items()):
        ax.barh([y + i * height for y in range(len(labels))], values, height=height, label=name)
    for name, x in targets.items():
        ax.axvline(x, linestyle="--", color="grey")
        ax.text(x, -0.9, name, fontsize=8, color="grey")
    ax.set_yticks([y + height * (len(series) - 1) / 2 for y in range(len(labels))], labels, fontsize=8)
    ax.invert_yaxis()
    if log:
        ax.set_xscale("log")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
