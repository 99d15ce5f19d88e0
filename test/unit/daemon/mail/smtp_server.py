#!/usr/bin/env python3
"""Throwaway SMTP server for unit_mail: STARTTLS required, AUTH LOGIN/PLAIN required.

Usage: smtp_server.py DIR USER PASSWORD
Makes a self-signed certificate for 127.0.0.1 in DIR (cert.pem, key.pem), listens on
127.0.0.1:<free port>, writes each accepted message to DIR/mail/<n>.eml (first line
"X-Rcpt-To: <addrs>", then the message as received) and prints "READY <port>" on stdout.
Stops when stdin reaches EOF, so it never outlives the test that started it.
Exits 77 with "SKIP: ..." when python3-aiosmtpd is not installed.
"""
import os
import warnings
import socket
import ssl
import subprocess
import sys

try:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword
except ImportError:
    print("SKIP: python3-aiosmtpd is not installed", flush=True)
    sys.exit(77)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_cert(folder):
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


class SaveToFolder:
    def __init__(self, folder):
        self.folder, self.count = folder, 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.folder, "%d.eml" % self.count)
        with open(path + ".tmp", "wb") as f:
            f.write(b"X-Rcpt-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content)
        os.rename(path + ".tmp", path)  # readers never see half a message
        return "250 OK saved"


def main():
    warnings.simplefilter("ignore")  # aiosmtpd 1.4 warns about its own login_data
    folder, user, password = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode()
    maildir = os.path.join(folder, "mail")
    os.makedirs(maildir, exist_ok=True)
    cert, key = make_cert(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (mechanism in ("LOGIN", "PLAIN") and isinstance(auth_data, LoginPassword)
              and auth_data.login == user and auth_data.password == password)
        return AuthResult(success=ok, handled=False)  # handled=False: send 535 on failure

    port = free_port()
    controller = Controller(SaveToFolder(maildir), hostname="127.0.0.1", port=port,
                            tls_context=context, require_starttls=True, auth_required=True,
                            auth_require_tls=True, authenticator=authenticator)
    controller.start()
    print("READY %d" % port, flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
