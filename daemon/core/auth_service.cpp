#include "daemon/core/auth_service.hpp"

#include <malloc.h>

#include <chrono>

#include "common/log.hpp"
#include "daemon/core/credential_rules.hpp"
#include "daemon/core/routing.hpp"
#include "daemon/core/time_restriction.hpp"
#include "daemon/core/traffic.hpp"

namespace warden::core {

AuthService::AuthService(store::Store& store, SessionTable& sessions, VpnPool pool,
                         const Clock& clock, LoginPolicy login)
    : store_(store),
      sessions_(sessions),
      pool_(pool),
      clock_(clock),
      login_(store, index_, login) {}

void AuthService::refresh(unsigned parts) {
    if (index_loaded_ && parts == 0) return;
    if (!index_loaded_) parts = VerdictIndex::kAll;
    const auto start = std::chrono::steady_clock::now();
    index_.reload(store_, parts);
    index_loaded_ = true;
    // The store's row vectors the reload went through are freed by now; hand their pages
    // back so RSS is the index's size, not the load's peak (100 000 devices: ~40 MB less).
    ::malloc_trim(0);
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    log::info("verdict index loaded",
              {{"parts", std::to_string(parts)},
               {"devices", std::to_string(index_.device_count())},
               {"certificates", std::to_string(index_.certificate_count())},
               {"ms", std::to_string(us / 1000) + "." + std::to_string(us % 1000 / 100)}});
}

const VerdictIndex& AuthService::current_index() {
    if (!index_loaded_) refresh();
    return index_;
}

VerdictReply AuthService::auth(const AuthRequest& request) {
    const std::int64_t now = clock_.now();
    Admission a = admission_of(request, now, false);
    Verdict v = login_.check_auth(request, std::move(a.verdict), now);
    VerdictReply reply = reply_for(request, std::move(v), now, false, a.quiet());
    if (!reply.allow) return reply;
    // The login was just checked: the Connect that follows is known, and goes with the
    // Auth's allow (the Connect itself records the session).
    if (VerdictReply ahead = connect_ahead(request, now, true); ahead.allow) {
        reply.config = std::move(ahead.config);
        reply.connect_ready = true;
    }
    return reply;
}

VerdictReply AuthService::connect(const ConnectRequest& request) {
    const std::int64_t now = clock_.now();
    Admission a = admission_of(request, now, true);
    Verdict v = login_.check_connect(request, std::move(a.verdict), now);
    VerdictReply reply = reply_for(request, std::move(v), now, true, a.quiet());
    if (request.admitted_early && !reply.allow) withdraw_admission(request, reply.reason);
    return reply;
}

VerdictReply AuthService::prefetch(const ConnectRequest& request) {
    return connect_ahead(request, clock_.now(), false);
}

// The verdict a Connect of this certificate would get at `now`, with no effect (no
// session, no log). Unless the credentials were just checked (a login's Auth), a device
// that needs them gets no allow: its Connect must find the login.
VerdictReply AuthService::connect_ahead(const ClientRequest& request, std::int64_t now,
                                        bool credentials_checked) {
    Verdict v = verdict_of(request, now, true).verdict;
    if (!v.allow || !v.device) return {false, "no prefetch: " + v.reason, {}};
    if (!credentials_checked &&
        needs_credentials(*v.device, current_index().login_requirements(v.device->id)))
        return {false, "no prefetch: credentials", {}};
    VerdictReply reply;
    reply.config = client_config_for(*v.device, std::move(v.config));
    if (auto too_large = oversized_reply(reply.config)) return {false, *too_large, {}};
    reply.allow = true;
    return reply;
}

// The plugin admitted this client on a prefetched verdict that a change overtook (the
// change's Invalidate reached the plugin after its check): end the session at once, as
// a revocation ends a live one.
void AuthService::withdraw_admission(const ConnectRequest& request, const std::string& why) {
    log::warn("prefetched admission withdrawn", {{"instance", request.instance},
                                                 {"common_name", request.common_name},
                                                 {"address", request.real_address},
                                                 {"reason", why}});
    if (!end_admitted_) return;
    LiveSession client;
    client.instance = request.instance;
    client.real_address = request.real_address;
    client.serial = request.serial;
    client.common_name = request.common_name;
    end_admitted_(client, why);
}

Admission AuthService::verdict_of(const ClientRequest& request, std::int64_t now, bool connect) {
    const VerdictIndex& index = current_index();
    const auto binding = request.serial.empty() ? std::nullopt : index.binding(request.serial);
    return admit(request, binding, index, enroll_, pool_, now, connect);
}

// verdict_of, and what it says to record about an enrollment candidate handed on (it
// must not write here: the daemon posts it to run after the reply).
Admission AuthService::admission_of(const ClientRequest& request, std::int64_t now, bool connect) {
    Admission a = verdict_of(request, now, connect);
    if (a.sighting != Sighting::None && sighted_) sighted_(a.sighting, a.cert);
    return a;
}

VerdictReply AuthService::reply_for(const ClientRequest& request, Verdict v, std::int64_t now,
                                    bool connect, bool quiet) {
    const std::string& instance = request.instance;
    const std::string& address = request.real_address;
    std::string config;
    if (connect && v.allow) {
        config = client_config_for(*v.device, std::move(v.config));
        if (auto too_large = oversized_reply(config)) {
            v.allow = false;
            v.reason = std::move(*too_large);
        }
    }

    VerdictReply reply;
    reply.allow = v.allow;
    if (!v.allow && quiet) {
        reply.reason = v.reason;
        if (connect) remember_refused(instance, address, now);
        return reply;
    }
    if (!v.allow) {
        reply.reason = v.reason;
        log::info("client refused", {{"instance", instance},
                                     {"common_name", request.common_name},
                                     {"address", address},
                                     {"serial", request.serial},
                                     {"reason", v.reason}});
        store::ConnectionEntry e;
        e.at = now;
        e.event = store::ConnectionEvent::Refused;
        if (v.device) {
            e.device_id = v.device->id;
            e.device_name = v.device->name;
        }
        e.instance = instance;
        e.real_address = address;
        e.reason = v.reason;
        record(std::move(e));
        if (connect) remember_refused(instance, address, now);
        if (v.reason == kNotReleased && v.device && not_released_) not_released_(v.device->id);
        return reply;
    }
    if (!connect) return reply;

    reply.config = std::move(config);
    const std::string vpn_ip = net::format_ipv4(v.device->vpn_ip);
    sessions_.connected({instance, address, request.serial, request.common_name, v.device->id,
                         v.device->name, vpn_ip, now});
    log::info("client admitted", {{"instance", instance},
                                  {"device", v.device->name},
                                  {"address", address},
                                  {"vpn_ip", vpn_ip}});
    store::ConnectionEntry e;
    e.at = now;
    e.event = store::ConnectionEvent::Connect;
    e.device_id = v.device->id;
    e.device_name = v.device->name;
    e.instance = instance;
    e.real_address = address;
    e.vpn_ip = vpn_ip;
    record(std::move(e));
    set_state(v.device->id, store::DeviceState::Online);
    return reply;
}

// Routes only to the networks the rules let this device's group talk to (new connects;
// a live session keeps the routes it was pushed, the firewall decides what passes).
std::string AuthService::client_config_for(const store::Device& device, std::string base) {
    return base + routing_config(device, current_index().reachable(device.group));
}

// A reply over the frame limit cannot be sent: the plugin would never hear back and the
// client would wait for its handshake timeout. Refusing says why, at once.
std::optional<std::string> AuthService::oversized_reply(const std::string& config) const {
    const std::size_t size = kVerdictOverhead + config.size();
    if (size <= max_reply_) return std::nullopt;
    return "client config too large: " + std::to_string(size) + " bytes, limit " +
           std::to_string(max_reply_);
}

// OpenVPN reports a disconnect even for a client whose CLIENT_CONNECT was refused; that
// client never had a session, and its refusal is already in the log.
void AuthService::remember_refused(const std::string& instance, const std::string& address,
                                   std::int64_t now) {
    if (refused_connects_.size() >= kMaxRememberedRefusals) {
        for (auto it = refused_connects_.begin(); it != refused_connects_.end();)
            it = now - it->second > kRefusalMemorySeconds ? refused_connects_.erase(it)
                                                          : std::next(it);
        if (refused_connects_.size() >= kMaxRememberedRefusals) refused_connects_.clear();
    }
    refused_connects_[{instance, address}] = now;
}

void AuthService::disconnect(const DisconnectRequest& request) {
    const std::string& instance = request.instance;
    const std::string& address = request.real_address;
    login_.forget(instance, address);
    if (refused_connects_.erase({instance, address}) > 0 && !sessions_.find(instance, address)) {
        log::debug("refused client gone", {{"instance", instance}, {"address", address}});
        return;
    }
    auto session = sessions_.disconnected(instance, address);
    store::ConnectionEntry e;
    e.at = clock_.now();
    e.event = store::ConnectionEvent::Disconnect;
    e.instance = instance;
    e.real_address = address;
    e.bytes_received = request.bytes_received;
    e.bytes_sent = request.bytes_sent;
    e.duration = request.duration;
    if (session) {
        e.device_id = session->device_id;
        e.device_name = session->device_name;
        e.vpn_ip = session->vpn_ip;
    } else if (auto device = device_of(request.serial)) {
        // A session from before a daemon restart: its device (for the log, the month's
        // traffic and the state) comes from the certificate.
        e.device_id = device->id;
        e.device_name = device->name;
        e.vpn_ip = net::format_ipv4(device->vpn_ip);
    }
    log::info("client disconnected", {{"instance", instance},
                                      {"device", e.device_name},
                                      {"address", address},
                                      {"bytes_received", std::to_string(e.bytes_received)},
                                      {"bytes_sent", std::to_string(e.bytes_sent)},
                                      {"duration", std::to_string(e.duration)}});
    if (e.device_id && !sessions_.device_online(*e.device_id))
        set_state(*e.device_id, store::DeviceState::Offline);
    record(std::move(e));
}

std::optional<store::Device> AuthService::device_of(const std::string& serial) {
    if (serial.empty()) return std::nullopt;
    auto binding = current_index().binding(serial);
    return binding ? binding->device : std::nullopt;
}

void AuthService::record(store::ConnectionEntry entry) {
    pending_.log.push_back(std::move(entry));
}

void AuthService::set_state(std::int64_t device_id, store::DeviceState state) {
    pending_.states.emplace_back(device_id, state);
    if (state_changed_) state_changed_(device_id, state, clock_.now());
}

AuthService::Batch AuthService::take_batch() {
    Batch out = std::move(pending_);
    pending_ = Batch{};
    out.at = clock_.now();
    return out;
}

void AuthService::write_batch(store::Store& store, const Batch& batch) {
    if (batch.empty()) return;
    store.transaction([&] {
        for (const auto& e : batch.log) {
            store.log_connection(e);
            // A session's bytes count in the UTC month it ended (see traffic.hpp).
            if (e.event == store::ConnectionEvent::Disconnect && e.device_id)
                store.add_traffic({*e.device_id, utc_month(e.at), e.bytes_received, e.bytes_sent});
        }
        for (const auto& [id, state] : batch.states) store.set_device_state(id, state, batch.at);
    });
}

}  // namespace warden::core
