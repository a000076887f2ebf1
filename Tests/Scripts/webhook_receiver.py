"""A real HTTP receiver for Standard Webhooks deliveries in tests: logs and verifies each POST.

Usage:
  webhook_receiver.py --log FILE --secret whsec_... [--secret whsec_...] [--responses SPEC]
                      [--retry-after SECONDS] [--port 0]

Listens on 127.0.0.1 (port 0 = any free port) and prints "READY <port>" once it accepts
connections. SPEC is a comma-separated list of status codes answered to successive POST
requests, after which it answers 200 forever: "500,500" fails twice then succeeds, "410" is
gone once. --retry-after adds a Retry-After header to every non-2xx answer. --secret may be
given several times (a secret rotation): each request is verified with every secret.

Every POST appends one JSON line to FILE (flushed at once):
  {"path", "received_at", "webhook_id", "webhook_timestamp", "signature_header",
   "signatures": number of space-separated signatures in webhook-signature,
   "verified_by": indices of the --secret values whose verification succeeded,
   "verify_errors": {index: why that secret failed},
   "body": the JSON body parsed, or its text if it is not JSON, "status": the status answered}
Stops on SIGTERM/SIGINT and when stdin reaches EOF (so it dies with its parent).
"""
import argparse
import json
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, and "100 Continue" for "Expect: 100-continue"
    # Set by main():
    webhooks = []
    statuses = []  # (not "responses": BaseHTTPRequestHandler uses that for reason phrases)
    retry_after = None
    log_file = None
    lock = threading.Lock()

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()  # CRLF after each chunk
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def do_POST(self):
        body = self.read_body()
        received_at = time.time()
        headers = {name: value for name, value in self.headers.items()}
        verified_by, errors = [], {}
        for index, webhook in enumerate(self.webhooks):
            try:
                # json_parse=False: a signed body that is not JSON still counts as verified.
                webhook.verify(body, headers, json_parse=False)
                verified_by.append(index)
            except Exception as error:  # the library raises ValueError etc. on malformed headers
                errors[index] = f"{type(error).__name__}: {error}"
        text = body.decode(errors="replace")
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = text
        signature = self.headers.get("webhook-signature")

        with self.lock:
            status = self.statuses.pop(0) if self.statuses else 200
            self.log_file.write(json.dumps({
                "path": self.path,
                "received_at": received_at,
                "webhook_id": self.headers.get("webhook-id"),
                "webhook_timestamp": self.headers.get("webhook-timestamp"),
                "signature_header": signature,
                "signatures": len(signature.split()) if signature else 0,
                "verified_by": verified_by,
                "verify_errors": errors,
                "body": parsed,
                "status": status,
            }) + "\n")
            self.log_file.flush()

        answer = b"ok" if 200 <= status < 300 and status != 204 else b""
        self.send_response(status)
        if self.retry_after is not None and not 200 <= status < 300:
            self.send_header("Retry-After", str(self.retry_after))
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format, *args):
        pass  # no access log on stderr; FILE has everything


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secret", action="append", required=True)
    parser.add_argument("--responses", default="")
    parser.add_argument("--retry-after", type=int)
    parser.add_argument("--log", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    Receiver.webhooks = [Webhook(secret) for secret in args.secret]
    Receiver.statuses = [int(code) for code in args.responses.split(",") if code.strip()]
    Receiver.retry_after = args.retry_after
    Receiver.log_file = open(args.log, "a")

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Receiver)
    server.daemon_threads = True
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())

    def wait_for_stdin_eof():
        # os.read on the raw descriptor: a thread blocked in sys.stdin.buffer.read holds the
        # buffer's lock and makes interpreter shutdown abort ("could not acquire lock").
        try:
            while os.read(0, 4096):
                pass
        finally:
            stop.set()

    threading.Thread(target=wait_for_stdin_eof, daemon=True).start()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"READY {server.server_address[1]}", flush=True)
    stop.wait()
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    main()
