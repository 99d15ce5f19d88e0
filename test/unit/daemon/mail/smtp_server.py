#!/usr/bin/env python3
"""Throwaway SMTP server for unit_mail: STARTTLS required, AUTH LOGIN/PLAIN required.

Usage: smtp_server.py DIR USER PASSWORD [starttls|tls|plain [PORT]]
starttls (default): STARTTLS and AUTH required; tls: implicit TLS (smtps); plain: no TLS
offered at all, AUTH accepted in clear (to prove the client never sends it there).
Every AUTH attempt appends the mechanism to DIR/auth-attempts.
Makes a self-signed certificate for 127.0.0.1 in DIR (cert.pem, key.pem), listens on
127.0.0.1:<free port> (or PORT: a restarted server where the last one was), writes each accepted message to DIR/mail/<n>.eml (first line
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
        # A restarted server numbers on after the messages already in the folder.
        self.folder = folder
        self.count = len([n for n in os.listdir(folder) if n.endswith(".eml")])

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
    mode = sys.argv[4] if len(sys.argv) > 4 else "starttls"
    maildir = os.path.join(folder, "mail")
    os.makedirs(maildir, exist_ok=True)
    cert, key = make_cert(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        with open(os.path.join(folder, "auth-attempts"), "a") as f:
            f.write(mechanism + "\n")
        ok = (mechanism in ("LOGIN", "PLAIN") and isinstance(auth_data, LoginPassword)
              and auth_data.login == user and auth_data.password == password)
        return AuthResult(success=ok, handled=False)  # handled=False: send 535 on failure

    port = int(sys.argv[5]) if len(sys.argv) > 5 else free_port()
    tls = {"starttls": dict(tls_context=context, require_starttls=True, auth_require_tls=True),
           # aiosmtpd 1.4 counts only STARTTLS as TLS for auth_require_tls; smtps is TLS
           # from the first byte, so AUTH is offered there without it.
           "tls": dict(ssl_context=context, auth_require_tls=False),
           "plain": dict(auth_require_tls=False)}[mode]
    controller = Controller(SaveToFolder(maildir), hostname="127.0.0.1", port=port,
                            auth_required=True, authenticator=authenticator, **tls)
    controller.start()
    print("READY %d" % port, flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
