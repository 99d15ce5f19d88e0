#!/usr/bin/env bash
# Routing for routers end to end: a pc client reaches hosts in routers' LANs through the
# VPN. One router routes its LAN with its real addresses (direct); two more have LANs on
# the SAME local network 192.168.0.0/24 and are reached under their own virtual networks
# (netmap), applying the NETMAP rules from their exported profiles with nft.
#
#   pc ── srv (openvpn + wardend) ── r1 ── h1 192.168.50.10   (direct 192.168.50.0/24)
#                                  ├─ r2 ── h2 192.168.0.10    (netmap as 10.201.1.0/24)
#                                  └─ r3 ── h3 192.168.0.10    (netmap as 10.201.2.0/24)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/warden_lib.sh
source "$(dirname "$0")/warden_lib.sh"

e2e_require_root_netns --tun
command -v nft >/dev/null || e2e_skip "nft (nftables) not installed"
e2e_tmpdir >/dev/null
w_topology wr 30  # srv, a (the pc), b (router r1)
ns_pc="$W_NS_A"
declare -A ns srv_ip
ns[r1]="$W_NS_B"
srv_ip[r1]="$W_SRV_IP_B"
for i in 2 3; do
  ns[r$i]="e2e-wr-r$i-$$"
  e2e_make_ns "${ns[r$i]}"
  e2e_link "$W_NS_SRV" "10.250.$((31 + i)).1/24" "${ns[r$i]}" "10.250.$((31 + i)).2/24"
  srv_ip[r$i]="10.250.$((31 + i)).1"
done
# Each router's LAN: the router at .1, a host at .10 whose default route is the router.
lan_of() { case "$1" in r1) echo 192.168.50 ;; *) echo 192.168.0 ;; esac; }
for r in r1 r2 r3; do
  host_ns="e2e-wr-h${r#r}-$$"
  e2e_make_ns "$host_ns"
  lan=$(lan_of "$r")
  e2e_link "${ns[$r]}" "$lan.1/24" "$host_ns" "$lan.10/24"
  ip -n "$host_ns" route add default via "$lan.1"
  ip netns exec "${ns[$r]}" sysctl -qw net.ipv4.ip_forward=1
  ns[h${r#r}]="$host_ns"
done
ip netns exec "$W_NS_SRV" sysctl -qw net.ipv4.ip_forward=1

w_init "$W_SRV_IP_A" 10.253.0.0/24
w_start_wardend
w_start_server "$W_NS_SRV"

# Devices: one pc, three routers.
w_add_device laptop
"$WARDENCTL" device add r1 --type router --network 192.168.50.0/24 >/dev/null || e2e_fail "add r1"
"$WARDENCTL" device add r2 --type router --network 10.201.1.0/24 --netmap 192.168.0.0/24 >/dev/null ||
  e2e_fail "add r2"
"$WARDENCTL" device add r3 --type router --network 10.201.2.0/255.255.255.0 --netmap 192.168.0.0/24 \
  >/dev/null || e2e_fail "add r3"
out=$("$WARDENCTL" device add r4 --type router --network 10.201.2.128/25 2>&1) &&
  e2e_fail "an overlapping accessible network was accepted"
case "$out" in *network:*) ;; *) e2e_fail "overlap refusal does not name the field: $out" ;; esac

"$WARDENCTL" device export r1 -o "$E2E_DIR/r1.ovpn" || e2e_fail "export r1"
"$WARDENCTL" device export r1 -o /dev/null --nft "$E2E_DIR/r1.nft" 2>/dev/null &&
  e2e_fail "a direct router was given NETMAP rules"
for r in r2 r3; do
  "$WARDENCTL" device export "$r" -o "$E2E_DIR/$r.ovpn" --nft "$E2E_DIR/$r.nft" ||
    e2e_fail "export $r with --nft failed"
done
for r in r1 r2 r3; do
  sed -i "s/^remote $W_SRV_IP_A /remote ${srv_ip[$r]} /" "$E2E_DIR/$r.ovpn"
done
grep -q '^#| table ip warden_netmap' "$E2E_DIR/r2.ovpn" || e2e_fail "r2's profile lacks its NETMAP rules"
for r in r2 r3; do
  ip netns exec "${ns[$r]}" nft -f "$E2E_DIR/$r.nft" || e2e_fail "nft rejected $r's NETMAP rules"
done

# The server routes every router network into its tun device (wardend does it).
for net in 192.168.50.0/24 10.201.1.0/24 10.201.2.0/24; do
  e2e_wait_for "ip -n '$W_NS_SRV' route show '$net' | grep -q 'dev tun-default'" 5 ||
    e2e_fail "server has no kernel route for $net"
done
e2e_pass "server routes 192.168.50.0/24, 10.201.1.0/24 and 10.201.2.0/24 into tun-default"

w_start_client "$ns_pc" "$E2E_DIR/laptop.ovpn" "$E2E_DIR/laptop.log"
pc_pid=$E2E_PID
declare -A pid
for r in r1 r2 r3; do
  w_start_client "${ns[$r]}" "$E2E_DIR/$r.ovpn" "$E2E_DIR/$r.log"
  pid[$r]=$E2E_PID
done
for who in laptop r1 r2 r3; do
  p=${pid[$who]:-$pc_pid}
  e2e_wait_for_log "$E2E_DIR/$who.log" 'Initialization Sequence Completed' 20 "$p" ||
    e2e_fail "$who did not connect"
done

# The pc was pushed a route for every router network; r2 for the others but not its own.
for net in 192.168.50.0/24 10.201.1.0/24 10.201.2.0/24; do
  ip -n "$ns_pc" route show "$net" | grep -q tun || e2e_fail "pc has no pushed route for $net"
done
ip -n "${ns[r2]}" route show 10.201.1.0/24 | grep -q tun && e2e_fail "r2 was pushed its own network"

e2e_ping "$ns_pc" 192.168.50.10 || e2e_fail "pc cannot reach h1 in r1's LAN (direct)"
e2e_pass "pc reaches 192.168.50.10 behind r1 with direct addressing"
e2e_ping "$ns_pc" 10.201.1.10 || e2e_fail "pc cannot reach h2 as 10.201.1.10 (netmap via r2)"
e2e_ping "$ns_pc" 10.201.2.10 || e2e_fail "pc cannot reach h3 as 10.201.2.10 (netmap via r3)"
e2e_pass "pc reaches both 192.168.0.10 hosts, as 10.201.1.10 (r2) and 10.201.2.10 (r3)"

# A LAN host reaches the pc; it appears under its router's virtual network.
pc_ip=$(w_vpn_ip laptop)
e2e_ping "${ns[h2]}" "$pc_ip" || e2e_fail "h2 cannot reach the pc at $pc_ip"
e2e_pass "h2 (192.168.0.10 behind netmap r2) reaches the pc at $pc_ip"

# Deleting a router removes its kernel route.
"$WARDENCTL" device delete r1 >/dev/null || e2e_fail "delete r1"
e2e_wait_for "! ip -n '$W_NS_SRV' route show 192.168.50.0/24 | grep -q tun-default" 5 ||
  e2e_fail "r1's route stayed after the device was deleted"
e2e_pass "deleting r1 removed its kernel route"
