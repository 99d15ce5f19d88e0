#include "cli/output.hpp"

#include <algorithm>

#include "common/csv.hpp"

namespace warden::cli {

std::string plain(const boost::json::value& v) {
    if (v.is_string()) return std::string(v.get_string());
    if (v.is_null()) return "-";
    return boost::json::serialize(v);
}

void print_table(std::ostream& out, const boost::json::array& rows,
                 const std::vector<Column>& columns) {
    std::vector<std::vector<std::string>> cells;
    std::vector<std::size_t> width;
    for (const auto& c : columns) width.push_back(c.header.size());
    for (const auto& row : rows) {
        std::vector<std::string> line;
        for (std::size_t i = 0; i < columns.size(); ++i) {
            const auto* v =
                row.is_object() ? row.get_object().if_contains(columns[i].key) : nullptr;
            line.push_back(v ? plain(*v) : "-");
            width[i] = std::max(width[i], line.back().size());
        }
        cells.push_back(std::move(line));
    }
    auto emit = [&](const std::vector<std::string>& line) {
        for (std::size_t i = 0; i < line.size(); ++i) {
            out << line[i];
            if (i + 1 < line.size()) out << std::string(width[i] - line[i].size() + 2, ' ');
        }
        out << '\n';
    };
    std::vector<std::string> headers;
    for (const auto& c : columns) headers.push_back(c.header);
    emit(headers);
    for (const auto& line : cells) emit(line);
}

namespace {

// Objects inside an object (a device's certificates, status' firewall block) as one
// "key=value ..." line each.
std::string inline_object(const boost::json::value& v) {
    if (!v.is_object()) return plain(v);
    std::string line;
    for (const auto& [k, field] : v.get_object())
        line += (line.empty() ? "" : "  ") + std::string(k) + "=" + plain(field);
    return line;
}

}  // namespace

void print_object(std::ostream& out, const boost::json::object& obj) {
    std::size_t width = 0;
    for (const auto& [k, v] : obj) width = std::max(width, k.size());
    for (const auto& [k, v] : obj) {
        out << std::string(k) << ':' << std::string(width - k.size() + 1, ' ');
        if (v.is_array()) {
            out << '\n';
            for (const auto& item : v.get_array()) out << "  " << inline_object(item) << '\n';
        } else {
            out << inline_object(v) << '\n';  // a block (status' firewall) on its line
        }
    }
}

void print_csv(std::ostream& out, const boost::json::array& rows,
               const std::vector<Column>& columns, char separator) {
    std::vector<std::string> line;
    for (const auto& c : columns) line.push_back(c.key);
    out << csv::row(line, separator);
    for (const auto& r : rows) {
        line.clear();
        for (const auto& c : columns) {
            const auto* v = r.is_object() ? r.get_object().if_contains(c.key) : nullptr;
            line.push_back(!v || v->is_null() ? std::string() : plain(*v));
        }
        out << csv::row(line, separator);
    }
}

}  // namespace warden::cli
