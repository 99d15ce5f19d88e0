#!/usr/bin/env bash
# Communication rules enforced by wardend's nftables table (SPEC §7), end to end: four
# real clients in three groups, every ordered pair of endpoints checked for ICMP and for
# a TCP port, before and after a live rule change, and across a wardend restart.
#
#   pc1 (eng) ──┐                       ┌── r1 (plant) ── h1 192.168.61.10
#   pc2 (office)┴── srv (openvpn+wardend)┴── r2 (plant) ── h2 192.168.62.10
#
# Rules: 1 eng -> plant tcp/8080 (one-way, port-limited)   2 plant -> plant (same group)
#        3 eng <-> office (--both)                          4 office -> plant icmp (one-way)
# Change: rule 3 deleted, rule 5 plant -> office tcp/8080 added, nobody reconnects.
# Then (issue 9): live flows stop within 1 s of the rule that allowed them going away; a
# table flushed by `nft flush ruleset` is back within 5 s; forwarded IPv6 and other
# hosts' IPv4 through the server pass untouched, and another table's packet mark survives.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/warden_lib.sh
source "$(dirname "$0")/warden_lib.sh"

e2e_require_root_netns --tun
command -v python3 >/dev/null || e2e_skip "python3 (TCP listeners) not installed"
e2e_tmpdir >/dev/null
w_topology wfw 40 # srv, a (pc1), b (pc2)
declare -A ns srv_ip
ns[pc1]="$W_NS_A"
ns[pc2]="$W_NS_B"
srv_ip[pc1]="$W_SRV_IP_A"
srv_ip[pc2]="$W_SRV_IP_B"
for i in 1 2; do
  ns[r$i]="e2e-wfw-r$i-$$"
  ns[h$i]="e2e-wfw-h$i-$$"
  e2e_make_ns "${ns[r$i]}"
  e2e_make_ns "${ns[h$i]}"
  e2e_link "$W_NS_SRV" "10.250.$((41 + i)).1/24" "${ns[r$i]}" "10.250.$((41 + i)).2/24"
  srv_ip[r$i]="10.250.$((41 + i)).1"
  # The router's LAN: the router at .1, a host at .10 routed through it.
  e2e_link "${ns[r$i]}" "192.168.$((60 + i)).1/24" "${ns[h$i]}" "192.168.$((60 + i)).10/24"
  ip -n "${ns[h$i]}" route add default via "192.168.$((60 + i)).1"
  ip netns exec "${ns[r$i]}" sysctl -qw net.ipv4.ip_forward=1
done
ip netns exec "$W_NS_SRV" sysctl -qw net.ipv4.ip_forward=1

w_init "$W_SRV_IP_A" 10.254.0.0/24
w_start_wardend
w_start_server "$W_NS_SRV"

# --- groups, devices, rules -----------------------------------------------------------------
for g in eng office plant; do "$WARDENCTL" group add "$g" >/dev/null || e2e_fail "group add $g"; done
"$WARDENCTL" device add pc1 --type pc --group eng >/dev/null || e2e_fail "add pc1"
"$WARDENCTL" device add pc2 --type pc --group default >/dev/null || e2e_fail "add pc2"
"$WARDENCTL" device edit pc2 --group office >/dev/null || e2e_fail "device edit pc2 --group office"
"$WARDENCTL" device add r1 --type router --group plant --network 192.168.61.0/24 >/dev/null || e2e_fail "add r1"
"$WARDENCTL" device add r2 --type router --group plant --network 192.168.62.0/24 >/dev/null || e2e_fail "add r2"
"$WARDENCTL" rule add eng plant --proto tcp --ports 8080 >/dev/null || e2e_fail "rule 1"
"$WARDENCTL" rule add plant plant >/dev/null || e2e_fail "rule 2"
"$WARDENCTL" rule add eng office --both >/dev/null || e2e_fail "rule 3"
"$WARDENCTL" rule add office plant --proto icmp >/dev/null || e2e_fail "rule 4"
out=$("$WARDENCTL" group delete plant 2>&1) && e2e_fail "a group with devices was deleted"
case "$out" in *"still has 2 device"*) ;; *) e2e_fail "group delete refusal unclear: $out" ;; esac
"$WARDENCTL" --json rule list | grep -q '"id":4,"from":"office","to":"plant","direction":"one-way","proto":"icmp"' ||
  e2e_fail "rule list does not show rule 4: $("$WARDENCTL" --json rule list)"
