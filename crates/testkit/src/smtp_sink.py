"""SMTP sink for Switchboard's tests (written out by switchboard-testkit; do not edit the copy).

Stores every accepted message into a Maildir (tmp/ then rename into new/), owned by --uid/--gid,
and appends one tab-separated line per message to --journal: file name, authenticated user,
MAIL FROM, then each RCPT TO. Stops when stdin reaches end of file (the test process closed it
or died) or on SIGTERM.
"""
import argparse
import asyncio
import logging
import os
import signal
import ssl
import sys
import threading
import time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--smtps-port", type=int)
parser.add_argument("--maildir", required=True)
parser.add_argument("--journal", required=True)
parser.add_argument("--ready", required=True)
parser.add_argument("--uid", type=int, default=-1)
parser.add_argument("--gid", type=int, default=-1)
parser.add_argument("--cert")
parser.add_argument("--key")
parser.add_argument("--starttls", action="store_true")
parser.add_argument("--user")
parser.add_argument("--password")
parser.add_argument("--reply", action="append", default=[], help="ADDRESS=CODE TEXT")
args = parser.parse_args()

logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                    format="%(asctime)s %(name)s %(levelname)s %(message)s")
replies = {}
for item in args.reply:
    address, _, reply = item.partition("=")
    replies[address.lower()] = reply
counter = 0


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = replies.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        global counter
        counter += 1
        now = time.time_ns() // 1000
        name = "%d.M%06dP%dQ%09d.switchboard-smtp-sink" % (
            now // 1000000, now % 1000000, os.getpid(), counter)
        tmp = os.path.join(args.maildir, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(envelope.original_content)
        if args.uid >= 0:
            os.chown(tmp, args.uid, args.gid)
        os.rename(tmp, os.path.join(args.maildir, "new", name))
        user = session.auth_data if isinstance(session.auth_data, str) else ""
        fields = [name, user, envelope.mail_from or ""] + list(envelope.rcpt_tos)
        with open(args.journal, "a", encoding="utf-8") as journal:
            journal.write("\t".join(fields) + "\n")
        return "250 2.0.0 OK queued as " + name


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword)
          and auth_data.login.decode("utf-8", "replace") == args.user
          and auth_data.password.decode("utf-8", "replace") == args.password)
    return AuthResult(success=ok, handled=False, auth_data=args.user if ok else None)


def fail_auth(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=False, handled=False)


def protocol(tls_context):
    return lambda: SMTP(
        Handler(),
        hostname="localhost",
        tls_context=tls_context,
        require_starttls=False,
        auth_required=bool(args.user),
        auth_require_tls=False,
        authenticator=authenticator if args.user else fail_auth,
        enable_SMTPUTF8=True,
    )


context = None
if args.cert:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)

loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
servers = [loop.run_until_complete(
    loop.create_server(protocol(context if args.starttls else None), "127.0.0.1", args.port, reuse_address=True))]
if args.smtps_port:
    servers.append(loop.run_until_complete(loop.create_server(
        protocol(None), "127.0.0.1", args.smtps_port, reuse_address=True, ssl=context)))


def watch_stdin():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except OSError:
        pass
    loop.call_soon_threadsafe(loop.stop)
    time.sleep(5)
    os._exit(1)


threading.Thread(target=watch_stdin, daemon=True).start()
loop.add_signal_handler(signal.SIGTERM, loop.stop)
with open(args.ready, "w") as ready:
    ready.write("ready\n")
loop.run_forever()
for s in servers:
    s.close()
logging.shutdown()
os._exit(0)
