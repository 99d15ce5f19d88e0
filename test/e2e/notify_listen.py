#!/usr/bin/env python3
# Stands in for systemd's notification socket (sd_notify(3)): binds an AF_UNIX datagram
# socket at PATH and appends each message's lines to OUT as they come, then "--".
#   notify_listen.py PATH OUT
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path + ".tmp")
os.rename(path + ".tmp", path)  # the path appears only once it can receive
with open(out, "a", buffering=1) as log:
    while True:
        data = sock.recv(65536).decode(errors="replace")
        log.write(data.rstrip("\n") + "\n--\n")
