"""The embedded database: SecantusDB's own daemon, with what a node needs of it and its CLI lacks.

SecantusDB aborts a transaction left idle past its lifetime (60 s, as mongod) only when another
transaction touches its registry; a plain write that meets the orphaned transaction of a killed client
waits on it without ever touching that registry, so a restarted service could wait forever (reproduced:
a plain update blocked > 90 s). This launcher runs the same daemon (`secantus.cli.main`, same flags) with
a shorter lifetime and a reaper thread that aborts expired transactions every second, so a service
killed mid-transaction is back within seconds. Production MongoDB aborts after
`transactionLifetimeLimitSeconds` itself.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

import secantus.cli
from secantus.server import SecantusDBServer

LIFETIME_SECONDS = float(os.environ.get("REFORM_SECANTUS_TXN_LIFETIME", "10"))
"""Longer than any pause inside one projection transaction (a batch's statements follow each other)."""
IDLE_SECONDS = os.environ.get("REFORM_SECANTUS_CLIENT_IDLE")
"""The server's own default (300 s) unless set: tests shorten it to show that pools close idle connections
before the server does."""


class _ReapedServer(SecantusDBServer):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("transaction_lifetime_seconds", LIFETIME_SECONDS)
        if IDLE_SECONDS:
            kwargs.setdefault("client_idle_timeout_s", float(IDLE_SECONDS))
        super().__init__(*args, **kwargs)
        self._reaper_stop = threading.Event()

    def start(self) -> None:
        super().start()
        threading.Thread(target=self._reap, name="txn-reaper", daemon=True).start()

    def stop(self) -> None:
        self._reaper_stop.set()
        super().stop()

    def _reap(self) -> None:
        while not self._reaper_stop.wait(1.0):
            try:
                self.transactions.prune_expired()
            except Exception:  # noqa: BLE001 - the reaper must outlive one bad prune
                pass


def main() -> int:
    secantus.cli.SecantusDBServer = _ReapedServer
    return int(secantus.cli.main(sys.argv[1:]))


if __name__ == "__main__":
    sys.exit(main())
