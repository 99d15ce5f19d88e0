// The cache of verified static passwords: a repeat login skips the slow hash, a changed
// password refuses the old one at once, a wrong password is never remembered.
#include <catch2/catch.hpp>

#include "daemon/core/password_cache.hpp"
#include "daemon/core/secrets.hpp"

using warden::core::PasswordCache;

namespace {

struct CountingVerifier {
    std::shared_ptr<int> calls = std::make_shared<int>(0);
    PasswordCache::SlowVerifier fn() const {
        return [calls = calls](std::string_view password, std::string_view hash) {
            ++*calls;
            return warden::core::secrets::verify_password(password, hash);
        };
    }
};

}  // namespace

TEST_CASE("password cache: a repeat login does not call the slow hash") {
    CountingVerifier slow;
    PasswordCache cache(slow.fn());
    const std::string hash = warden::core::secrets::hash_password("correct horse");
    CHECK(cache.verify("correct horse", hash));
    CHECK(*slow.calls == 1);
    for (int i = 0; i < 5; ++i) CHECK(cache.verify("correct horse", hash));
    CHECK(*slow.calls == 1);
}

TEST_CASE("password cache: a changed password refuses the old one at once") {
    CountingVerifier slow;
    PasswordCache cache(slow.fn());
    const std::string old_hash = warden::core::secrets::hash_password("old secret");
    REQUIRE(cache.verify("old secret", old_hash));
    const std::string new_hash = warden::core::secrets::hash_password("new secret");
    CHECK_FALSE(cache.verify("old secret", new_hash));
    CHECK(cache.verify("new secret", new_hash));
    CHECK(cache.verify("new secret", new_hash));
    CHECK(*slow.calls == 3);  // old once, the old one against the new hash, new once
}

TEST_CASE("password cache: a wrong password is never cached") {
    CountingVerifier slow;
    PasswordCache cache(slow.fn());
    const std::string hash = warden::core::secrets::hash_password("right");
    CHECK_FALSE(cache.verify("wrong", hash));
    CHECK_FALSE(cache.verify("wrong", hash));
    CHECK(*slow.calls == 2);  // each wrong attempt pays the slow hash
    CHECK(cache.size() == 0);
    REQUIRE(cache.verify("right", hash));
    CHECK_FALSE(cache.verify("wrong", hash));  // a cached entry does not admit others
    CHECK_FALSE(cache.verify("righ", hash));
    CHECK(*slow.calls == 5);
    CHECK(cache.verify("right", hash));
    CHECK(*slow.calls == 5);
}
