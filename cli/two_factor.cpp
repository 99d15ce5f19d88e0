#include "cli/two_factor.hpp"

#include <fstream>
#include <iostream>

#include "cli/client.hpp"
#include "cli/qr.hpp"

namespace warden::cli {

int print_totp_secret(const boost::json::value& reply, bool json_output,
                      const std::string& png_path) {
    const auto& o = reply.as_object();
    const std::string uri(o.at("uri").as_string());
    const std::string name(o.at("name").as_string());
    auto qr = qr_encode(uri);
    if (!qr) {
        std::cerr << "wardenctl: the URI does not fit in a QR code\n";
        return kRefused;
    }
    if (!png_path.empty()) {
        if (auto err = write_qr_png(*qr, png_path); !err.empty()) {
            std::cerr << "wardenctl: " << err << '\n';
            return kRefused;
        }
    }
    if (json_output) {
        std::cout << boost::json::serialize(reply) << '\n';
        return kDone;
    }
    std::cout << "Scan with the authenticator app (FreeOTP, Google Authenticator, Aegis):\n\n"
              << qr_terminal(*qr) << '\n'
              << "uri:    " << uri << '\n'
              << "secret: " << std::string(o.at("secret").as_string()) << '\n';
    if (!png_path.empty()) std::cout << "png:    " << png_path << '\n';
    std::cout << "\nThen confirm with a code from the app:  wardenctl totp confirm " << name
              << " CODE\n";
    return kDone;
}

int print_one_time_code(const boost::json::value& reply, bool json_output) {
    if (json_output) {
        std::cout << boost::json::serialize(reply) << '\n';
        return kDone;
    }
    const auto& o = reply.as_object();
    std::cout << "one-time code for " << std::string(o.at("name").as_string()) << " (id "
              << o.at("id").as_int64() << ", valid until "
              << std::string(o.at("expires").as_string()) << "):\n\n    "
              << std::string(o.at("code").as_string())
              << "\n\nIt is shown only now; it works for one login in place of the code.\n";
    return kDone;
}

std::optional<std::string> read_secret_file(const std::string& path, std::string& error) {
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line)) {
        error = "cannot read " + path;
        return std::nullopt;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
}

}  // namespace warden::cli
