// Human output of wardenctl: tables for lists, key: value for objects.
#pragma once

#include <boost/json.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace warden::cli {

struct Column {
    std::string key;     // field of each row object
    std::string header;  // shown title
};

void print_table(std::ostream& out, const boost::json::array& rows,
                 const std::vector<Column>& columns);
void print_object(std::ostream& out, const boost::json::object& obj);
// Rows as CSV (common/csv.hpp quoting): a header of the column keys, then one line each.
void print_csv(std::ostream& out, const boost::json::array& rows,
               const std::vector<Column>& columns, char separator);
std::string plain(const boost::json::value& v);  // strings without quotes, others as JSON

}  // namespace warden::cli
