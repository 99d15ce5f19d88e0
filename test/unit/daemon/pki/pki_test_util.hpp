// Helpers shared by the warden_pki tests: parsing, chain verification, temp files and
// running the openssl / openvpn binaries when they are installed.
#pragma once

#include <openssl/err.h>
#include <openssl/pem.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "daemon/pki/pki.hpp"
#include "daemon/pki/raii.hpp"

namespace warden::pki::test {

namespace fs = std::filesystem;
using namespace warden::pki::detail;

inline Cert parse_cert(const std::string& pem) {
    Cert cert = load_cert(pem);
    if (!cert) throw std::runtime_error("test: certificate does not parse");
    return cert;
}

inline Crl parse_crl(const std::string& pem) {
    Bio in = read_bio(pem);
    Crl crl(PEM_read_bio_X509_CRL(in.get(), nullptr, nullptr, nullptr));
    if (!crl) throw std::runtime_error("test: CRL does not parse");
    return crl;
}

// X509_verify_cert of `leaf` against the single trusted `ca`, optionally with a CRL and a
// TLS purpose (X509_PURPOSE_SSL_CLIENT / _SERVER). Returns the X509_V_* result.
inline int verify_chain(const std::string& ca_pem, const std::string& leaf_pem, int purpose = 0,
                        const std::string* crl_pem = nullptr) {
    const Cert ca = parse_cert(ca_pem);
    const Cert leaf = parse_cert(leaf_pem);
    const Store store(X509_STORE_new());
    X509_STORE_add_cert(store.get(), ca.get());
    if (crl_pem != nullptr) {
        const Crl crl = parse_crl(*crl_pem);
        X509_STORE_add_crl(store.get(), crl.get());
        X509_STORE_set_flags(store.get(), X509_V_FLAG_CRL_CHECK);
    }
    const StoreCtx ctx(X509_STORE_CTX_new());
    X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), nullptr);
    if (purpose != 0) X509_STORE_CTX_set_purpose(ctx.get(), purpose);
    const int ok = X509_verify_cert(ctx.get());
    const int err = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return ok == 1 ? X509_V_OK : (err == X509_V_OK ? -1 : err);
}

// A private directory under $TMPDIR, removed with everything in it.
class TempDir {
  public:
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "warden-pki-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string write(const std::string& name, const std::string& content) const {
        const fs::path file = path_ / name;
        std::ofstream(file) << content;
        return file.string();
    }

  private:
    fs::path path_;
};

// The full path of an executable from $PATH or the sbin folders (openvpn lives there).
inline std::optional<std::string> find_binary(const std::string& name) {
    std::string dirs = std::getenv("PATH") ? std::getenv("PATH") : "";
    dirs += ":/usr/sbin:/sbin:/usr/local/sbin";
    std::size_t start = 0;
    while (start <= dirs.size()) {
        const std::size_t end = std::min(dirs.find(':', start), dirs.size());
        const fs::path candidate = fs::path(dirs.substr(start, end - start)) / name;
        if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
        start = end + 1;
    }
    return std::nullopt;
}

struct CommandResult {
    int status = -1;     // exit status, -1 when it did not exit normally
    std::string output;  // stdout and stderr
};

// Runs `command` through the shell (callers quote nothing: paths come from TempDir).
inline CommandResult run(const std::string& command) {
    CommandResult result;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr) return result;
    std::array<char, 4096> buf{};
    while (const std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) {
        result.output.append(buf.data(), n);
    }
    const int raw = ::pclose(pipe);
    if (raw != -1 && WIFEXITED(raw)) result.status = WEXITSTATUS(raw);
    return result;
}

inline std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        if (end == std::string::npos) {
            lines.push_back(text.substr(start));
            break;
        }
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

}  // namespace warden::pki::test
