#!/usr/bin/python3
"""A real SMTP server for tests: accepts every message on 127.0.0.1:PORT and writes it
to DIR, one file per message, atomically (a temporary name, then a rename).

    python3 smtp_sink.py PORT DIR

Each file `<time ns>-<n>.eml` (names sort in arrival order) holds the envelope as header lines the sink adds
(`X-Sink-Mail-From:` once, `X-Sink-Rcpt-To:` per recipient), then the message exactly
as received. Prints "ready" once listening; exits cleanly on SIGTERM or SIGINT.
Needs aiosmtpd (Debian: python3-aiosmtpd).
"""

import itertools
import os
import signal
import sys
import threading
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.counter = itertools.count(1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            n = next(self.counter)
        head = "X-Sink-Mail-From: %s\r\n" % envelope.mail_from
        head += "".join("X-Sink-Rcpt-To: %s\r\n" % r for r in envelope.rcpt_tos)
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8")
        final = os.path.join(self.directory, "%020d-%06d.eml" % (time.time_ns(), n))
        tmp = os.path.join(self.directory, ".%d-%06d.tmp" % (os.getpid(), n))
        with open(tmp, "wb") as f:
            f.write(head.encode("utf-8") + data)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, final)
        return "250 OK stored"


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: smtp_sink.py PORT DIR\n")
        return 2
    port = int(sys.argv[1])
    directory = sys.argv[2]
    os.makedirs(directory, exist_ok=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    # SMTPUTF8 on, so internationalised addresses are accepted too.
    controller = Controller(Sink(directory), hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
    controller.start()
    print("ready", flush=True)
    try:
        while not stop.wait(0.2):
            pass
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
