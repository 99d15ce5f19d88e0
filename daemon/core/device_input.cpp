#include "daemon/core/device_input.hpp"

#include "daemon/core/device_rules.hpp"
#include "daemon/mail/message.hpp"

namespace warden::core {
namespace {

using Problem = std::optional<std::string>;

bool control_char(char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
}

// Serial numbers and device codes are typed from labels and end up in CSV exports and
// router configs: printable ASCII without spaces.
Problem check_token(const char* field, const std::string& value, std::size_t min, std::size_t max) {
    if (value.size() < min || value.size() > max)
        return std::string(field) + ": must be " + std::to_string(min) + " to " +
               std::to_string(max) + " characters";
    for (char c : value) {
        if (control_char(c)) return std::string(field) + ": contains a control character";
        if (static_cast<unsigned char>(c) > 0x7e || c == ' ')
            return std::string(field) + ": only printable ASCII without spaces is allowed";
    }
    return std::nullopt;
}

// The rule mail uses (mail::valid_address: one strict addr-spec), so every stored address
// can be mailed and none can carry a header line or a second recipient into a message.
Problem check_email(const std::string& email) {
    if (email.empty()) return std::nullopt;
    if (auto problem = check_token("email", email, 3, kMaxEmailLength)) return problem;
    std::string why;
    if (!mail::valid_address(email, why))
        return "email: not an e-mail address such as user@example.com (" + why + ")";
    return std::nullopt;
}

// The password is never echoed, not even in part.
Problem check_key_password(const std::string& password) {
    if (password.empty()) return std::nullopt;
    if (password.size() < kMinKeyPasswordLength || password.size() > kMaxKeyPasswordLength)
        return "key_password: must be " + std::to_string(kMinKeyPasswordLength) + " to " +
               std::to_string(kMaxKeyPasswordLength) + " characters";
    for (char c : password) {
        if (control_char(c)) return std::string("key_password: contains a control character");
    }
    return std::nullopt;
}

Problem apply_identity(const DeviceFields& f, const DeviceContext& ctx, store::Device& d) {
    if (f.name) {
        if (auto problem = check_device_name(*f.name)) return problem;
        d.name = *f.name;
    }
    for (const auto& other : ctx.devices) {
        if (other.id != d.id && other.name == d.name)
            return "name: a device named " + d.name + " exists";
    }
    if (f.type) {
        auto type = store::parse_device_type(*f.type);
        if (!type) return std::string("type: must be router or pc");
        d.type = *type;
    }
    if (f.group) {
        if (!ctx.group_exists(*f.group)) return "group: unknown group " + *f.group;
        d.group = *f.group;
    }
    return std::nullopt;
}

Problem apply_details(const DeviceFields& f, DeviceDraft& draft) {
    store::Device& d = draft.device;
    if (f.serial) {
        if (!f.serial->empty())
            if (auto problem = check_token("serial", *f.serial, 1, kMaxTextLength)) return problem;
        d.serial_number = *f.serial;
    }
    if (f.code) {
        if (!f.code->empty())
            if (auto problem = check_token("code", *f.code, 4, kMaxTextLength)) return problem;
        d.device_code = *f.code;
    }
    if (f.email) {
        if (auto problem = check_email(*f.email)) return problem;
        d.email = *f.email;
    }
    if (f.key_password) {
        if (auto problem = check_key_password(*f.key_password)) return problem;
        draft.key_password = *f.key_password;
    }
    if (f.monitor) d.monitor = *f.monitor;
    return std::nullopt;
}

Problem apply_networks(const DeviceFields& f, const DeviceContext& ctx, store::Device& d) {
    if (f.network) {
        if (f.network->empty()) {
            d.network.clear();
        } else {
            auto parsed = net::parse_network(*f.network);
            if (!parsed)
                return std::string(
                    "network: not a network such as 192.168.1.0/24 or 192.168.1.0/255.255.255.0");
            if (auto problem = check_network(*parsed, ctx.pool, ctx.devices, d.id)) return problem;
            d.network = parsed->to_string();
        }
    }
    if (f.netmap) {
        if (f.netmap->empty()) {
            d.addressing = store::Addressing::Direct;
            d.local_network.clear();
        } else {
            auto parsed = net::parse_network(*f.netmap);
            if (!parsed) return std::string("netmap: not a network such as 192.168.0.0/24");
            if (parsed->overlaps(ctx.pool))
                return "netmap: " + parsed->to_string() + " overlaps the VPN pool " +
                       ctx.pool.to_string();
            d.addressing = store::Addressing::Netmap;
            d.local_network = parsed->to_string();
        }
    } else if (d.network.empty()) {
        d.addressing = store::Addressing::Direct;  // the network went away, and its mapping with it
        d.local_network.clear();
    }
    return std::nullopt;
}

// Rules on the row as a whole: an edit may change the type of a device that has a
// network, or the network of a netmapped router.
Problem check_row(const DeviceFields& f, const DeviceDraft& draft) {
    const store::Device& d = draft.device;
    const bool router = d.type == store::DeviceType::Router;
    if (!router && !d.network.empty())
        return std::string("network: only routers have an accessible network");
    if (router && !draft.key_password.empty())
        return std::string("key_password: only pcs have a key password");
    if (d.addressing != store::Addressing::Netmap) return std::nullopt;
    const char* field = f.netmap ? "netmap" : "network";
    auto network = net::parse_network(d.network);
    if (!network)
        return std::string(field) +
               ": netmap needs --network (the virtual network it is mapped to)";
    auto local = net::parse_network(d.local_network);
    if (!local || local->prefix != network->prefix)
        return std::string(field) + ": the local network " + d.local_network + " and the network " +
               d.network + " must have the same size";
    return std::nullopt;
}

}  // namespace

std::optional<std::string> apply_device_fields(const DeviceFields& fields,
                                               const DeviceContext& context, DeviceDraft& draft) {
    if (auto problem = apply_identity(fields, context, draft.device)) return problem;
    if (auto problem = apply_details(fields, draft)) return problem;
    if (auto problem = apply_networks(fields, context, draft.device)) return problem;
    return check_row(fields, draft);
}

}  // namespace warden::core
