"""A real SMTP server (aiosmtpd) for tests that send email: STARTTLS, AUTH, and files on disk.

Usage:
  smtp_server.py --dir DIR --user USER --password PASSWORD [--port 0] [--no-starttls] [--fail-data N]

Listens on 127.0.0.1 (port 0 = any free port) and prints "READY <port>" once it accepts
connections. At start it writes a self-signed certificate for IP 127.0.0.1 to DIR/cert.pem
(use it as the client's CA file) and DIR/key.pem, and offers STARTTLS with it.
AUTH PLAIN/LOGIN with USER/PASSWORD is required before MAIL, and AUTH is only possible after
STARTTLS. With --no-starttls, STARTTLS is not offered, so nothing can ever be sent: that mode
shows a client refusing (or failing) to send in clear. --fail-data N answers the first N
messages with "451 4.3.0 try again later" and does not store them.

Output:
  DIR/messages/NNNN.eml   the message as received (DATA content), numbered from 0001
  DIR/messages/NNNN.json  {"mail_from", "rcpt_tos", "received_at", "tls", "authenticated_as"}
                          (written after the .eml, both by rename: once the .json is there,
                          the message is complete)
  DIR/sessions.log        one JSON line per event: connect, starttls, auth_ok, auth_failed,
                          mail_refused (with reason), data_refused, stored
Stops on SIGTERM/SIGINT and when stdin reaches EOF (so it dies with its parent).
"""
import argparse
import asyncio
import hmac
import itertools
import json
import logging
import os
import signal
import ssl
import subprocess
import threading
import time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Recorder:
    """Writes received messages and session events under the output directory."""

    def __init__(self, directory):
        self.messages = os.path.join(directory, "messages")
        os.makedirs(self.messages, exist_ok=True)
        self.sessions_log = os.path.join(directory, "sessions.log")
        # Continue numbering after any messages already in the directory.
        numbers = [int(name[:4]) for name in os.listdir(self.messages)
                   if name.endswith(".json") and name[:4].isdigit()]
        self.next_number = max(numbers, default=0) + 1

    def event(self, connection, event, **fields):
        line = json.dumps({"event": event, "connection": connection, "at": time.time(), **fields})
        with open(self.sessions_log, "a") as log:
            log.write(line + "\n")

    def store(self, content, metadata):
        number = self.next_number
        self.next_number += 1
        for suffix, data in ((".eml", content), (".json", json.dumps(metadata).encode())):
            final = os.path.join(self.messages, f"{number:04d}{suffix}")
            temporary = os.path.join(self.messages, f".{number:04d}{suffix}.tmp")
            with open(temporary, "wb") as file:
                file.write(data)
            os.replace(temporary, final)
        return number


class Handler:
    """aiosmtpd handler hooks: log STARTTLS, store (or refuse) messages."""

    def __init__(self, recorder, fail_data):
        self.recorder = recorder
        self.fail_data = fail_data

    def handle_STARTTLS(self, server, session, envelope):
        self.recorder.event(server.connection, "starttls")
        return True  # accept the handshake

    async def handle_DATA(self, server, session, envelope):
        if self.fail_data > 0:
            self.fail_data -= 1
            self.recorder.event(server.connection, "data_refused", code=451)
            return "451 4.3.0 try again later"
        login = session.auth_data.login if session.auth_data is not None else None
        number = self.recorder.store(envelope.original_content, {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "received_at": time.time(),
            "tls": session.ssl is not None,
            "authenticated_as": login.decode(errors="replace") if login is not None else None,
        })
        self.recorder.event(server.connection, "stored", message=f"{number:04d}")
        return f"250 2.0.0 OK stored as {number:04d}"


class LoggingSMTP(SMTP):
    """aiosmtpd's SMTP with a connection number and a log line for connects and refused MAIL."""

    connection_numbers = itertools.count(1)

    def __init__(self, handler, recorder, **kwargs):
        super().__init__(handler, **kwargs)
        self.recorder = recorder
        self.connection = next(self.connection_numbers)

    def connection_made(self, transport):
        # aiosmtpd calls this again when a STARTTLS handshake completes; only log the real one.
        if self._original_transport is None:
            peer = transport.get_extra_info("peername")
            self.recorder.event(self.connection, "connect", peer=list(peer) if peer else None)
        super().connection_made(transport)

    async def check_auth_needed(self, caller_method):
        needed = await super().check_auth_needed(caller_method)
        if needed and caller_method == "MAIL":
            reason = ("not authenticated" if self._tls_protocol
                      else "not authenticated, no TLS (AUTH is only offered after STARTTLS)")
            self.recorder.event(self.connection, "mail_refused", reason=reason)
        return needed


def make_certificate(directory):
    """Self-signed certificate for IP 127.0.0.1 that the client can also use as its CA."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(
        ["/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-addext", "extendedKeyUsage=serverAuth", "-keyout", key, "-out", cert],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


# aiosmtpd itself sets the deprecated Session.login_data on every successful AUTH and logs
# a warning about it (to stderr); drop that line.
logging.getLogger("mail.log").addFilter(lambda record: "login_data is deprecated" not in record.getMessage())


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--no-starttls", action="store_true")
    parser.add_argument("--fail-data", type=int, default=0)
    args = parser.parse_args()

    os.makedirs(args.dir, exist_ok=True)
    recorder = Recorder(args.dir)
    tls_context = make_certificate(args.dir)
    handler = Handler(recorder, args.fail_data)

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and hmac.compare_digest(auth_data.login, args.user.encode())
              and hmac.compare_digest(auth_data.password, args.password.encode()))
        login = auth_data.login.decode(errors="replace") if isinstance(auth_data, LoginPassword) else None
        recorder.event(server.connection, "auth_ok" if ok else "auth_failed",
                       mechanism=mechanism, login=login)
        # auth_data ends up in session.auth_data; handled=False lets aiosmtpd answer 235/535.
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: LoggingSMTP(
            handler, recorder,
            hostname="127.0.0.1",  # the default, socket.getfqdn(), may wait on DNS
            tls_context=None if args.no_starttls else tls_context,
            # Not require_starttls: that would answer MAIL with "530 Must issue a STARTTLS
            # command first" before the AUTH check, and the refusal would not be logged.
            auth_required=True,
            auth_require_tls=True,
            authenticator=authenticate,
            loop=loop),
        "127.0.0.1", args.port)

    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    def wait_for_stdin_eof():
        # os.read on the raw descriptor: a thread blocked in sys.stdin.buffer.read holds the
        # buffer's lock and makes interpreter shutdown abort ("could not acquire lock").
        try:
            while os.read(0, 4096):
                pass
        finally:
            loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=wait_for_stdin_eof, daemon=True).start()

    print(f"READY {server.sockets[0].getsockname()[1]}", flush=True)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
