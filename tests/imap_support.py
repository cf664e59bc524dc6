"""A small IMAP server for the mailbox poller's tests: the commands ``imaplib`` sends to read unseen
messages' headers and mark them seen (CAPABILITY, LOGIN, SELECT, SEARCH UNSEEN, FETCH, STORE,
LOGOUT), over one folder of messages kept in memory."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Mailbox:
    messages: list[bytes] = field(default_factory=list)  # the raw messages (headers suffice)
    seen: set[int] = field(default_factory=set)  # 1-based numbers marked \\Seen
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
                elif command == "SEARCH":
                    unseen = [str(n) for n in range(1, len(box.messages) + 1) if n not in box.seen]
                    self.say("* SEARCH" + "".join(f" {n}" for n in unseen))
                elif command == "FETCH":
                    number = int(args.split()[0])
                    raw = box.messages[number - 1]
                    self.wfile.write(f"* {number} FETCH (BODY[HEADER] {{{len(raw)}}}\r\n".encode() + raw + b")\r\n")
                elif command == "STORE":
                    number = int(args.split()[0])
                    box.seen.add(number)
                    self.say(f"* {number} FETCH (FLAGS (\\Seen))")
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
