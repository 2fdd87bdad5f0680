"""A webhook receiver for tests: an HTTP server on loopback that verifies every POST with the
Standard Webhooks reference library (and the GitHub-style body signature), and appends what it
verified to received.jsonl, one JSON object per line: the headers' id and timestamp, and the
body. A wrong signature is answered 401 and counted in rejected.jsonl.

The secret is read from the file `secret` at each request, so a test can set it after the
subscription is made; while the file `down` exists every POST is answered 503 (and logged in
refused.jsonl), and while the file `gone` exists it is answered 410 Gone (logged there too);
the file `delay_ms` makes it wait that long before each answer. Writes the
ready file once listening; stops at end of file on stdin.
"""
import argparse
import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

LOCK = threading.Lock()


def append(path, record):
    with LOCK, open(path, "a") as f:
        f.write(json.dumps(record) + "\n")


def make_handler(root):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def answer(self, code):
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                with open(os.path.join(root, "delay_ms")) as f:
                    time.sleep(int(f.read().strip() or "0") / 1000)
            except OSError:
                pass
            if os.path.exists(os.path.join(root, "down")):
                append(os.path.join(root, "refused.jsonl"), {"id": headers.get("webhook-id")})
                return self.answer(503)
            if os.path.exists(os.path.join(root, "gone")):
                append(os.path.join(root, "refused.jsonl"), {"id": headers.get("webhook-id")})
                return self.answer(410)
            try:
                with open(os.path.join(root, "secret")) as f:
                    secret = f.read().strip()
                Webhook(secret).verify(body, headers)
                raw = Webhook(secret)._whsecret
                github = "sha256=" + hmac.new(raw, body, hashlib.sha256).hexdigest()
                if not hmac.compare_digest(github, headers.get("x-switchboard-signature", "")):
                    raise WebhookVerificationError("body signature")
            except (OSError, WebhookVerificationError) as e:
                append(os.path.join(root, "rejected.jsonl"), {"id": headers.get("webhook-id"), "why": str(e)})
                return self.answer(401)
            append(
                os.path.join(root, "received.jsonl"),
                {
                    "id": headers.get("webhook-id"),
                    "timestamp": headers.get("webhook-timestamp"),
                    "body": json.loads(body),
                },
            )
            return self.answer(204)

    return Handler


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--root", required=True)
    p.add_argument("--ready", required=True)
    args = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.root))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with open(args.ready, "w") as f:
        f.write("ready\n")
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
