"""Stopwatch, results and the printed table."""

from __future__ import annotations

import gc
import statistics
import time
from dataclasses import dataclass, field


class Stopwatch:
    """`time.perf_counter()` around a block: `with Stopwatch() as sw: ...; sw.seconds`.

    Before starting, the heap is collected and frozen, so that the garbage collector does not
    scan the benchmark's own prepared data (thousands of envelopes and write operations) during
    the measurement, which a service process would not hold; the code measured still pays for
    collecting its own garbage.
    """

    def __init__(self) -> None:
        self.started = 0.0
        self.seconds = 0.0

    def __enter__(self) -> Stopwatch:
        gc.collect()
        gc.freeze()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started
        gc.unfreeze()


@dataclass
class Measurement:
    """One variant measured over several rounds of `events` events each."""

    label: str
    events: int
    seconds: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds)

    @property
    def rate(self) -> float:
        """Events per second of the median round."""
        return self.events / self.median_seconds if self.seconds else 0.0

    @property
    def per_event_us(self) -> float:
        return self.median_seconds / self.events * 1e6 if self.seconds else 0.0

    @property
    def spread(self) -> str:
        """Slowest and fastest round, in events/s."""
        if len(self.seconds) < 2:
            return ""
        rates = [self.events / s for s in self.seconds]
        return f"{min(rates):,.0f}-{max(rates):,.0f}"


@dataclass
class Row:
    measurement: Measurement
    baseline: Measurement | None = None
    aim: float | None = None
    """Minimum ratio to the baseline (0.7 = 70%), shown as OK / BELOW."""
    is_baseline: bool = False

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.baseline.rate:
            return None
        return self.measurement.rate / self.baseline.rate


def render(title: str, rows: list[Row]) -> str:
    header = ("", "events", "median s", "events/s", "µs/event", "range events/s", "vs baseline", "aim")
    body: list[tuple[str, ...]] = []
    for row in rows:
        m = row.measurement
        ratio = row.ratio
        verdict = ""
        if row.aim is not None and ratio is not None:
            verdict = f"≥{row.aim:.0%} {'OK' if ratio >= row.aim else 'BELOW'}"
        body.append((
            m.label,
            f"{m.events:,}",
            f"{m.median_seconds:.3f}",
            f"{m.rate:,.0f}",
            f"{m.per_event_us:,.0f}",
            m.spread,
            "baseline" if row.is_baseline else "" if ratio is None else f"{ratio:.0%}",
            verdict,
        ))
    keep = [i for i in range(len(header)) if i == 0 or any(line[i] for line in body)]
    header = tuple(header[i] for i in keep)
    body = [tuple(line[i] for i in keep) for line in body]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def fmt(line: tuple[str, ...]) -> str:
        cells = [line[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(line[1:], widths[1:], strict=True)]
        return "  " + "  ".join(cells).rstrip()

    rule = "  " + "-" * (sum(widths) + 2 * (len(widths) - 1))
    lines = [title, fmt(header), rule, *(fmt(line) for line in body)]
    notes = [row.measurement.note for row in rows if row.measurement.note]
    lines += [f"  * {note}" for note in notes]
    return "\n".join(lines)
