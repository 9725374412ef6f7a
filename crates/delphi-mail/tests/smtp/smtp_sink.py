#!/usr/bin/python3
"""A real SMTP server on loopback for delphi-mail's tests (Debian's python3-aiosmtpd, installed
by scripts/install-smtp-test-server.sh). Every accepted message is written to DIR as one .eml
file (written whole, then renamed) before the server answers 250, so a message the client saw
accepted is always on disk. Prints READY once it listens.

    /usr/bin/python3 smtp_sink.py --port 2525 --dir /tmp/mail [--auth user:pass] [--delay-ms 5]
"""
import argparse
import asyncio
import os
import time
import uuid

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, folder, delay):
        self.folder = folder
        self.delay = delay

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        name = f"{time.time_ns()}-{uuid.uuid4().hex}.eml"
        tmp = os.path.join(self.folder, "." + name + ".tmp")
        rcpt = ",".join(envelope.rcpt_tos)
        with open(tmp, "wb") as f:
            f.write(f"X-Sink-Rcpt: {rcpt}\r\n".encode())
            f.write(envelope.original_content or envelope.content)
        os.rename(tmp, os.path.join(self.folder, name))
        return "250 Message accepted"


class Credentials:
    def __init__(self, user, password):
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.user
            and auth_data.password == self.password
        )
        return AuthResult(success=ok, handled=False)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--auth")
    parser.add_argument("--delay-ms", type=float, default=0)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    handler = Sink(args.dir, args.delay_ms / 1000)
    options = {"hostname": "sink.test"}
    if args.auth:
        user, password = args.auth.split(":", 1)
        options.update(
            authenticator=Credentials(user, password),
            auth_required=True,
            auth_require_tls=False,
        )
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, **options), "127.0.0.1", args.port, reuse_address=True
    )
    print("READY", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
