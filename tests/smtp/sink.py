"""A real SMTP server for Commonroom's tests and benchmarks (aiosmtpd).

Every message it accepts is written to a Maildir, as received, so tests read
exactly what a mail server got. A few addresses behave like a real server's
refusals, so the sender's handling of them is tested for real:

- local part starting ``bounce``: 550 at RCPT (no such mailbox, for good);
- local part starting ``later``: 451 at RCPT (try again later).

Usage: python3 sink.py --maildir DIR [--port N] [--discard]
Prints ``ready <port>`` on stdout once it accepts connections. With
``--discard`` it keeps nothing (for measuring its own ceiling) and only counts.
"""

import argparse
import mailbox
import signal
import socket
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, maildir, discard):
        self.maildir = None if discard else mailbox.Maildir(maildir, create=True)
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("bounce"):
            return "550 5.1.1 No such mailbox here"
        if local.startswith("later"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.maildir is not None:
            self.maildir.add(envelope.original_content)
        self.count += 1
        return "250 2.0.0 Accepted"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--discard", action="store_true")
    args = parser.parse_args()
    handler = Sink(args.maildir, args.discard)
    port = args.port
    if port == 0:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        decode_data=False,
        data_size_limit=10 * 1024 * 1024,
        # Many connections at once from the sender's couriers.
        server_kwargs={"timeout": 60},
    )
    controller.start()
    print(f"ready {port}", flush=True)

    def finish(*_):
        controller.stop()
        print(f"received {handler.count}", flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, finish)
    signal.signal(signal.SIGINT, finish)
    signal.pause()


if __name__ == "__main__":
    main()
