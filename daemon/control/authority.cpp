#include "daemon/control/authority.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/log.hpp"
#include "common/text.hpp"
#include "daemon/control/revoked_dir.hpp"

namespace warden::control {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const std::string& path, const std::string& content, unsigned mode) {
    if (auto err = text::write_file_atomic(path, content, mode); !err.empty())
        throw std::runtime_error(err);
}

// Both files of a pair are written under temporary names first and then renamed one
// right after the other: a crash while writing leaves the old pair in place.
void replace_pair(const std::string& cert_path, const std::string& cert_pem,
                  const std::string& key_path, const std::string& key_pem) {
    const std::string cert_new = cert_path + ".new", key_new = key_path + ".new";
    write_file(key_new, key_pem, 0600);
    write_file(cert_new, cert_pem, 0644);
    for (const auto& [from, to] : {std::pair{key_new, key_path}, std::pair{cert_new, cert_path}}) {
        if (std::rename(from.c_str(), to.c_str()) != 0)
            throw std::runtime_error("rename " + from + ": " + std::strerror(errno));
    }
    // The renames live in the folder: sync it, or a power loss may bring back the old pair.
    const std::string dir = cert_path.substr(0, cert_path.rfind('/') + 1) + ".";
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

std::vector<pki::Revoked> to_pki(const std::vector<store::RevokedSerial>& revoked) {
    std::vector<pki::Revoked> out;
    out.reserve(revoked.size());
    for (const auto& r : revoked) out.push_back({r.serial, r.revoked_at});
    return out;
}

}  // namespace

Authority::Authority(std::string pki_dir, int cert_days, int crl_days)
    : dir_(std::move(pki_dir)), cert_days_(cert_days), crl_days_(crl_days) {
    ca_.cert_pem = read_file(dir_ + "/ca.crt");
    ca_.key_pem = read_file(dir_ + "/ca.key");
    tls_crypt_ = read_file(dir_ + "/tls-crypt.key");
    if (auto own = pki::inspect(ca_.cert_pem)) ca_serials_.push_back(own->serial);
}

void Authority::create(const std::string& pki_dir, const std::string& ca_name, int cert_days,
                       int crl_days, std::int64_t now) {
    ::mkdir(pki_dir.c_str(), 0700);
    const pki::Material ca = pki::create_ca(ca_name, 3650);
    const pki::Material server =
        pki::issue(ca, kServerCommonName, pki::CertKind::Server, cert_days);
    write_file(pki_dir + "/ca.crt", ca.cert_pem, 0644);
    write_file(pki_dir + "/ca.key", ca.key_pem, 0600);
    write_file(pki_dir + "/server.crt", server.cert_pem, 0644);
    write_file(pki_dir + "/server.key", server.key_pem, 0600);
    write_file(pki_dir + "/tls-crypt.key", pki::generate_tls_crypt_key(), 0600);
    write_file(pki_dir + "/crl.pem", pki::make_crl(ca, {}, now, crl_days), 0644);
    write_file(pki_dir + "/ca-bundle.pem", ca.cert_pem, 0644);
    // Empty: a --force over an older state drops that state's revocations with its database.
    sync_revoked_dir(pki_dir + "/revoked", {});
}

store::Certificate Authority::issue_client(const std::string& common_name, std::int64_t now) const {
    const pki::Material m = pki::issue(ca_, common_name, pki::CertKind::Client, cert_days_);
    const auto info = pki::inspect(m.cert_pem);
    if (!info) throw std::runtime_error("issued certificate does not parse");
    store::Certificate cert;
    cert.serial = info->serial;
    cert.common_name = info->common_name;
    cert.fingerprint = info->fingerprint_sha256;
    cert.not_before = info->not_before;
    cert.not_after = info->not_after;
    cert.cert_pem = m.cert_pem;
    cert.key_pem = m.key_pem;
    cert.created_at = now;
    return cert;
}

pki::CertInfo Authority::renew_server() const {
    const pki::Material m = pki::issue(ca_, kServerCommonName, pki::CertKind::Server, cert_days_);
    auto info = pki::inspect(m.cert_pem);
    if (!info) throw std::runtime_error("issued server certificate does not parse");
    replace_pair(server_cert_path(), m.cert_pem, server_key_path(), m.key_pem);
    return *info;
}

std::optional<pki::CertInfo> Authority::server_cert() const {
    std::ifstream in(server_cert_path());
    if (!in) return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    return pki::inspect(ss.str());
}

void Authority::write_crl(const std::vector<store::RevokedSerial>& revoked,
                          std::int64_t now) const {
    std::string dir_error;
    try {
        sync_revoked(revoked);
    } catch (const std::exception& e) {
        dir_error = e.what();  // crl.pem is still worth writing
    }
    write_crl_file(revoked, now);
    if (!dir_error.empty()) throw std::runtime_error(dir_error);
}

void Authority::write_crl_file(const std::vector<store::RevokedSerial>& revoked,
                               std::int64_t now) const {
    write_file(crl_path(), pki::make_crl(ca_, to_pki(revoked), now, crl_days_), 0644);
}

void Authority::write_ca_bundle(const std::vector<std::string>& extra) const {
    std::string bundle = ca_.cert_pem;
    std::vector<std::string> serials;
    if (auto own = pki::inspect(ca_.cert_pem)) serials.push_back(own->serial);
    for (const auto& pem : extra) {
        if (!bundle.empty() && bundle.back() != '\n') bundle += '\n';
        bundle += pem;
        if (auto info = pki::inspect(pem)) serials.push_back(info->serial);
    }
    write_file(ca_bundle_path(), bundle, 0644);
    ca_serials_ = std::move(serials);
}

void Authority::sync_revoked(const std::vector<store::RevokedSerial>& revoked) const {
    std::vector<store::RevokedSerial> listed;
    listed.reserve(revoked.size());
    for (const auto& r : revoked) {
        const bool ca = std::find(ca_serials_.begin(), ca_serials_.end(),
                                  text::normalize_serial(r.serial)) != ca_serials_.end();
        if (ca)
            log::warn("revoked serial kept out of pki/revoked",
                      {{"serial", r.serial}, {"why", "a trusted CA has that serial"}});
        else
            listed.push_back(r);
    }
    sync_revoked_dir(revoked_dir(), listed);
}

}  // namespace warden::control
