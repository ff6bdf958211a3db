"""The evaluation tests share the council fixture of test_http (its real stream, both services)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.append(str(Path(__file__).parent))

from test_http import council

__all__ = ["council"]
