// The TR confirmation page (issue 10) served with a fake TR service, for the browser test
// (tr_page_browser_test.sh) and for looking at the page by hand:
//   tr_page_demo [--listen 127.0.0.1:0] [--device NAME]
// prints "listening ADDRESS:PORT token=TOKEN used=TOKEN expired=TOKEN" once it accepts,
// and runs until SIGTERM/SIGINT. The valid token releases NAME once; afterwards it is used.
#include <boost/asio.hpp>

#include <cstdio>
#include <iostream>
#include <string>

#include "daemon/http/server.hpp"
#include "daemon/http/tr_handler.hpp"

using namespace warden::http;

namespace {

const std::string kValid = "DEMOVALIDTOKENAAAAAAAAAAAAAAAAAA";
const std::string kUsed = "DEMOUSEDTOKENBBBBBBBBBBBBBBBBBBB";
const std::string kExpired = "DEMOEXPIREDTOKENCCCCCCCCCCCCCCCC";
constexpr std::int64_t kUntil = 1796230800;  // 2026-12-02 17:00 UTC

class FakeService {
  public:
    explicit FakeService(std::string device) : device_(std::move(device)) {}

    TokenView lookup(std::string_view token) const {
        TokenView v;
        if (token == kUsed || (token == kValid && used_)) v.state = TokenState::Used;
        if (token == kExpired) v.state = TokenState::Expired;
        if (token == kValid && !used_) {
            v.state = TokenState::Valid;
            v.device = device_;
            v.effect = "access until 2026-12-02 17:00 UTC";
        }
        return v;
    }

    TokenView confirm(std::string_view token, const std::string& peer) {
        TokenView v = lookup(token);
        if (v.state != TokenState::Valid) return v;
        used_ = true;
        v.state = TokenState::Released;
        v.until = kUntil;
        std::cerr << "demo: released " << device_ << " for " << peer << "\n";
        return v;
    }

  private:
    std::string device_;
    bool used_ = false;
};

}  // namespace

int main(int argc, char** argv) {
    std::string listen = "127.0.0.1:0";
    std::string device = "Router <Büro> & \"Lager\"";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        if (flag == "--listen")
            listen = argv[i + 1];
        else if (flag == "--device")
            device = argv[i + 1];
        else {
            std::cerr << "usage: tr_page_demo [--listen ADDR:PORT] [--device NAME]\n";
            return 2;
        }
    }
    boost::asio::io_context io;
    FakeService service(device);
    TrPort port{
        [&](std::string_view t) { return service.lookup(t); },
        [&](std::string_view t, const std::string& peer) { return service.confirm(t, peer); }};
    HttpServer server(io, {listen, {}}, make_tr_handler(port, {}));
    server.start();
    boost::asio::signal_set signals(io, SIGTERM, SIGINT);
    signals.async_wait([&](auto, int) {
        server.stop();
        io.stop();
    });
    std::cout << "listening " << server.local_endpoint() << " token=" << kValid << " used=" << kUsed
              << " expired=" << kExpired << std::endl;
    io.run();
    return 0;
}
