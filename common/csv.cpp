#include "common/csv.hpp"

namespace warden::csv {

std::string neutralize(std::string_view value) {
    constexpr std::string_view kFormulaStart = "=+-@\t\r";
    if (value.empty() || kFormulaStart.find(value.front()) == std::string_view::npos)
        return std::string(value);
    return "'" + std::string(value);
}

std::string field(std::string_view raw, char separator) {
    const std::string value = neutralize(raw);
    const bool quote =
        value.find_first_of(std::string{separator, '"', '\r', '\n'}) != std::string_view::npos;
    if (!quote) return value;
    std::string out = "\"";
    for (char c : value) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
    return out;
}

std::string row(const std::vector<std::string>& fields, char separator) {
    std::string out;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        if (i > 0) out += separator;
        out += field(fields[i], separator);
    }
    out += '\n';
    return out;
}

bool usable_separator(char separator) {
    return separator != '"' && separator != '\r' && separator != '\n' && separator != '\0';
}

}  // namespace warden::csv
