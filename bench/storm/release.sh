#!/usr/bin/env bash
# Helper of bench/connect_storm.sh, run inside the client namespace:
#   release.sh N BASE_PORT GO_FIFO TIMEOUT_S
# Client i (1..N) was started with `--management 127.0.0.1 BASE_PORT+i --management-hold`
# and waits before connecting. This connects to all N management ports (retrying until each
# listens, bounded), prints "ready", waits for a line on GO_FIFO, then sends "hold release"
# to all of them back to back and prints "released", so the N connections start together
# without the cost of starting N processes inside the measured time.
set -u
n="$1" base="$2" go="$3" timeout_s="$4"
deadline=$((EPOCHSECONDS + timeout_s))
fds=()
for ((i = 1; i <= n; i++)); do
  until { exec {fd}<>"/dev/tcp/127.0.0.1/$((base + i))"; } 2>/dev/null; do
    if [ "$EPOCHSECONDS" -ge "$deadline" ]; then
      echo "release: management port $((base + i)) of client $i not listening after ${timeout_s}s" >&2
      exit 1
    fi
    sleep 0.02
  done
  fds+=("$fd")
done
echo ready
read -r _ <"$go"
# `hold off` too: a client that restarts (e.g. its TLS handshake timed out on an
# overloaded machine) must not wait for a second release that never comes.
for fd in "${fds[@]}"; do printf 'hold release\nhold off\n' >&"$fd"; done
echo released
# Read the answers before closing: closing with them unread resets the connection, and
# OpenVPN may lose the second command.
for fd in "${fds[@]}"; do
  while IFS= read -r -t 5 -u "$fd" line; do
    case "$line" in *"hold flag=0"*) break ;; esac
  done
  exec {fd}>&-
done
