#include "daemon/mgmt/parser.hpp"

#include "common/endpoint.hpp"

#include <array>
#include <charconv>
#include <limits>

namespace warden::mgmt {

namespace {

constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        auto at = s.find(sep, start);
        if (at == std::string_view::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, at - start));
        start = at + 1;
    }
}

template <typename T>
bool parse_number(std::string_view s, T& out) {
    if (s.empty()) return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
}

// Where each field we use sits in a CLIENT_LIST row, counted after the "CLIENT_LIST" tag.
struct Columns {
    std::size_t common_name = 0, real_address = 1, virtual_address = 2, bytes_received = 4,
                bytes_sent = 5, connected_since = 7, username = 8, client_id = 9, peer_id = 10;

    std::size_t min_fields() const {
        std::size_t m = 0;
        for (auto i : {common_name, real_address, virtual_address, bytes_received, bytes_sent,
                       connected_since, username, client_id, peer_id}) {
            if (i != kNone && i + 1 > m) m = i + 1;
        }
        return m;
    }
};

// Builds the column map from "HEADER\tCLIENT_LIST\tCommon Name\t...". Returns an error
// text when a column we cannot do without is missing.
std::string columns_from_header(const std::vector<std::string_view>& fields, Columns& cols) {
    struct Named {
        std::string_view name;
        std::size_t Columns::*slot;
        bool required;
    };
    static constexpr std::array<Named, 9> kNamed{{
        {"Common Name", &Columns::common_name, true},
        {"Real Address", &Columns::real_address, true},
        {"Virtual Address", &Columns::virtual_address, false},
        {"Bytes Received", &Columns::bytes_received, false},
        {"Bytes Sent", &Columns::bytes_sent, false},
        {"Connected Since (time_t)", &Columns::connected_since, false},
        {"Username", &Columns::username, false},
        {"Client ID", &Columns::client_id, true},
        {"Peer ID", &Columns::peer_id, false},
    }};
    Columns found;
    for (const auto& n : kNamed) {
        found.*n.slot = kNone;
        for (std::size_t i = 2; i < fields.size(); ++i) {
            if (fields[i] == n.name) {
                found.*n.slot = i - 2;
                break;
            }
        }
        if (found.*n.slot == kNone && n.required) {
            return "status header lacks column '" + std::string(n.name) + "'";
        }
    }
    cols = found;
    return {};
}

std::string parse_row(const std::vector<std::string_view>& fields, const Columns& cols,
                      Session& s) {
    // fields[0] is the "CLIENT_LIST" tag.
    if (fields.size() - 1 < cols.min_fields()) {
        return "CLIENT_LIST row has " + std::to_string(fields.size() - 1) +
               " fields, expected at least " + std::to_string(cols.min_fields());
    }
    auto at = [&](std::size_t col) { return col == kNone ? std::string_view{} : fields[col + 1]; };
    s.common_name = at(cols.common_name);
    // One spelling for both sides: the plugin's sessions are keyed the same way.
    s.real_address = endpoint::reported(at(cols.real_address));
    s.virtual_address = at(cols.virtual_address);
    s.username = at(cols.username);
    if (s.username == "UNDEF") s.username.clear();
    if (s.real_address.empty()) return "CLIENT_LIST row without a real address";
    if (!parse_number(at(cols.client_id), s.client_id)) return "bad client id";
    if (cols.bytes_received != kNone && !parse_number(at(cols.bytes_received), s.bytes_received))
        return "bad bytes received";
    if (cols.bytes_sent != kNone && !parse_number(at(cols.bytes_sent), s.bytes_sent))
        return "bad bytes sent";
    if (cols.connected_since != kNone && !parse_number(at(cols.connected_since), s.connected_since))
        return "bad connected-since time";
    // The peer id is informational only (and not numeric in every OpenVPN build), so an
    // odd value does not cost us the whole list.
    if (cols.peer_id != kNone && !parse_number(at(cols.peer_id), s.peer_id)) s.peer_id = 0;
    return {};
}

}  // namespace

std::vector<std::string> LineSplitter::feed(std::string_view bytes) {
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        auto nl = bytes.find('\n', pos);
        auto chunk =
            bytes.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? bytes.size() : nl + 1;
        if (discarding_) {
            if (nl != std::string_view::npos) discarding_ = false;
            continue;
        }
        // The limit includes a trailing '\r'; dropping the line whole (not truncating it)
        // keeps a cut-off tail from being read as a line of its own.
        if (partial_.size() + chunk.size() > max_line_) {
            ++dropped_;
            partial_.clear();
            partial_.shrink_to_fit();
            discarding_ = nl == std::string_view::npos;
            continue;
        }
        partial_.append(chunk);
        if (nl == std::string_view::npos) break;
        if (!partial_.empty() && partial_.back() == '\r') partial_.pop_back();
        lines.push_back(std::move(partial_));
        partial_.clear();
    }
    return lines;
}

