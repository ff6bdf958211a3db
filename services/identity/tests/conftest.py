"""The identity service's tests share idp_support (a provider on a real socket, a browser)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
