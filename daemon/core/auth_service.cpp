#include "daemon/core/auth_service.hpp"

#include <charconv>

#include "common/endpoint.hpp"
#include "common/log.hpp"
#include "common/protocol.hpp"
#include "common/text.hpp"
#include "daemon/core/reach.hpp"
#include "daemon/core/routing.hpp"
#include "daemon/core/traffic.hpp"

namespace warden::core {
namespace {

std::uint64_t number_field(const wire::Message& msg, std::string_view key) {
    const auto text = msg.get(key).value_or("0");
    std::uint64_t value = 0;
    std::from_chars(text.data(), text.data() + text.size(), value);
    return value;
}

}  // namespace

// OpenVPN sets untrusted_* before the client is authenticated and trusted_* after; an
// IPv6 client has *_ip6 instead of *_ip (an IPv4 client on a dual-stack socket has *_ip).
std::string real_address_of(const wire::Message& msg) {
    auto first_of = [&msg](std::initializer_list<std::string_view> keys) {
        for (auto key : keys) {
            if (auto value = msg.get(key); value && !value->empty()) return *value;
        }
        return std::string_view{};
    };
    const auto ip = first_of({"untrusted_ip", "untrusted_ip6", "trusted_ip", "trusted_ip6"});
    const auto port = first_of({"untrusted_port", "trusted_port"});
    if (auto e = endpoint::make(ip, port)) return std::move(*e);
    return std::string(ip) + ":" + std::string(port);  // unparsable: still one key per client
}

AuthService::AuthService(store::Store& store, SessionTable& sessions, VpnPool pool,
                         const Clock& clock, LoginPolicy login)
    : store_(store), sessions_(sessions), pool_(pool), clock_(clock), login_(store, login) {}

std::optional<wire::Message> AuthService::handle(const wire::Message& msg,
                                                 const std::string& instance) {
    switch (msg.type) {
        case wire::Type::Auth:
            return verdict_reply(msg, instance, false);
        case wire::Type::Connect:
            return verdict_reply(msg, instance, true);
        case wire::Type::Disconnect:
            on_disconnect(msg, instance);
            return std::nullopt;
        case wire::Type::Ping:
            return wire::Message(wire::Type::Pong, msg.id);
        case wire::Type::Pong:
            return std::nullopt;
        default: {
            wire::Message err(wire::Type::Error, msg.id);
            err.set(std::string(protocol::field::reason), "unexpected message type");
            return err;
        }
    }
}

wire::Message AuthService::verdict_reply(const wire::Message& msg, const std::string& instance,
                                         bool connect) {
    const std::string serial = text::normalize_serial(msg.get("tls_serial_hex_0").value_or(""));
    const auto binding = serial.empty() ? std::nullopt : store_.find_by_serial(serial);
    const std::int64_t now = clock_.now();
    Verdict v = decide(serial, binding, pool_, now, connect);
    v = connect ? login_.check_connect(msg, instance, std::move(v), now)
                : login_.check_auth(msg, instance, std::move(v), now);
    const std::string address = real_address_of(msg);
    const std::string cn = msg.get_or("common_name", "");
    std::string config;
    if (connect && v.allow) {
        config = client_config_for(*v.device, std::move(v.config));
        if (auto too_large = oversized_reply(msg.id, config)) {
            v.allow = false;
            v.reason = std::move(*too_large);
        }
    }

    wire::Message reply(wire::Type::Verdict, msg.id);
    reply.set(std::string(protocol::field::result),
              std::string(v.allow ? protocol::kAllow : protocol::kDeny));
    if (!v.allow) {
        reply.set(std::string(protocol::field::reason), v.reason);
        log::info("client refused", {{"instance", instance},
                                     {"common_name", cn},
                                     {"address", address},
                                     {"serial", serial},
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
        return reply;
    }
    if (!connect) return reply;

    reply.set(std::string(protocol::field::config), std::move(config));
    const std::string vpn_ip = net::format_ipv4(v.device->vpn_ip);
    sessions_.connected({instance, address, serial, cn, v.device->id, v.device->name, vpn_ip, now});
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
    const auto reachable = reachable_networks(device.group, store_.routed_networks(),
                                              store_.rules_of_group(device.group));
    return base + routing_config(device, routed_networks(reachable));
}

// A reply over the frame limit cannot be sent: the plugin would never hear back and the
// client would wait for its handshake timeout. Refusing says why, at once.
std::optional<std::string> AuthService::oversized_reply(std::uint32_t id,
                                                        const std::string& config) {
    wire::Message probe(wire::Type::Verdict, id);
    probe.set(std::string(protocol::field::result), std::string(protocol::kAllow));
    probe.set(std::string(protocol::field::config), config);
    const std::size_t size = wire::payload_size(probe);
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

void AuthService::on_disconnect(const wire::Message& msg, const std::string& instance) {
    const std::string address = real_address_of(msg);
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
    e.bytes_received = number_field(msg, "bytes_received");
    e.bytes_sent = number_field(msg, "bytes_sent");
    e.duration = static_cast<std::int64_t>(number_field(msg, "time_duration"));
    if (session) {
        e.device_id = session->device_id;
        e.device_name = session->device_name;
        e.vpn_ip = session->vpn_ip;
    } else if (auto device = device_of(msg)) {
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

std::optional<store::Device> AuthService::device_of(const wire::Message& msg) {
    const std::string serial = text::normalize_serial(msg.get("tls_serial_hex_0").value_or(""));
    if (serial.empty()) return std::nullopt;
    auto binding = store_.find_by_serial(serial);
    return binding ? binding->device : std::nullopt;
}

void AuthService::record(store::ConnectionEntry entry) {
    pending_.log.push_back(std::move(entry));
}

void AuthService::set_state(std::int64_t device_id, store::DeviceState state) {
    pending_.states.emplace_back(device_id, state);
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
