// CSV as RFC 4180 quotes it: a field holding the separator, a double quote, CR or LF is
// enclosed in double quotes, with inner double quotes doubled. Rows end in "\n".
//
// Every cell is also neutralized against spreadsheet formula injection (OWASP "CSV
// injection"): a value starting with = + - @, a tab or a CR would be evaluated as a
// formula by Excel/LibreOffice when the export is opened, so it gets a leading '. Device
// names, comments and log reasons are admin- or client-controlled text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace warden::csv {

std::string field(std::string_view value, char separator = ',');
// `value` with a leading ' when a spreadsheet would read it as a formula.
std::string neutralize(std::string_view value);
std::string row(const std::vector<std::string>& fields, char separator = ',');

// A separator CSV can carry: one character, not a double quote, CR or LF.
bool usable_separator(char separator);

}  // namespace warden::csv