ip netns exec "$W_NS_SRV" nft list table inet warden >"$E2E_DIR/table.nft" || e2e_fail "no table warden in the server namespace"
e2e_pass "groups, devices and rules set up; table inet warden is in the server namespace"

for d in pc1 pc2 r1 r2; do
  "$WARDENCTL" device export "$d" -o "$E2E_DIR/$d.ovpn" || e2e_fail "export $d"
  sed -i "s/^remote $W_SRV_IP_A /remote ${srv_ip[$d]} /" "$E2E_DIR/$d.ovpn"
done
declare -A pid
for d in pc1 pc2 r1 r2; do
  w_start_client "${ns[$d]}" "$E2E_DIR/$d.ovpn" "$E2E_DIR/$d.log"
  pid[$d]=$E2E_PID
done
for d in pc1 pc2 r1 r2; do
  e2e_wait_for_log "$E2E_DIR/$d.log" 'Initialization Sequence Completed' 20 "${pid[$d]}" || e2e_fail "$d did not connect"
done
for net in 192.168.61.0/24 192.168.62.0/24; do
  e2e_wait_for "ip -n '$W_NS_SRV' route show '$net' | grep -q tun" 5 || e2e_fail "server has no route for $net"
done

# Pushed routes follow the rules: every group here is linked to plant, so every client
# but the router itself gets routes to both LANs.
for d in pc1 pc2; do
  for net in 192.168.61.0/24 192.168.62.0/24; do
    ip -n "${ns[$d]}" route show "$net" | grep -q tun || e2e_fail "$d has no pushed route for $net"
  done
done
ip -n "${ns[r1]}" route show 192.168.62.0/24 | grep -q tun || e2e_fail "r1 has no pushed route to r2's LAN"
ip -n "${ns[r1]}" route show 192.168.61.0/24 | grep -q tun && e2e_fail "r1 was pushed its own LAN"
e2e_pass "pushed routes: pcs to both LANs, r1 to r2's LAN only"

# --- listeners and probes -------------------------------------------------------------------
declare -A addr
addr[pc1]=$(w_vpn_ip pc1)
addr[pc2]=$(w_vpn_ip pc2)
addr[h1]=192.168.61.10
addr[h2]=192.168.62.10
mkdir -p "$E2E_DIR/www"
for e in pc1 pc2 h1 h2; do
  for port in 8080 8081; do
    e2e_start_bg "${ns[$e]}" "$E2E_DIR/http-$e-$port.log" python3 -m http.server "$port" --bind 0.0.0.0 --directory "$E2E_DIR/www"
  done
done
for e in pc1 pc2 h1 h2; do
  for port in 8080 8081; do
    e2e_wait_for "ip netns exec '${ns[$e]}' timeout 1 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$port'" 30 ||
      e2e_fail "listener $e:$port did not start"
  done
done

# probe KIND SRC DST [PORT]: one attempt, 1 s bound. Prints "yes" or "no".
probe() {
  local kind="$1" src="$2" dst="$3" port="${4:-8080}"
  if [ "$kind" = icmp ]; then
    ip netns exec "${ns[$src]}" ping -n -q -c 1 -W 1 "${addr[$dst]}" >/dev/null 2>&1 && echo yes && return
  else
    ip netns exec "${ns[$src]}" timeout 1 bash -c "exec 3<>/dev/tcp/${addr[$dst]}/$port" 2>/dev/null && echo yes && return
  fi
  echo no
}

