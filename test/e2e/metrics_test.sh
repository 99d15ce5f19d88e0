#!/usr/bin/env bash
# Prometheus metrics (issue 12) with a real Prometheus (Debian `prometheus`): wardend's
# [metrics] listener on the server namespace's loopback, scraped every second by a
# Prometheus started here (its own config and storage in the test's folder, on a loopback
# port of the same namespace). After a registered client connected and an unregistered
# one was refused, PromQL over Prometheus' HTTP API returns the verdict counter (allow and
# deny by reason); `promtool check metrics` finds no problem in a scrape; "off" (the
# default) leaves the port closed; an address in use stops wardend with one clear line.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/warden_lib.sh
source "$(dirname "$0")/warden_lib.sh"

e2e_require_root_netns --tun
command -v prometheus >/dev/null && command -v promtool >/dev/null ||
  e2e_skip "prometheus/promtool not installed (Debian package prometheus)"
command -v curl >/dev/null || e2e_skip "curl not installed"
e2e_tmpdir >/dev/null
w_topology wm 60
w_init "$W_SRV_IP_A" 10.253.60.0/24
conf="$W_STATE/wardend.conf"
metrics_port=19487
prom_port=19090

# 1. Off by default: wardend init writes the table switched off; nothing listens.
grep -q '^\[metrics\]$' "$conf" || e2e_fail "wardend init wrote no [metrics] table"
sed -n '/^\[metrics\]$/,/^\[/p' "$conf" | grep -q "^listen = .off.$" ||
  e2e_fail "[metrics] listen is not off by default"
w_start_wardend
ip netns exec "$W_NS_SRV" curl -s -o /dev/null "http://127.0.0.1:$metrics_port/metrics" &&
  e2e_fail "something answers on the metrics port while [metrics] is off"
e2e_stop "$W_WARDEND_PID"
e2e_pass "metrics off by default"

# Only the [metrics] table's listen line changes ([http] has one too).
sed -i "/^\[metrics\]$/,/^\[/ s/^listen = .*/listen = \"127.0.0.1:$metrics_port\"/" "$conf"

# 2. The address is taken: wardend does not start, and says why.
w_refused_while_port_taken "$W_NS_SRV" "$metrics_port" "$conf" \
  "wardend not started: the metrics endpoint cannot listen listen=127.0.0.1:$metrics_port"
e2e_pass "an address in use stops wardend with a clear line"

# 3. Served; Prometheus scrapes it.
w_start_wardend
e2e_wait_for_log "$E2E_DIR/wardend.log" "metrics listening listen=127.0.0.1:$metrics_port" 10 "$W_WARDEND_PID" ||
  e2e_fail "wardend does not say it serves metrics"
mkdir -p "$E2E_DIR/prom"
cat >"$E2E_DIR/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: warden
    static_configs:
      - targets: ["127.0.0.1:$metrics_port"]
YML
promtool check config "$E2E_DIR/prometheus.yml" >/dev/null || e2e_fail "promtool rejects the test's config"
e2e_start_bg "$W_NS_SRV" "$E2E_DIR/prometheus.log" prometheus --config.file="$E2E_DIR/prometheus.yml" \
  --storage.tsdb.path="$E2E_DIR/prom" --web.listen-address="127.0.0.1:$prom_port"
prom_pid=$E2E_PID
e2e_wait_for_log "$E2E_DIR/prometheus.log" 'Server is ready to receive web requests' 30 "$prom_pid" ||
  e2e_fail "Prometheus did not start"

# promql QUERY: the first result's value ("" when the result is empty).
promql() {
  ip netns exec "$W_NS_SRV" curl -sf "http://127.0.0.1:$prom_port/api/v1/query" \
    --data-urlencode "query=$1" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["status"] == "success", r
res = r["data"]["result"]
print(res[0]["value"][1] if res else "")'
}

e2e_wait_for "[ \"\$(promql 'up{job=\"warden\"}')\" = 1 ]" 20 ||
  e2e_fail "Prometheus does not scrape wardend: up=$(promql 'up{job="warden"}')"
e2e_pass "Prometheus scrapes wardend (up = 1)"

