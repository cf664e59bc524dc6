"""Reports made of reads run at once (``ViewDatabase.gather``) see one state of the read models."""

from __future__ import annotations

import threading

from api.system import Keel


def count(keel: Keel) -> int:
    with keel.views.read() as cur:
        cur.execute("SELECT COUNT(*) FROM gather_probe")
        row = cur.fetchone()
        return int(row[0]) if row else -1


def test_reads_gathered_together_see_one_snapshot_while_a_writer_commits(keel: Keel) -> None:
    with keel.views.transaction() as cur:
        cur.execute("CREATE TABLE gather_probe (n INTEGER)")
        cur.execute("INSERT INTO gather_probe VALUES (1)")
    written = threading.Event()

    def write() -> None:  # on its own thread: its own connection, its own transaction
        with keel.views.transaction() as cur:
            cur.execute("INSERT INTO gather_probe VALUES (2)")

    def first() -> int:
        seen = count(keel)
        writer = threading.Thread(target=write)
        writer.start()
        writer.join()
        written.set()
        return seen

    def second() -> int:
        written.wait(timeout=10)
        return count(keel)

    assert keel.views.gather(first, second) == [1, 1]  # the row committed between them: seen by neither
    assert count(keel) == 2  # a read after them sees it
