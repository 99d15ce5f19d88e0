// Wiring of the time-restricted-access confirmation page (issue 10): the [http] config
// turned into an HttpServer on wardend's event loop, routing token requests to the TR
// service's port (daemon/http/tr_port.hpp).
#pragma once

#include <boost/asio/io_context.hpp>

#include <memory>

#include "daemon/core/config.hpp"
#include "daemon/http/server.hpp"
#include "daemon/http/tr_port.hpp"

namespace warden::app {

// The port while no TR service is wired in: every token is Unknown, nothing is released.
http::TrPort unknown_tokens_port();

// Starts the page when [http] listen is set (`server` stays empty when it is "off"):
// false, with one error line logged, when it cannot listen; wardend then refuses to
// start rather than mail links nobody can open.
bool start_http(boost::asio::io_context& io, const core::HttpConfig& config, http::TrPort port,
                std::unique_ptr<http::HttpServer>& server);

}  // namespace warden::app