void LineSplitter::clear_partial() {
    partial_.clear();
}

void LineSplitter::reset() {
    partial_.clear();
    discarding_ = false;
}

Line classify(std::string_view line) {
    Line out;
    out.payload = line;
    if (!line.empty() && line.front() == '>') {
        out.kind = LineKind::Notification;
        auto colon = line.find(':');
        out.type =
            line.substr(1, colon == std::string_view::npos ? std::string_view::npos : colon - 1);
        out.payload = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
        return out;
    }
    auto strip = [](std::string_view rest) {
        if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
        return rest;
    };
    if (starts_with(line, "SUCCESS:")) {
        out.kind = LineKind::Success;
        out.payload = strip(line.substr(8));
    } else if (starts_with(line, "ERROR:")) {
        out.kind = LineKind::Error;
        out.payload = strip(line.substr(6));
    } else if (line == "END") {
        out.kind = LineKind::End;
        out.payload = {};
    }
    return out;
}

std::optional<Response> ResponseReader::push(std::string_view line) {
    auto l = classify(line);
    if (!in_body_) {
        // SUCCESS/ERROR only close a response when they are its first line; inside a body
        // they are just text.
        if (l.kind == LineKind::Success || l.kind == LineKind::Error) {
            return Response{l.kind == LineKind::Success, {std::string(l.payload)}};
        }
        if (l.kind == LineKind::End) return Response{true, {}};
        in_body_ = true;
    }
    if (l.kind == LineKind::End) {
        Response r{!overflow_, std::move(body_)};
        if (overflow_) r.lines = {"response too large"};
        reset();
        return r;
    }
    if (!overflow_) {
        bytes_ += line.size() + 1;
        if (bytes_ > max_bytes_) {
            overflow_ = true;
            body_.clear();
            body_.shrink_to_fit();
        } else {
            body_.emplace_back(line);
        }
    }
    return std::nullopt;
}

void ResponseReader::reset() {
    in_body_ = false;
    overflow_ = false;
    bytes_ = 0;
    body_.clear();
}

StatusResult parse_status3(const std::vector<std::string>& body, std::string_view instance) {
    StatusResult result;
    Columns cols;
    bool recognized = false;
    for (std::size_t n = 0; n < body.size(); ++n) {
        auto fields = split(body[n], '\t');
        auto tag = fields[0];
        if (tag == "HEADER" && fields.size() >= 2 && fields[1] == "CLIENT_LIST") {
            recognized = true;
            if (auto err = columns_from_header(fields, cols); !err.empty()) {
                return {{}, err};
            }
        } else if (tag == "CLIENT_LIST") {
            recognized = true;
            Session s;
            if (auto err = parse_row(fields, cols, s); !err.empty()) {
                return {{}, err + " (line " + std::to_string(n + 1) + ")"};
            }
            s.instance = instance;
            result.sessions.push_back(std::move(s));
        } else if (fields.size() > 1 && (tag == "TITLE" || tag == "TIME" || tag == "HEADER" ||
                                         tag == "ROUTING_TABLE" || tag == "GLOBAL_STATS")) {
            recognized = true;
        }
    }
    // Another status version (commas) or an unrelated body would otherwise read as
    // "no sessions".
    if (!body.empty() && !recognized) return {{}, "not a status 3 response"};
    return result;
}

bool is_ipv4_endpoint(std::string_view address) {
    auto colon = address.rfind(':');
    if (colon == std::string_view::npos) return false;
    auto octets = split(address.substr(0, colon), '.');
    if (octets.size() != 4) return false;
    for (auto o : octets) {
        unsigned v = 0;
        if (o.size() > 3 || !parse_number(o, v) || v > 255) return false;
    }
    unsigned port = 0;
    auto p = address.substr(colon + 1);
    return p.size() <= 5 && parse_number(p, port) && port >= 1 && port <= 65535;
}

std::optional<LogLine> parse_log_line(std::string_view line) {
    const auto first = line.find(',');
    if (first == std::string_view::npos) return std::nullopt;
    const auto second = line.find(',', first + 1);
    if (second == std::string_view::npos) return std::nullopt;
    unsigned long long time = 0;
    const auto digits = line.substr(0, first);
    if (digits.empty() || digits.size() > 12 || !parse_number(digits, time)) return std::nullopt;
    LogLine out;
    out.time = static_cast<std::int64_t>(time);
    out.flags = std::string(line.substr(first + 1, second - first - 1));
    out.text = std::string(line.substr(second + 1));
    return out;
}

}  // namespace warden::mgmt
