// CSV as RFC 4180 quotes it: a field holding the separator, a double quote, CR or LF is
// enclosed in double quotes, with inner double quotes doubled. Rows end in "\n".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace warden::csv {

std::string field(std::string_view value, char separator = ',');
std::string row(const std::vector<std::string>& fields, char separator = ',');

// A separator CSV can carry: one character, not a double quote, CR or LF.
bool usable_separator(char separator);

}  // namespace warden::csv
