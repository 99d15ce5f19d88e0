// `wardend init`: where things go with and without --dir, and `wardend --check-config`.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "daemon/app/check_config.hpp"
#include "daemon/app/init.hpp"
#include "daemon/core/config.hpp"
#include "support/unix_client.hpp"

using namespace warden;

namespace {

mode_t mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("init without --dir uses the packaged FHS layout") {
    app::InitOptions o;
    const app::InitLayout l = app::init_layout(o);
    CHECK(l.state_dir == "/var/lib/warden");
    CHECK(l.config_file == "/etc/warden/wardend.conf");
    CHECK(l.run_dir == "/run/warden");
    CHECK(l.server_conf == "/etc/openvpn/server/warden.conf");
    CHECK(l.management_socket == "/run/openvpn-server/warden.mgmt");
    // The daemon's defaults are the same places: `wardend` alone finds them.
    const core::Config defaults;
    CHECK(defaults.state_dir == l.state_dir);
    CHECK(defaults.admin_socket == l.run_dir + "/admin.sock");
    CHECK(defaults.plugin_socket == l.run_dir + "/plugin.sock");
}

TEST_CASE("init --dir keeps everything in DIR, --run-dir moves only the sockets") {
    app::InitOptions o;
    o.dir = "/srv/w";
    app::InitLayout l = app::init_layout(o);
    CHECK(l.state_dir == "/srv/w");
    CHECK(l.config_file == "/srv/w/wardend.conf");
    CHECK(l.run_dir == "/srv/w/run");
    CHECK(l.server_conf == "/srv/w/server.conf");
    CHECK(l.management_socket == "/srv/w/openvpn-default.mgmt");
    o.run_dir = "/run/x";
    CHECK(app::init_layout(o).run_dir == "/run/x");
    CHECK(app::init_layout(o).config_file == "/srv/w/wardend.conf");
}

TEST_CASE("init --dir with the sockets elsewhere closes the state folder") {
    testing::TempDir tmp;
    app::InitOptions o;
    o.dir = tmp.file("state");
    o.run_dir = tmp.file("sockets");
    o.remote = "vpn.example.com";
    o.admin_group = o.viewer_group = "";
    REQUIRE(app::run_init(o) == "");
    CHECK(mode_of(o.dir) == 0700);
    CHECK(mode_of(o.run_dir) == 0755);
    CHECK(mode_of(o.dir + "/wardend.conf") == 0600);
    CHECK(mode_of(o.dir + "/server.conf") == 0600);
}

// issue 11: OpenVPN reads revocations from pki/revoked (crl-verify DIR dir), not crl.pem.
TEST_CASE("init creates the revoked folder and points crl-verify at it in dir mode") {
    testing::TempDir tmp;
    app::InitOptions o;
    o.dir = tmp.file("state");
    o.remote = "vpn.example.com";
    o.admin_group = o.viewer_group = "";
    REQUIRE(app::run_init(o) == "");
    const std::string state = std::filesystem::canonical(o.dir).string();
    CHECK(mode_of(state + "/pki/revoked") == 0755);  // under init's umask 077
    CHECK(std::filesystem::is_empty(state + "/pki/revoked"));
    CHECK(mode_of(state + "/pki/crl.pem") == 0644);  // still written and kept
    std::ifstream in(state + "/server.conf");
    const std::string conf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(conf.find("\ncrl-verify " + state + "/pki/revoked dir\n") != std::string::npos);
    CHECK(conf.find("crl-verify " + state + "/pki/crl.pem") == std::string::npos);
}

TEST_CASE("check-config accepts a fresh state and says what is missing or wrong") {
    testing::TempDir tmp;
    app::InitOptions o;
    o.dir = tmp.file("state");
    o.remote = "vpn.example.com";
    o.admin_group = o.viewer_group = "";  // no groupadd from a unit test
    REQUIRE(app::run_init(o) == "");
    CHECK(mode_of(o.dir) == 0711);  // sockets inside: others pass through to run/
    const std::string conf = o.dir + "/wardend.conf";
    CHECK(app::check_config(conf) == "");

    std::filesystem::remove(o.dir + "/pki/server.key");
    const std::string missing = app::check_config(conf);
    CHECK_THAT(missing, Catch::Contains("server.key") && Catch::Contains("wardend init"));

    std::ofstream(tmp.file("bad.conf")) << "[vpn]\nremote = \"x\"\nport = 0\n";
    CHECK_THAT(app::check_config(tmp.file("bad.conf")), Catch::Contains("line 3: vpn.port"));

    // The packaged default before `wardend init`: everything commented out.
    std::ofstream(tmp.file("template.conf")) << "# state_dir = \"/var/lib/warden\"\n";
    CHECK_THAT(app::check_config(tmp.file("template.conf")),
               Catch::Contains("vpn.remote: required") && Catch::Contains("wardend init"));
    CHECK_THAT(app::check_config(tmp.file("absent.conf")), Catch::Contains("cannot read"));
}
