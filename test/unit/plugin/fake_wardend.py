#!/usr/bin/env python3
"""A tiny stand-in for wardend's plugin socket, for real_openvpn_defer.sh.

Speaks the wire format of common/wire.hpp. Every Auth/Connect is answered after
--delay-ms (so the plugin's deferred path is taken): common names listed in --deny are
refused, those in --deny-connect pass auth but are refused at connect, others allowed; Connect verdicts for allowed names carry --config (with {cn}
replaced). Every event is printed as one line on stdout.
"""
import argparse
import os
import socket
import struct
import sys
import threading
import time

HELLO, AUTH, CONNECT, DISCONNECT, VERDICT, ERROR, PING, PONG, NOTICE = range(1, 10)


def encode(mtype, mid, fields):
    body = struct.pack(">BBIH", 1, mtype, mid, len(fields))
    for key, value in fields:
        k, v = key.encode(), value.encode()
        body += struct.pack(">B", len(k)) + k + struct.pack(">I", len(v)) + v
    return struct.pack(">I", len(body)) + body


def decode(payload):
    _version, mtype, mid, count = struct.unpack_from(">BBIH", payload, 0)
    pos, fields = 8, {}
    for _ in range(count):
        klen = payload[pos]
        key = payload[pos + 1:pos + 1 + klen].decode()
        pos += 1 + klen
        (vlen,) = struct.unpack_from(">I", payload, pos)
        fields.setdefault(key, payload[pos + 4:pos + 4 + vlen].decode(errors="replace"))
        pos += 4 + vlen
    return mtype, mid, fields


def log(*words):
    print(f"{time.monotonic():.3f}", *words, flush=True)


def serve(conn, args):
    lock = threading.Lock()

    def reply(data):
        with lock:
            try:
                conn.sendall(data)
            except OSError:
                pass

    buf = b""
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            log("plugin disconnected")
            return
        buf += chunk
        while len(buf) >= 4:
            (size,) = struct.unpack_from(">I", buf, 0)
            if len(buf) < 4 + size:
                break
            mtype, mid, fields = decode(buf[4:4 + size])
            buf = buf[4 + size:]
            cn = fields.get("common_name", "")
            log("recv", mtype, mid, f"cn={cn}", f"instance={fields.get('instance', '')}",
                f"cert_not_after={fields.get('cert_not_after', '')}")
            if mtype == PING:
                reply(encode(PONG, mid, []))
            if mtype not in (AUTH, CONNECT):
                continue
            if cn in args.deny or (mtype == CONNECT and cn in args.deny_connect):
                out = [("result", "deny"), ("reason", "denied by fake daemon")]
            else:
                out = [("result", "allow")]
                if mtype == CONNECT and args.config:
                    out.append(("config", args.config.replace("{cn}", cn).replace("\\n", "\n")))
            timer = threading.Timer(args.delay_ms / 1000.0, reply, [encode(VERDICT, mid, out)])
            timer.daemon = True
            timer.start()
            log("verdict scheduled", mid, out[0][1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--socket", required=True)
    p.add_argument("--delay-ms", type=float, default=50)
    p.add_argument("--deny", action="append", default=[], help="refuse auth and connect")
    p.add_argument("--deny-connect", action="append", default=[], help="allow auth, refuse connect")
    p.add_argument("--config", default="")
    args = p.parse_args()
    try:
        os.unlink(args.socket)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(args.socket)
    srv.listen(8)
    log("listening", args.socket)
    while True:
        conn, _ = srv.accept()
        log("plugin connected")
        threading.Thread(target=serve, args=(conn, args), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
