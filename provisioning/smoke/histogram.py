"""A small text histogram of latencies for the terminal (the load probe's TTFT and inter-token gaps)."""

from __future__ import annotations

BAR = "█"


def histogram(values: list[float], *, bins: int = 6, width: int = 30, unit_ms: bool = True) -> list[str]:
    """One line per bin, `low–high ms │bar count`, bars scaled to the fullest bin; [] without values."""
    if not values:
        return []
    low, high = min(values), max(values)
    step = (high - low) / bins or 1.0  # all equal: one bin holds them all
    counts = [0] * bins
    for value in values:
        counts[min(int((value - low) / step), bins - 1)] += 1
    scale = 1000.0 if unit_ms else 1.0
    fullest = max(counts)
    lines = []
    for index, count in enumerate(counts):
        start, end = (low + index * step) * scale, (low + (index + 1) * step) * scale
        bar = BAR * round(width * count / fullest)
        lines.append(f"{start:8.2f}–{end:<8.2f} ms │{bar} {count}")
        if high == low:
            break
    return lines
