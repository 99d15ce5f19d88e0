// The daemon's CA on disk: pki/ca.crt, ca.key, server.crt, server.key, tls-crypt.key,
// crl.pem and the folder revoked/. Issues device certificates and, after every revocation,
// brings revoked/ (what OpenVPN's `crl-verify DIR dir` reads, control/revoked_dir) in step
// and rewrites the CRL atomically (the standard list for other tools, and for servers
// whose server.conf still has the file form); the CRL keeper (app/crl_watch) re-signs it
// before it expires and repairs revoked/. Renews the server certificate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/pki/pki.hpp"
#include "daemon/store/store.hpp"

namespace warden::control {

class Authority {
  public:
    // Loads the CA written by `wardend init` from `pki_dir`. Throws when it is missing.
    Authority(std::string pki_dir, int cert_days, int crl_days);

    // Creates a fresh CA, server certificate, tls-crypt key and empty CRL in `pki_dir`.
    static void create(const std::string& pki_dir, const std::string& ca_name, int cert_days,
                       int crl_days, std::int64_t now);

    // A new client certificate for `common_name`, ready to store (device_id unset).
    store::Certificate issue_client(const std::string& common_name, std::int64_t now) const;
    // Publishes `revoked`: revoked/ first (what OpenVPN checks), then crl.pem. Throws when
    // either fails, after trying both.
    void write_crl(const std::vector<store::RevokedSerial>& revoked, std::int64_t now) const;
    // pki/ca-bundle.pem, OpenVPN's `ca`: warden's CA, then `extra` (enrollment CAs' PEMs).
    // Replaced by rename, so OpenVPN never reads half of it.
    void write_ca_bundle(const std::vector<std::string>& extra) const;
    // Makes pki/revoked say what `revoked` says, but for the serials of the CAs in
    // ca-bundle.pem: OpenVPN checks every certificate of a chain against the folder, so a
    // revoked client whose serial equals a trusted CA's (two CAs counting 1, 2, 3 ...)
    // would lock out every client of that CA. wardend refuses such a client on its own.
    void sync_revoked(const std::vector<store::RevokedSerial>& revoked) const;
    // crl.pem alone (the CRL keeper keeps revoked/ on its own schedule).
    void write_crl_file(const std::vector<store::RevokedSerial>& revoked, std::int64_t now) const;

    // A new server certificate and key from the same CA, replacing server.crt and
    // server.key (0600) by rename, so a reader sees the old pair or the new one. OpenVPN
    // loads it on its next restart. Throws when signing or writing fails.
    pki::CertInfo renew_server() const;
    // The server certificate as on disk now; nullopt when it is missing or unreadable.
    std::optional<pki::CertInfo> server_cert() const;
    std::optional<pki::CertInfo> ca_cert() const { return pki::inspect(ca_.cert_pem); }

    const std::string& ca_pem() const { return ca_.cert_pem; }
    const std::string& tls_crypt_key() const { return tls_crypt_; }
    std::string crl_path() const { return dir_ + "/crl.pem"; }
    std::string ca_bundle_path() const { return dir_ + "/ca-bundle.pem"; }
    std::string revoked_dir() const { return dir_ + "/revoked"; }
    std::string server_cert_path() const { return dir_ + "/server.crt"; }
    std::string server_key_path() const { return dir_ + "/server.key"; }

    static constexpr const char* kServerCommonName = "warden-server";

  private:
    std::string dir_;
    int cert_days_;
    int crl_days_;
    pki::Material ca_;
    // Serials of the CAs OpenVPN trusts (ours, then write_ca_bundle's): never in revoked/.
    mutable std::vector<std::string> ca_serials_;
    std::string tls_crypt_;
};

}  // namespace warden::control