# check_matrix LABEL SPEC...: each SPEC is "src>dst:icmp:tcp" with y/n expectations (TCP
# port 8080), or "src>dst:-:n:8081" for another port. Every probe runs in parallel; an
# expected "yes" gets three attempts (first packets may meet ARP), a "no" one.
check_matrix() {
  local label="$1" spec src dst want_icmp want_tcp port kind want tries i j=0 failures=""
  shift
  local dir="$E2E_DIR/matrix-$label"
  mkdir -p "$dir"
  local pids=()
  for spec in "$@"; do
    IFS=':>' read -r src dst want_icmp want_tcp port <<<"$spec"
    for kind in icmp tcp; do
      want=$want_icmp
      [ "$kind" = tcp ] && want=$want_tcp
      [ "$want" = - ] && continue
      tries=1
      [ "$want" = y ] && tries=3
      (
        r=no
        for ((i = 0; i < tries; i++)); do
          r=$(probe "$kind" "$src" "$dst" "${port:-8080}")
          [ "$r" = yes ] && break
        done
        echo "$src>$dst $kind${port:+/$port} want=$want got=$r"
      ) >"$dir/$j" &
      pids+=($!)
      j=$((j + 1))
    done
  done
  for i in "${pids[@]}"; do wait "$i"; done
  local n=0
  for ((i = 0; i < j; i++)); do
    case "$(cat "$dir/$i")" in
      *"want=y got=yes"* | *"want=n got=no"*) n=$((n + 1)) ;;
      *) failures+=" [$(cat "$dir/$i")]" ;;
    esac
  done
  [ -z "$failures" ] || e2e_fail "$label:$failures"
  e2e_pass "$label: $n/$j probes as the rules say"
}

# Expected with rules 1-4 (src>dst:icmp:tcp8080).
before=(
  "pc1>pc2:y:y" "pc2>pc1:y:y"                 # rule 3, both ways
  "pc1>h1:n:y" "pc1>h2:n:y" "pc1>h1:-:n:8081" # rule 1: TCP 8080 only
  "h1>pc1:n:n" "h2>pc1:n:n"                   # rule 1 is one-way
  "pc2>h1:y:n" "pc2>h2:y:n"                   # rule 4: ICMP only
  "h1>pc2:n:n" "h2>pc2:n:n"                   # rule 4 is one-way
  "h1>h2:y:y" "h2>h1:y:y"                     # rule 2, within plant
)
check_matrix initial "${before[@]}"

# --- a live change --------------------------------------------------------------------------
connects() { grep -c 'Initialization Sequence Completed' "$E2E_DIR/$1.log"; }
"$WARDENCTL" rule delete 3 >/dev/null || e2e_fail "rule delete 3"
"$WARDENCTL" rule add plant office --proto tcp --ports 8080 >/dev/null || e2e_fail "rule add plant office"
grep -q 'firewall applied .*mode=delta' "$E2E_DIR/wardend.log" || e2e_fail "a rule change was not applied as a delta"
after=(
  "pc1>pc2:n:n" "pc2>pc1:n:n"                 # rule 3 gone
  "pc1>h1:n:y" "pc1>h2:n:y" "pc1>h1:-:n:8081"
  "h1>pc1:n:n" "h2>pc1:n:n"
  "pc2>h1:y:n" "pc2>h2:y:n"
  "h1>pc2:n:y" "h2>pc2:n:y" "h1>pc2:-:n:8081" # rule 5, one-way TCP 8080
  "h1>h2:y:y" "h2>h1:y:y"
)
check_matrix changed "${after[@]}"
for d in pc1 pc2 r1 r2; do
  e2e_alive "${pid[$d]}" || e2e_fail "$d's OpenVPN exited"
  [ "$(connects "$d")" -eq 1 ] || e2e_fail "$d reconnected during the rule change"
done
e2e_pass "rule 3 deleted and rule 5 added with all four clients staying connected"

