#include "daemon/core/plugin_requests.hpp"

#include <string.h>

namespace warden::core {

void wipe(std::string& s) {
    // capacity() bytes are writable (plus the terminator): this also reaches what a short
    // string left in its inline buffer.
    if (s.capacity() != 0) ::explicit_bzero(s.data(), s.capacity());
    s.clear();
}

SecretString::SecretString(SecretString&& other) noexcept : value_(other.value_) {
    wipe(other.value_);
}

SecretString& SecretString::operator=(SecretString&& other) noexcept {
    if (this != &other) {
        wipe(value_);
        value_ = other.value_;
        wipe(other.value_);
    }
    return *this;
}

SecretString::~SecretString() {
    wipe(value_);
}

}  // namespace warden::core
