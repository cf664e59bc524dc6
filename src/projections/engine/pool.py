"""The read models' PostgreSQL connection pool, made to ride out a database that goes away.

A restart or ``pg_terminate_backend`` kills every pooled connection, but the pool learns it only
when one is used: that request fails (the API answers 503), and without help each idle sibling
would fail one more request later. So the first dead connection returned has the pool check
the idle ones at once (``check``). While no connection has been handed out since, a request
waits a second for one, not the full ``timeout``: with the server away, clients hear 503 within
a second instead of holding a worker thread for ten. Connections are not pinged before every
use (psycopg's ``check=``): that costs a round trip on every read, a fifth of a light one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Connection
from psycopg_pool import ConnectionPool

CONNECT_TIMEOUT_SECONDS = 3  # a server gone away or a wrong host fails a connection attempt quickly
WAIT_SECONDS = 10.0  # for a free connection, when all of them are busy
WAIT_WHILE_LOST_SECONDS = 1.0
# The pool retries a lost server with a backoff (1, 2, 4 s, …); psycopg's default of five minutes
# lets the gaps grow to a minute or more, so a server back after a long outage went unused for as
# long. Past this the pool gives up, and the next request starts afresh at once.
RECONNECT_SECONDS = 5.0


class ViewPool(ConnectionPool[Connection[Any]]):
    lost = False  # a dead connection came back, and none has been handed out since

    def getconn(self, timeout: float | None = None) -> Connection[Any]:
        if self.lost:
            timeout = min(self.timeout if timeout is None else timeout, WAIT_WHILE_LOST_SECONDS)
        conn = super().getconn(timeout)
        self.lost = False
        return conn

    def putconn(self, conn: Connection[Any]) -> None:
        broken = conn.broken
        super().putconn(conn)  # discards it and starts a replacement
        if broken and not self.lost:
            self.lost = True
            self.check()  # its idle siblings most likely died with it: replace them now


def view_pool(url: str, schemas: Sequence[str] = ()) -> ViewPool:
    # No JIT: it compiles a query whose estimated cost looks high for 0.1-0.3 s, more than these
    # indexed queries take to run. Custom plans only: a statement prepared after a few runs would
    # otherwise get a generic plan, blind to the day and moment asked for, which walks the span
    # index row by row (32 ms where a bitmap takes 8).
    options = {
        "autocommit": False,
        # ``schemas``: looked in first for unqualified names (a scenario's branch, ADR 0066)
        "options": "-c jit=off -c plan_cache_mode=force_custom_plan"
        + (f" -c search_path={','.join([*schemas, 'public'])}" if schemas else ""),
        "connect_timeout": CONNECT_TIMEOUT_SECONDS,
    }
    # A scenario's branch (``schemas``) is asked now and then: none kept once idle for a minute, one
    # worker thread (a process may hold many branches); enough for two questions at once, each of
    # which may gather its reads on four connections (``ViewDatabase.gather``).
    branch = {"min_size": 0, "max_size": 8, "num_workers": 1, "max_idle": 60.0} if schemas else {}
    sizes: dict[str, Any] = {"min_size": 1, "max_size": 8, **branch}
    return ViewPool(
        url,
        **sizes,
        open=True,
        kwargs=options,
        timeout=WAIT_SECONDS,
        reconnect_timeout=RECONNECT_SECONDS,
    )
