#include "daemon/app/http_setup.hpp"

#include <stdexcept>

#include "common/log.hpp"
#include "daemon/core/http_settings.hpp"
#include "daemon/http/tr_handler.hpp"

namespace warden::app {

http::TrPort unknown_tokens_port() {
    return {[](std::string_view) { return http::TokenView{}; },
            [](std::string_view, const std::string&) { return http::TokenView{}; }};
}

bool start_http(boost::asio::io_context& io, const core::HttpConfig& config, http::TrPort port,
                std::unique_ptr<http::HttpServer>& server) {
    if (core::http_listen_off(config.listen)) {
        log::info("http off", {{"reason", "[http] listen is off"}});
        return true;
    }
    try {
        http::TrHandlerOptions options;
        options.attempts_per_minute = static_cast<std::size_t>(config.token_attempts_per_minute);
        options.trusted_proxy = config.trusted_proxy;
        server = std::make_unique<http::HttpServer>(
            io, http::HttpOptions{config.listen, {}},
            http::make_tr_handler(std::move(port), std::move(options)));
        server->start();
    } catch (const std::exception& e) {
        server.reset();
        log::error("wardend not started: the confirmation page cannot listen",
                   {{"listen", config.listen},
                    {"error", e.what()},
                    {"hint", "set [http] listen to a free address, or \"off\""}});
        return false;
    }
    log::info("http page", {{"listen", config.listen}, {"public_url", config.public_url}});
    // The default public_url of a wildcard listen address is no address a mail can link to.
    if (config.public_url.rfind("http://0.0.0.0:", 0) == 0 ||
        config.public_url.rfind("http://[::]:", 0) == 0)
        log::warn("http public_url is not a reachable address",
                  {{"public_url", config.public_url},
                   {"hint", "set [http] public_url to the address users open"}});
    return true;
}

}  // namespace warden::app
