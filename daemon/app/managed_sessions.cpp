#include "daemon/app/managed_sessions.hpp"

#include <algorithm>
#include <ctime>
#include <set>

#include "common/log.hpp"
#include "daemon/core/time_text.hpp"

namespace warden::app {

ManagedSessions::ManagedSessions(boost::asio::io_context& io, const core::Config& config,
                                 core::SessionTable& table, store::Store& store,
                                 const core::Clock& clock)
    : io_(io),
      pool_{config.pool, config.pool.first() + 1},
      table_(table),
      store_(store),
      clock_(clock) {
    for (const auto& inst : config.instances) {
        mgmt::ClientOptions options;
        options.poll_interval = std::chrono::milliseconds(config.management_poll_ms);
        auto client =
            std::make_unique<mgmt::Client>(io, inst.name, inst.management_socket, options);
        const std::string name = inst.name;
        client->on_connection_change([this, name](bool up) {
            if (!up) return;
            came_up_[name] = clock_.now();
            reconcile_pending_.insert(name);
            follow_log(name);
        });
        client->on_log([this, name](std::string_view line) { remember_log(name, line); });
        client->on_sessions([this, name](const std::vector<mgmt::Session>& live) {
            forget_ended(name, live);
            if (reconcile_pending_.erase(name) == 0) return;
            reconcile(name);
            if (on_listed_) on_listed_(came_up_[name]);
        });
        clients_.emplace(name, std::move(client));
    }
}

// A kill ordered while the management interface was away (OpenVPN restarting, socket
// not yet up) was lost: once it is back, every session the plugin reported on that
// instance is checked against the store again and ended if it is no longer allowed.
void ManagedSessions::reconcile(const std::string& instance) {
    auto it = clients_.find(instance);
    if (it == clients_.end()) return;
    const std::int64_t now = clock_.now();
    for (const auto& s :
         table_.matching([&](const core::LiveSession& l) { return l.instance == instance; })) {
        const auto verdict =
            core::decide(s.serial, store_.find_by_serial(s.serial), pool_, now, false);
        if (verdict.allow) continue;
        log::info("ending session", {{"instance", instance},
                                     {"device", s.device_name},
                                     {"address", s.real_address},
                                     {"reason", verdict.reason}});
        kill_by_address(*it->second, s);
    }
}

void ManagedSessions::recheck() {
    for (const auto& [name, client] : clients_) reconcile(name);
}

void ManagedSessions::end_client(const core::LiveSession& client, const std::string& why) {
    auto it = clients_.find(client.instance);
    if (it == clients_.end()) return;
    log::info("ending session", {{"instance", client.instance},
                                 {"common_name", client.common_name},
                                 {"address", client.real_address},
                                 {"reason", why}});
    kill_by_address(*it->second, client);
}

void ManagedSessions::start() {
    for (auto& [name, client] : clients_) client->start();
}

void ManagedSessions::stop() {
    for (auto& [name, client] : clients_) client->stop();
}

std::vector<control::SessionView> ManagedSessions::list() {
    std::vector<control::SessionView> out;
    for (auto& [name, client] : clients_) {
        for (const auto& s : client->sessions()) {
            // Not yet admitted (or refused, and about to go): not a session for the admin.
            if (s.virtual_address.empty()) continue;
            if (ending_.count({name, s.client_id}) != 0) continue;  // killed, OpenVPN lags
            control::SessionView v;
            v.instance = name;
            v.common_name = s.common_name;
            // The plugin's address has the port also for IPv6 clients; status 3 lacks it.
            auto known = table_.find_reported(name, s.real_address, s.virtual_address);
            v.real_address = known ? known->real_address : s.real_address;
            v.vpn_ip = s.virtual_address;
            v.bytes_received = s.bytes_received;
            v.bytes_sent = s.bytes_sent;
            v.since = s.connected_since;
            v.device = known ? known->device_name : s.common_name;
            if (known) v.device_id = known->device_id;
            out.push_back(std::move(v));
        }
    }
    return out;
}

std::vector<control::InstanceView> ManagedSessions::instances() {
    std::vector<control::InstanceView> out;
    for (auto& [name, client] : clients_)
        out.push_back({name, client->connected(), client->sessions().size()});
    return out;
}

std::size_t ManagedSessions::end_sessions_of_serial(const std::string& serial,
                                                    const std::string& why) {
    std::vector<std::string> names;
    if (auto binding = store_.find_by_serial(serial)) names.push_back(binding->cert.common_name);
    return end_matching([&](const core::LiveSession& s) { return s.serial == serial; }, names, why);
}

std::size_t ManagedSessions::end_sessions_of_device(std::int64_t device_id,
                                                    const std::string& why) {
    std::vector<std::string> names;
    for (const auto& c : store_.certificates_of(device_id)) names.push_back(c.common_name);
    return end_matching([&](const core::LiveSession& s) { return s.device_id == device_id; }, names,
                        why);
}

// `client-kill CID` tells the client (RESTART), so it reconnects at once and meets the
// refusal, but OpenVPN then keeps the instance up to 5 s for the client to go away. A
// client that ignores the message must not keep its tunnel that long: after a short
// grace, `kill ADDRESS` ends the server side for good. The session may be younger than
// the last status poll, so a fresh status is asked for first.
void ManagedSessions::kill_by_address(mgmt::Client& client, const core::LiveSession& session) {
    const std::string address = session.real_address;
    auto hard_kill = [&client, address] {
        // 2.6's `kill` takes only IPv4 "a.b.c.d:port"; "gone already" needs no attention.
        if (mgmt::is_ipv4_endpoint(address))
            client.send_command("kill " + address, [](bool, std::vector<std::string>) {});
    };
    // Hidden from the view at once: an admin's `session list` right after the kill
    // must not show it, whatever OpenVPN's next status says.
    for (const auto& s : client.sessions()) {
        if (core::is_reported_as(session, s.real_address, s.virtual_address))
            ending_.insert({client.instance(), s.client_id});
    }
    client.send_command("status 3", [this, &client, session, address, hard_kill](
                                        bool ok, const std::vector<std::string>& lines) {
        std::optional<std::uint64_t> cid;
        if (ok) {
            for (const auto& s : mgmt::parse_status3(lines, client.instance()).sessions) {
                if (core::is_reported_as(session, s.real_address, s.virtual_address))
                    cid = s.client_id;
            }
        }
        if (!cid) return hard_kill();
        kill_by_id(client, *cid);
        auto timer = std::make_shared<boost::asio::steady_timer>(io_, kKillGrace);
        timer->async_wait([timer, hard_kill](auto ec) {
            if (!ec) hard_kill();
        });
    });
}

// `client-kill CID`, hidden from the view from now on. Failed: shown again, as it may
// well still be there. The plugin's record of the session (table_) stays until its
// Disconnect, which brings the bytes and duration for the connection log.
void ManagedSessions::kill_by_id(mgmt::Client& client, std::uint64_t cid) {
    const std::string instance = client.instance();
    ending_.insert({instance, cid});
    client.kill_client(cid, [this, instance, cid](bool killed, const std::string& msg) {
        if (killed) return;
        ending_.erase({instance, cid});
        log::warn("session kill failed",
                  {{"instance", instance}, {"cid", std::to_string(cid)}, {"error", msg}});
    });
}

// A killed session OpenVPN no longer lists needs hiding no more.
void ManagedSessions::forget_ended(const std::string& instance,
                                   const std::vector<mgmt::Session>& live) {
    for (auto it = ending_.begin(); it != ending_.end();) {
        const bool listed = it->first == instance &&
                            std::any_of(live.begin(), live.end(),
                                        [&](const auto& s) { return s.client_id == it->second; });
        it = it->first == instance && !listed ? ending_.erase(it) : std::next(it);
    }
}

std::size_t ManagedSessions::end_matching(
    const std::function<bool(const core::LiveSession&)>& known,
    const std::vector<std::string>& common_names, const std::string& why) {
    std::size_t ended = 0;
    std::set<std::pair<std::string, std::string>> killed;
    for (const auto& s : table_.matching(known)) {
        auto it = clients_.find(s.instance);
        if (it == clients_.end()) continue;
        log::info("ending session", {{"instance", s.instance},
                                     {"device", s.device_name},
                                     {"address", s.real_address},
                                     {"reason", why}});
        kill_by_address(*it->second, s);
        killed.insert({s.instance, s.real_address});
        ++ended;
    }
    // Sessions the plugin never reported to this daemon (it restarted since): match by
    // common name, but never a session we know belongs to another certificate.
    for (auto& [name, client] : clients_) {
        for (const auto& s : client->sessions()) {
            if (killed.count({name, s.real_address}) ||
                table_.find_reported(name, s.real_address, s.virtual_address))
                continue;
            if (std::find(common_names.begin(), common_names.end(), s.common_name) ==
                common_names.end())
                continue;
            log::info("ending session", {{"instance", name},
                                         {"common_name", s.common_name},
                                         {"address", s.real_address},
                                         {"reason", why}});
            kill_by_id(*client, s.client_id);
            ++ended;
        }
    }
    return ended;
}

// The latest lines come from `log N` when the management interface comes up, then as
// real-time ">LOG:" notifications after `log on`: `vpn status` reads memory, never waits.
void ManagedSessions::follow_log(const std::string& instance) {
    auto it = clients_.find(instance);
    if (it == clients_.end()) return;
    it->second->send_command("log " + std::to_string(kLogLines),
                             [this, instance](bool ok, const std::vector<std::string>& lines) {
                                 if (!ok) return;
                                 logs_[instance].clear();
                                 for (const auto& line : lines) remember_log(instance, line);
                             });
    it->second->send_command("log on", [instance](bool ok, const std::vector<std::string>& l) {
        if (!ok)
            log::warn("management log follow failed",
                      {{"instance", instance}, {"error", l.empty() ? "" : l.front()}});
    });
}

void ManagedSessions::remember_log(const std::string& instance, std::string_view line) {
    auto parsed = mgmt::parse_log_line(line);
    if (!parsed) return;
    auto& lines = logs_[instance];
    lines.push_back(core::iso_utc(parsed->time) + " " + parsed->flags + " " + parsed->text);
    while (lines.size() > kLogLines) lines.pop_front();
}

std::vector<std::string> ManagedSessions::recent_log(const std::string& instance) {
    auto it = logs_.find(instance);
    if (it == logs_.end()) return {};
    return {it->second.begin(), it->second.end()};
}

// OpenVPN restarts on SIGHUP (re-reads its config, reloads the plugin, clients reconnect);
// the management interface stays, so the answer and the reconnects are seen here.
std::string ManagedSessions::restart(const std::string& instance) {
    auto it = clients_.find(instance);
    if (it == clients_.end()) return "no such instance";
    if (!it->second->connected()) return "management interface not connected";
    log::info("restarting openvpn", {{"instance", instance}, {"signal", "SIGHUP"}});
    it->second->send_command("signal SIGHUP", [instance](bool ok,
                                                         const std::vector<std::string>& l) {
        const std::string answer = l.empty() ? "" : l.front();
        if (ok)
            log::info("openvpn restart signalled", {{"instance", instance}, {"answer", answer}});
        else
            log::warn("openvpn restart failed", {{"instance", instance}, {"error", answer}});
    });
    return {};
}

}  // namespace warden::app
