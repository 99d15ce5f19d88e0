#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "daemon/mgmt/parser.hpp"

using namespace warden::mgmt;

namespace {

std::string fixture(const std::string& name) {
    std::ifstream in(std::string(MGMT_FIXTURES) + "/" + name, std::ios::binary);
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Splits `bytes` into lines, leaves out notifications, and collects the responses.
std::vector<Response> responses_of(const std::string& bytes, std::size_t piece = 0) {
    LineSplitter splitter;
    ResponseReader reader;
    std::vector<Response> out;
    std::size_t step = piece == 0 ? bytes.size() : piece;
    for (std::size_t pos = 0; pos < bytes.size(); pos += step) {
        for (const auto& line : splitter.feed(std::string_view(bytes).substr(pos, step))) {
            if (classify(line).kind == LineKind::Notification) continue;
            if (auto r = reader.push(line)) out.push_back(std::move(*r));
        }
    }
    return out;
}

std::vector<std::string> body_of(const std::string& status) {
    auto rs = responses_of(status);
    REQUIRE(rs.size() == 1);
    REQUIRE(rs[0].ok);
    return rs[0].lines;
}

}  // namespace

TEST_CASE("status 3 captured from OpenVPN 2.6.14 parses into sessions") {
    auto result = parse_status3(body_of(fixture("status3-openvpn-2.6.14.txt")), "main");
    REQUIRE(result.ok());
    REQUIRE(result.sessions.size() == 2);
    const auto& a = result.sessions[0];
    CHECK(a.instance == "main");
    CHECK(a.common_name == "alice");
    CHECK(a.real_address == "127.0.0.1:35498");
    CHECK(a.virtual_address == "10.200.0.2");
    CHECK(a.bytes_received == 1905);
    CHECK(a.bytes_sent == 2084);
    CHECK(a.connected_since == 1795400999);
    CHECK(a.username.empty());  // "UNDEF"
    CHECK(a.client_id == 16);
    CHECK(a.peer_id == 15);
    CHECK(result.sessions[1].common_name == "bob");
    CHECK(result.sessions[1].client_id == 18);
}

TEST_CASE("status 3 of a dual-stack server: IPv6 peers without port, IPv4 as ip:port") {
    // Captured from OpenVPN 2.6.14 with `proto udp6`: one client over IPv6, one over IPv4
    // (the second row spliced in from a run of the same server).
    auto result = parse_status3(body_of(fixture("status3-ipv6-openvpn-2.6.14.txt")), "main");
    REQUIRE(result.ok());
    REQUIRE(result.sessions.size() == 2);
    CHECK(result.sessions[0].real_address == "[fd00:251::2]");
    CHECK(result.sessions[0].virtual_address == "10.252.0.2");
    CHECK(result.sessions[1].real_address == "10.251.1.2:43443");
}

TEST_CASE("columns are found by the header's names") {
    std::vector<std::string> body = {
        "TITLE\tOpenVPN 2.7",
        "HEADER\tCLIENT_LIST\tClient ID\tNew Thing\tReal Address\tCommon Name\tUsername\t"
        "Connected Since (time_t)\tBytes Sent\tBytes Received\tVirtual Address\tPeer ID",
        "CLIENT_LIST\t7\tx\t192.0.2.1:1194\tcarol\tcarol@example\t1700000000\t20\t10\t10.8.0.9\t3",
        "HEADER\tROUTING_TABLE\tVirtual Address\tCommon Name",
        "ROUTING_TABLE\t10.8.0.9\tcarol",
    };
    auto r = parse_status3(body);
    REQUIRE(r.ok());
    REQUIRE(r.sessions.size() == 1);
    const auto& s = r.sessions[0];
    CHECK(s.client_id == 7);
    CHECK(s.real_address == "192.0.2.1:1194");
    CHECK(s.common_name == "carol");
    CHECK(s.username == "carol@example");
    CHECK(s.connected_since == 1700000000);
    CHECK(s.bytes_sent == 20);
    CHECK(s.bytes_received == 10);
    CHECK(s.virtual_address == "10.8.0.9");
    CHECK(s.peer_id == 3);
}

TEST_CASE("without a header the 2.6 column order is assumed") {
    std::vector<std::string> body = {
        "CLIENT_LIST\tdave\t198.51.100.4:5000\t10.8.0.4\t\t1\t2\t2024-01-01 "
        "00:00:00\t1704067200\tUNDEF\t5\t6\tAES-256-GCM",
    };
    auto r = parse_status3(body);
    REQUIRE(r.ok());
    REQUIRE(r.sessions.size() == 1);
    CHECK(r.sessions[0].common_name == "dave");
    CHECK(r.sessions[0].client_id == 5);
    CHECK(r.sessions[0].peer_id == 6);
}

TEST_CASE("malformed status bodies give an error, never a partial list") {
    auto body = body_of(fixture("status3-openvpn-2.6.14.txt"));
    SECTION("a row cut short") {
        body[3] = body[3].substr(0, body[3].find("\t1905"));
        auto r = parse_status3(body);
        CHECK_FALSE(r.ok());
        CHECK(r.sessions.empty());
    }
    SECTION("a non-numeric counter") {
        auto at = body[3].find("1905");
        body[3].replace(at, 4, "19x5");
        CHECK_FALSE(parse_status3(body).ok());
    }
    SECTION("a negative client id") {
        auto r = parse_status3({"CLIENT_LIST\te\t1.2.3.4:5\t\t\t1\t2\tx\t3\tu\t-1\t0\tc"});
        CHECK_FALSE(r.ok());
    }
    SECTION("a header without the client id") {
        CHECK_FALSE(parse_status3({"HEADER\tCLIENT_LIST\tCommon Name\tReal Address"}).ok());
    }
    SECTION("another status version") {
        CHECK_FALSE(parse_status3({"OpenVPN CLIENT LIST", "Common Name,Real Address"}).ok());
    }
    SECTION("garbage bytes") {
        CHECK_FALSE(parse_status3({std::string("\0\xff\t\t\x01", 5), "CLIENT_LIST"}).ok());
    }
    SECTION("an empty body is an empty list") {
        auto r = parse_status3({});
        CHECK(r.ok());
        CHECK(r.sessions.empty());
    }
}

TEST_CASE("line splitting: CRLF, LF, any chunking") {
    std::string bytes = "one\r\ntwo\nthree\r\n\r\nfour";
    LineSplitter whole;
    CHECK(whole.feed(bytes) == std::vector<std::string>{"one", "two", "three", ""});
    CHECK(whole.partial() == "four");

    LineSplitter bytewise;
    std::vector<std::string> lines;
    for (char c : bytes) {
        for (auto& l : bytewise.feed(std::string_view(&c, 1))) lines.push_back(l);
    }
    CHECK(lines == std::vector<std::string>{"one", "two", "three", ""});
    CHECK(bytewise.partial() == "four");
}

TEST_CASE("over-long lines are dropped whole and counted") {
    LineSplitter s(16);
    CHECK(s.feed("short\r\n" + std::string(100, 'x')) == std::vector<std::string>{"short"});
    CHECK(s.partial().empty());
    CHECK(s.dropped_lines() == 1);
    // The rest of the long line, in another read, is skipped too.
    CHECK(s.feed(std::string(50, 'y') + "\nnext\n") == std::vector<std::string>{"next"});
    CHECK(s.feed(std::string(17, 'z') + "\nok\n") == std::vector<std::string>{"ok"});
    CHECK(s.dropped_lines() == 2);
    CHECK(s.feed(std::string(16, 'w') + "\n") == std::vector<std::string>{std::string(16, 'w')});
}

TEST_CASE("lines are classified") {
    auto n = classify(">CLIENT:ESTABLISHED,19");
    CHECK(n.kind == LineKind::Notification);
    CHECK(n.type == "CLIENT");
    CHECK(n.payload == "ESTABLISHED,19");
    CHECK(classify(">HOLD").type == "HOLD");
    auto ok = classify("SUCCESS: pid=4242");
    CHECK(ok.kind == LineKind::Success);
    CHECK(ok.payload == "pid=4242");
    auto err = classify("ERROR: client-kill command failed");
    CHECK(err.kind == LineKind::Error);
    CHECK(err.payload == "client-kill command failed");
    CHECK(classify("END").kind == LineKind::End);
    CHECK(classify("ENDING").kind == LineKind::Body);
    CHECK(classify("").kind == LineKind::Body);
    CHECK(classify("CLIENT_LIST\tx").kind == LineKind::Body);
}

TEST_CASE("a captured session: responses pair up around interleaved notifications") {
    // Commands sent: client-kill 16, status 3, client-kill 999, kill 127.0.0.1:1, status 3 x6.
    auto stream = fixture("stream-openvpn-2.6.14.txt");
    for (std::size_t piece : {std::size_t(0), std::size_t(1), std::size_t(7)}) {
        auto rs = responses_of(stream, piece);
        REQUIRE(rs.size() == 10);
        CHECK(rs[0].ok);
        CHECK(rs[0].lines == std::vector<std::string>{"client-kill command succeeded"});
        CHECK(parse_status3(rs[1].lines).sessions.at(0).client_id == 16);
        CHECK_FALSE(rs[2].ok);
        CHECK_FALSE(rs[3].ok);
        CHECK(rs[3].lines == std::vector<std::string>{"client at address 127.0.0.1:1 not found"});
        for (std::size_t i = 4; i < 10; ++i) {
            auto r = parse_status3(rs[i].lines);
            REQUIRE(r.ok());
            REQUIRE(r.sessions.size() == 1);
            CHECK(r.sessions[0].client_id == 19);
        }
    }
}

TEST_CASE("response reader: bodies, single lines, size limit") {
    ResponseReader r(64);
    CHECK_FALSE(r.push("OpenVPN Version: x"));
    CHECK_FALSE(r.push("SUCCESS: inside a body is text"));
    auto v = r.push("END");
    REQUIRE(v);
    CHECK(v->ok);
    CHECK(v->lines.size() == 2);

    auto empty = r.push("END");
    REQUIRE(empty);
    CHECK(empty->lines.empty());

    for (int i = 0; i < 10; ++i) CHECK_FALSE(r.push("0123456789"));
    auto big = r.push("END");
    REQUIRE(big);
    CHECK_FALSE(big->ok);
    auto next = r.push("SUCCESS: fine");
    REQUIRE(next);
    CHECK(next->ok);
}

TEST_CASE("kill accepts IPv4 endpoints only") {
    CHECK(is_ipv4_endpoint("10.99.0.2:41234"));
    CHECK(is_ipv4_endpoint("255.255.255.255:65535"));
    CHECK_FALSE(is_ipv4_endpoint("10.99.0.2"));
    CHECK_FALSE(is_ipv4_endpoint("10.99.0.256:1"));
    CHECK_FALSE(is_ipv4_endpoint("10.99.0.2:0"));
    CHECK_FALSE(is_ipv4_endpoint("10.99.0.2:65536"));
    CHECK_FALSE(is_ipv4_endpoint("2001:db8::1:443"));
    CHECK_FALSE(is_ipv4_endpoint("1.2.3.4:5 6"));
    CHECK_FALSE(is_ipv4_endpoint(""));
}

TEST_CASE("log lines: time, flags and text (which may hold commas)") {
    auto l = parse_log_line("1763820000,I,client-1/10.250.30.2:1194 MULTI: primary, virtual");
    REQUIRE(l);
    CHECK(l->time == 1763820000);
    CHECK(l->flags == "I");
    CHECK(l->text == "client-1/10.250.30.2:1194 MULTI: primary, virtual");
    auto empty_flags = parse_log_line("5,,text");
    REQUIRE(empty_flags);
    CHECK(empty_flags->flags.empty());
    for (const char* bad :
         {"", "no commas", "12,I", "x,I,text", ",I,text", "-1,I,text", "1234567890123,I,text"}) {
        INFO(bad);
        CHECK_FALSE(parse_log_line(bad));
    }
}