# --- wardend restart ------------------------------------------------------------------------
# A leak probe runs through the whole restart: pc1 -> pc2 is refused now, every attempt.
: >"$E2E_DIR/leaks"
(
  while [ ! -e "$E2E_DIR/stop-probe" ]; do
    [ "$(probe tcp pc1 pc2)" = yes ] && echo "pc1>pc2 tcp passed" >>"$E2E_DIR/leaks"
    [ "$(probe tcp h1 pc1)" = yes ] && echo "h1>pc1 tcp passed" >>"$E2E_DIR/leaks"
  done
) &
probe_pid=$!
e2e_on_exit "touch '$E2E_DIR/stop-probe'; wait $probe_pid"
applied_before=$(grep -c 'firewall applied .*mode=full' "$E2E_DIR/wardend.log")
e2e_stop "$W_WARDEND_PID"
ip netns exec "$W_NS_SRV" nft list table inet warden >/dev/null || e2e_fail "the table went away with wardend"
check_matrix wardend-stopped "${after[@]}"
w_start_wardend # returns once wardend answers, which it does only with its table applied
[ "$(grep -c 'firewall applied .*mode=full' "$E2E_DIR/wardend.log")" -gt "$applied_before" ] ||
  e2e_fail "restarted wardend did not replace its table"
check_matrix wardend-restarted "${after[@]}"
touch "$E2E_DIR/stop-probe"
wait "$probe_pid" || true # its status is that of its last probe
[ ! -s "$E2E_DIR/leaks" ] || e2e_fail "refused traffic passed during the restart: $(sort -u "$E2E_DIR/leaks" | tr '\n' ' ')"
for d in pc1 pc2 r1 r2; do
  [ "$(connects "$d")" -eq 1 ] || e2e_fail "$d reconnected during the wardend restart"
done
e2e_pass "enforcement unchanged while wardend was stopped and after it restarted (no leak probe passed)"

# --- a deleted rule cuts live flows ---------------------------------------------------------
# pc1 (eng) -> pc2 (office): a ping every 50 ms and a TCP stream (a line every 20 ms), both
# under a fresh rule 6; the receiver stamps every arrival. Delete rule 6: the last arrival
# must come less than 1 s after the delete started, although both flows are established.
rule6=$("$WARDENCTL" --json rule add eng office | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') ||
  e2e_fail "rule add eng office"
cat >"$E2E_DIR/stream.py" <<'PY'
import socket, sys, time
if sys.argv[1] == "serve":
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", 9000)); s.listen(1); c, _ = s.accept()
    with open(sys.argv[2], "a", buffering=1) as out:
        while c.recv(4096):
            out.write("%.3f\n" % time.time())
else:
    c = socket.create_connection((sys.argv[2], 9000), timeout=5)
    while True:
        c.sendall(b"x" * 64); time.sleep(0.02)
PY
: >"$E2E_DIR/stream-rx"
e2e_start_bg "${ns[pc2]}" "$E2E_DIR/stream-server.log" python3 "$E2E_DIR/stream.py" serve "$E2E_DIR/stream-rx"
e2e_wait_for "ip netns exec '${ns[pc2]}' ss -Hltn 'sport = :9000' | grep -q 9000" 10 || e2e_fail "stream listener did not start"
e2e_start_bg "${ns[pc1]}" "$E2E_DIR/stream-client.log" python3 "$E2E_DIR/stream.py" send "${addr[pc2]}"
e2e_start_bg "${ns[pc1]}" "$E2E_DIR/ping-live.log" ping -n -D -i 0.05 "${addr[pc2]}"
now_s() { printf '%s\n' "$EPOCHREALTIME"; }
# last_rx: epoch seconds of the latest TCP arrival / ping reply (0 when none yet).
last_tcp() { tail -n 1 "$E2E_DIR/stream-rx" | grep -E '^[0-9.]+$' || echo 0; }
last_ping() { grep -o '^\[[0-9.]*\] [0-9]* bytes from' "$E2E_DIR/ping-live.log" | tail -n 1 | tr -d '[' | cut -d' ' -f1 || echo 0; }
recent() { awk -v t="$1" -v now="$(now_s)" 'BEGIN { exit !(now - t < 0.3) }'; }
e2e_wait_for 'recent "$(last_tcp)" && recent "$(last_ping)"' 10 || e2e_fail "the ping and the TCP stream do not flow under rule $rule6"
deleted_at=$(now_s)
"$WARDENCTL" rule delete "$rule6" >/dev/null || e2e_fail "rule delete $rule6"
quiet() { awk -v a="$(last_tcp)" -v b="$(last_ping)" -v now="$(now_s)" 'BEGIN { exit !(now - a > 1.5 && now - b > 1.5) }'; }
e2e_wait_for quiet 8 || e2e_fail "flows still pass after rule $rule6 was deleted (last TCP $(last_tcp), last ping $(last_ping), delete at $deleted_at)"
tcp_ms=$(awk -v a="$(last_tcp)" -v d="$deleted_at" 'BEGIN { printf "%d", (a - d) * 1000 }')
ping_ms=$(awk -v a="$(last_ping)" -v d="$deleted_at" 'BEGIN { printf "%d", (a - d) * 1000 }')
e2e_log "after rule delete: last TCP arrival ${tcp_ms} ms, last ping reply ${ping_ms} ms after the delete started"
[ "$tcp_ms" -lt 1000 ] && [ "$ping_ms" -lt 1000 ] || e2e_fail "flows stopped too late: TCP ${tcp_ms} ms, ping ${ping_ms} ms"
grep -q 'firewall flows cut .*cut=' "$E2E_DIR/wardend.log" || e2e_fail "wardend did not log the cut"
e2e_pass "rule delete: established ping stopped within ${ping_ms} ms, TCP stream within ${tcp_ms} ms"

# --- the table removed from outside is back within 5 s ---------------------------------------
ip netns exec "$W_NS_SRV" nft flush ruleset
flushed_at=$(now_s)
e2e_wait_for "ip netns exec '$W_NS_SRV' nft list table inet warden >/dev/null 2>&1" 5 ||
  e2e_fail "the flushed table was not reloaded within 5 s"
repair_ms=$(awk -v d="$flushed_at" -v now="$(now_s)" 'BEGIN { printf "%d", (now - d) * 1000 }')
grep -q 'firewall table missing or altered, reloading .*found=missing' "$E2E_DIR/wardend.log" ||
  e2e_fail "no log line for the missing table"
check_matrix repaired "${after[@]}"
status=$("$WARDENCTL" --json status)
case "$status" in *'"firewall":{"state":"ok"'*'"repairs":1'*) ;; *) e2e_fail "status does not show the repair: $status" ;; esac
e2e_pass "nft flush ruleset: table reloaded after ${repair_ms} ms, rules enforced, status shows it"

