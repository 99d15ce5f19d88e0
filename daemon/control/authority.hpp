// The daemon's CA on disk: pki/ca.crt, ca.key, server.crt, server.key, tls-crypt.key,
// crl.pem. Issues device certificates and rewrites the CRL atomically after every
// revocation so OpenVPN's crl-verify sees the change on the next handshake.
#pragma once

#include <cstdint>
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
    void write_crl(const std::vector<store::RevokedSerial>& revoked, std::int64_t now) const;

    const std::string& ca_pem() const { return ca_.cert_pem; }
    const std::string& tls_crypt_key() const { return tls_crypt_; }
    std::string crl_path() const { return dir_ + "/crl.pem"; }

  private:
    std::string dir_;
    int cert_days_;
    int crl_days_;
    pki::Material ca_;
    std::string tls_crypt_;
};

}  // namespace warden::control
