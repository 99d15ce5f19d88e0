// Arbitrary bytes as pki/crl.pem (the CRL keeper reads whatever is on disk): a CrlInfo or
// nullopt, never a crash, never an OpenSSL error left behind for the next caller, and
// never "signed by our CA" for a CRL the fuzzer could not have signed.
#include <openssl/err.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/pki/pki.hpp"

using namespace warden::pki;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const Material ca = create_ca("fuzz CA", 30);
    const std::string_view pem(reinterpret_cast<const char*>(data), size);
    const auto info = inspect_crl(pem, ca.cert_pem);
    if (ERR_peek_error() != 0) __builtin_trap();
    if (info && info->signed_by_ca) __builtin_trap();
    if (info && !std::is_sorted(info->revoked.begin(), info->revoked.end())) __builtin_trap();
    return 0;
}