# --- a change the kernel refuses: the command fails, the timer retries -----------------------
# Someone puts an element into office's allow set that overlaps what the next rule adds
# (eng -> office tcp/8080): the kernel refuses the delta. The command must not say OK;
# the retry reloads the whole table (without the stranger's element) within seconds.
chain_of() { ip netns exec "$W_NS_SRV" nft list map inet warden addr_ip | grep -o "$1 : jump g_[0-9]*" | grep -o '[0-9]*$'; }
office_id=$(chain_of "${addr[pc2]}")
eng_mark=$(ip netns exec "$W_NS_SRV" nft list chain inet warden "g_$(chain_of "${addr[pc1]}")" | grep -o 'meta mark | 0x[0-9a-f]*' | awk '{print $4}')
ip netns exec "$W_NS_SRV" nft add element inet warden "allow_$office_id" "{ $eng_mark . tcp . 8000-9000 }" ||
  e2e_fail "cannot add the stranger's element"
out=$("$WARDENCTL" rule add eng office --proto tcp --ports 8080 2>&1) && e2e_fail "a change the kernel refused answered OK: $out"
case "$out" in *"stored but the firewall could not be applied"*"retried"*) ;; *) e2e_fail "refusal unclear: $out" ;; esac
"$WARDENCTL" --json rule list | grep -q '"from":"eng","to":"office","direction":"one-way","proto":"tcp","ports":"8080"' ||
  e2e_fail "the refused change was not stored"
