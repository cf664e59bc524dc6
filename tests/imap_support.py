"""A small IMAP server for the mailbox poller's tests: the commands ``imaplib`` sends to read the
headers of messages without Keel's keyword and mark them with it (CAPABILITY, LOGIN, SELECT,
UID SEARCH UNKEYWORD, UID FETCH, UID STORE, LOGOUT), over one folder kept in memory (UID = number)."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Mailbox:
    messages: list[bytes] = field(default_factory=list)  # the raw messages (headers suffice)
    marked: set[int] = field(default_factory=set)  # UIDs (1-based) given the keyword
    logins: list[tuple[str, str]] = field(default_factory=list)


def _handler(box: Mailbox) -> type[socketserver.StreamRequestHandler]:
    class Handler(socketserver.StreamRequestHandler):
        def say(self, line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")

        def handle(self) -> None:
            self.say("* OK test IMAP ready")
            while line := self.rfile.readline().decode().strip():
                tag, _, rest = line.partition(" ")
                command, _, args = rest.partition(" ")
                command = command.upper()
                if command == "CAPABILITY":
                    self.say("* CAPABILITY IMAP4rev1")
                elif command == "LOGIN":
                    user, _, password = args.partition(" ")
                    box.logins.append((user.strip('"'), password.strip('"')))
                elif command == "SELECT":
                    self.say(f"* {len(box.messages)} EXISTS")
                    self.say(f"{tag} OK [READ-WRITE] SELECT completed")
                    continue
                elif command == "UID":
                    command, _, args = args.partition(" ")
                    command = command.upper()
                    if command == "SEARCH":
                        left = [str(n) for n in range(1, len(box.messages) + 1) if n not in box.marked]
                        self.say("* SEARCH" + "".join(f" {n}" for n in left))
                    elif command == "FETCH":
                        uid = int(args.split()[0])
                        raw = box.messages[uid - 1]
                        arrived = 'INTERNALDATE "02-Oct-2026 10:00:00 +0000"'
                        head = f"* {uid} FETCH (UID {uid} {arrived} BODY[HEADER] {{{len(raw)}}}"
                        self.wfile.write(head.encode() + b"\r\n" + raw + b")\r\n")
                    elif command == "STORE":
                        uid = int(args.split()[0])
                        box.marked.add(uid)
                        self.say(f"* {uid} FETCH (UID {uid} FLAGS ($KeelRecorded))")
                    self.say(f"{tag} OK UID {command} completed")
                    continue
                elif command == "LOGOUT":
                    self.say("* BYE")
                    self.say(f"{tag} OK LOGOUT completed")
                    return
                self.say(f"{tag} OK {command} completed")

    return Handler


@contextmanager
def imap_server(box: Mailbox) -> Iterator[int]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _handler(box))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