# 4. Real clients: one admitted, one with an unregistered certificate refused.
w_start_server "$W_NS_SRV"
w_add_device laptop
w_start_client "$W_NS_A" "$E2E_DIR/laptop.ovpn" "$E2E_DIR/laptop.log"
e2e_wait_for_log "$E2E_DIR/laptop.log" 'Initialization Sequence Completed' 20 "$E2E_PID" ||
  e2e_fail "registered client did not connect"
pki="$W_STATE/pki"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$E2E_DIR/rogue.key" \
  -out "$E2E_DIR/rogue.csr" -subj "/CN=rogue" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' >"$E2E_DIR/rogue.ext"
openssl x509 -req -in "$E2E_DIR/rogue.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" \
  -set_serial "0x$(openssl rand -hex 12)" -days 2 -extfile "$E2E_DIR/rogue.ext" -out "$E2E_DIR/rogue.crt" 2>/dev/null
sed -e '/<cert>/,/<\/cert>/d' -e '/<key>/,/<\/key>/d' "$E2E_DIR/laptop.ovpn" >"$E2E_DIR/rogue.ovpn"
printf 'cert %s\nkey %s\n' "$E2E_DIR/rogue.crt" "$E2E_DIR/rogue.key" >>"$E2E_DIR/rogue.ovpn"
w_for_client_b "$E2E_DIR/rogue.ovpn"
w_start_client "$W_NS_B" "$E2E_DIR/rogue.ovpn" "$E2E_DIR/rogue.log"
e2e_wait_for_log "$E2E_DIR/rogue.log" 'AUTH_FAILED' 20 || e2e_fail "unregistered client was not refused"

allow='sum(warden_verdicts_total{outcome="allow"})'
deny='sum(warden_verdicts_total{outcome="deny",reason="not_registered"})'
e2e_wait_for "[ \"\$(promql '$allow')\" != '' ] && [ \"\$(promql '$allow')\" -ge 1 ]" 20 ||
  e2e_fail "PromQL $allow = '$(promql "$allow")', expected >= 1"
e2e_wait_for "[ \"\$(promql '$deny')\" != '' ] && [ \"\$(promql '$deny')\" -ge 1 ]" 20 ||
  e2e_fail "PromQL $deny = '$(promql "$deny")', expected >= 1"
e2e_wait_for "[ \"\$(promql 'warden_sessions')\" = 1 ]" 20 ||
  e2e_fail "PromQL warden_sessions = '$(promql warden_sessions)', expected 1"
# From the store, read at most every 5 s.
e2e_wait_for "[ \"\$(promql 'warden_devices{state=\"online\"}')\" = 1 ]" 20 ||
  e2e_fail "PromQL warden_devices{state=\"online\"} = '$(promql 'warden_devices{state="online"}')', expected 1"
count=$(promql 'warden_verdict_duration_seconds_count')
[ -n "$count" ] && [ "$count" -ge 2 ] || e2e_fail "verdict latency histogram count is '$count'"
e2e_pass "PromQL: allow=$(promql "$allow") deny[not_registered]=$(promql "$deny") sessions=1 devices[online]=1 latency count=$count"

# 5. promtool finds no problem in the exposition; it is served as Prometheus text.
ip netns exec "$W_NS_SRV" curl -sf -D "$E2E_DIR/headers" -o "$E2E_DIR/scrape.txt" \
  "http://127.0.0.1:$metrics_port/metrics" || e2e_fail "scrape failed"
grep -qi '^Content-Type: text/plain; version=0.0.4' "$E2E_DIR/headers" || e2e_fail "not the Prometheus content type"
lint=$(promtool check metrics <"$E2E_DIR/scrape.txt" 2>&1) || e2e_fail "promtool check metrics failed: $lint"
[ -z "$lint" ] || e2e_fail "promtool check metrics found problems: $lint"
for family in warden_build_info warden_devices warden_firewall_applies_total \
  warden_crl_next_update_timestamp_seconds warden_ca_certificate_expiry_timestamp_seconds \
  warden_pending_certificates warden_login_failures_total warden_deferred_verdicts_total; do
  grep -q "^# TYPE $family " "$E2E_DIR/scrape.txt" || e2e_fail "no $family in the scrape"
done
code=$(ip netns exec "$W_NS_SRV" curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$metrics_port/other")
[ "$code" = 404 ] || e2e_fail "an unknown path answered $code"
e2e_pass "promtool check metrics: no problem; $(grep -vc '^#' "$E2E_DIR/scrape.txt") samples"