e2e_wait_for "grep -q 'firewall recovered' '$E2E_DIR/wardend.log'" 5 || e2e_fail "the refused change was not retried"
status=$("$WARDENCTL" --json status)
case "$status" in *'"firewall":{"state":"ok"'*'"last_error":"Error'*) ;; *) e2e_fail "status after the retry: $status" ;; esac
[ "$(probe tcp pc1 pc2)" = yes ] || e2e_fail "the stored rule eng -> office tcp/8080 is not in force after the retry"
[ "$(probe tcp pc1 pc2 8081)" = no ] || e2e_fail "the stranger's element survived the full reload"
rule7=$("$WARDENCTL" --json rule list | python3 -c 'import json,sys; print([r["id"] for r in json.load(sys.stdin) if r["to"] == "office" and r["ports"] == "8080" and r["from"] == "eng"][0])')
"$WARDENCTL" rule delete "$rule7" >/dev/null || e2e_fail "rule delete $rule7"
e2e_pass "a refused change: the command failed with 'stored but not applied', the retry put it in force"

# --- other traffic through the server is not ours ---------------------------------------------
# Two plain hosts routed through the server namespace, IPv4 and IPv6, no VPN involved.
for i in 1 2; do
  ns[x$i]="e2e-wfw-x$i-$$"
  e2e_make_ns "${ns[x$i]}"
  e2e_link "$W_NS_SRV" "10.250.$((50 + i)).1/24" "${ns[x$i]}" "10.250.$((50 + i)).2/24"
  ip -n "$W_NS_SRV" -6 addr add "fd00:$((50 + i))::1/64" dev "$(ip -n "$W_NS_SRV" -o addr show to "10.250.$((50 + i)).1" | awk '{print $2}')" nodad
  ip -n "${ns[x$i]}" -6 addr add "fd00:$((50 + i))::2/64" dev "$(ip -n "${ns[x$i]}" -o addr show to "10.250.$((50 + i)).2" | awk '{print $2}')" nodad
  ip -n "${ns[x$i]}" route add default via "10.250.$((50 + i)).1"
  ip -n "${ns[x$i]}" -6 route add default via "fd00:$((50 + i))::1"
done
ip netns exec "$W_NS_SRV" sysctl -qw net.ipv6.conf.all.forwarding=1
# Another table marks pc1 -> h1 and x1 -> x2 before ours runs (0x80001234: bits outside
# ours) and counts, after ours, the new connections that still carry that mark.
ip netns exec "$W_NS_SRV" nft -f - <<NFT || e2e_fail "cannot load the marking table"
table inet other {
	chain mark_early {
		type filter hook forward priority -10; policy accept;
		ip saddr ${addr[pc1]} ip daddr ${addr[h1]} meta mark set 0x80001234
		ip6 saddr fd00:51::2 meta mark set 0x80001234
	}
	chain count_late {
		type filter hook forward priority 10; policy accept;
		ct state new ip saddr ${addr[pc1]} meta mark & 0xf000ffff == 0x80001234 counter
		ct state new ip6 saddr fd00:51::2 meta mark == 0x80001234 counter
	}
}
NFT
ip netns exec "$W_NS_SRV" nft list table inet warden >/dev/null || e2e_fail "our table is not loaded"
# The first IPv6 packets wait for the server's link-local addresses (DAD, about 1 s).
e2e_wait_for "ip netns exec '${ns[x1]}' ping -n -q -c 1 -W 1 fd00:52::2" 10 || e2e_fail "forwarded IPv6 x1 -> x2 was dropped"
ip netns exec "${ns[x1]}" ping -n -q -c 1 -W 2 10.250.52.2 >/dev/null || e2e_fail "forwarded IPv4 x1 -> x2 was dropped"
[ "$(probe tcp pc1 h1)" = yes ] || e2e_fail "pc1 -> h1 tcp/8080 refused"
counters=$(ip netns exec "$W_NS_SRV" nft list chain inet other count_late | grep -o 'packets [0-9]*' | awk '{print $2}' | tr '\n' ' ')
read -r v4_marked v6_marked <<<"$counters"
[ "${v4_marked:-0}" -gt 0 ] || e2e_fail "another table's mark did not survive our chain (pc1 -> h1): counters $counters"
[ "${v6_marked:-0}" -gt 0 ] || e2e_fail "another table's mark on IPv6 did not survive: counters $counters"
e2e_pass "forwarded IPv6 and non-VPN IPv4 pass with the table loaded; a foreign packet mark survives"
