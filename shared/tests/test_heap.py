"""After a catch-up, the heap's free pages go back to the system: a process that freed most of what it allocated,
a few blocks pinned among the freed ones (as a batch of parsed events leaves the heap), holds far less once trimmed."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.application

SCRIPT = """
from reform_shared.projection.heap import release_free_heap
def rss():
    return int(next(l for l in open("/proc/self/status") if l.startswith("VmRSS")).split()[1]) // 1024
base = rss()
blocks = [bytes(3000) + bytes([i % 256]) for i in range(60_000)]  # ~180 MB above pymalloc's small objects
kept = blocks[::8]
del blocks
freed = rss()
release_free_heap()
print(base, freed, rss())
"""


def test_the_free_pages_of_a_freed_batch_go_back_once_trimmed() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=True)
    base, freed, trimmed = map(int, done.stdout.split())
    assert freed - base > 150  # freed, yet still held by the process: the pinned blocks keep their pages apart
    assert trimmed - base < (freed - base) / 2, done.stdout
