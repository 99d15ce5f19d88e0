#include "cli/commands.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/client.hpp"
#include "common/csv.hpp"

namespace warden::cli {

int print_rows(const json::value& v, const Options& o, const std::vector<Column>& columns) {
    if (o.json_output)
        std::cout << json::serialize(v) << '\n';
    else if (v.is_array())
        print_table(std::cout, v.get_array(), columns);
    return kDone;
}

int print_any(const json::value& v, const Options& o) {
    if (o.json_output || !v.is_object()) {
        if (!v.is_null()) std::cout << json::serialize(v) << '\n';
    } else {
        print_object(std::cout, v.get_object());
    }
    return kDone;
}

Printer any_printer(const Options& o) {
    return [&o](const json::value& v) { return print_any(v, o); };
}

Printer rows_printer(const Options& o, std::vector<Column> columns) {
    return [&o, columns = std::move(columns)](const json::value& v) {
        if (o.csv && v.is_array()) {
            print_csv(std::cout, v.get_array(), columns, o.separator);
            return static_cast<int>(kDone);
        }
        return print_rows(v, o, columns);
    };
}

CLI::App* leaf(CLI::App& parent, const std::string& name, const std::string& help, Invocation& inv,
               const std::string& command, Printer print) {
    CLI::App* sub = parent.add_subcommand(name, help);
    sub->callback([&inv, command, print] {
        inv.command = command;
        inv.print = print;
    });
    return sub;
}

void arg(CLI::App* sub, const std::string& flag, const std::string& key, Invocation& inv,
         const std::string& help, bool required) {
    auto* opt = sub->add_option_function<std::string>(
        flag, [&inv, key](const std::string& v) { inv.args[key] = v; }, help);
    if (required) opt->required();
}

void int_arg(CLI::App* sub, const std::string& flag, const std::string& key, Invocation& inv,
             const std::string& help, bool required) {
    auto* opt = sub->add_option_function<long long>(
        flag, [&inv, key](long long v) { inv.args[key] = v; }, help);
    if (required) opt->required();
}

void flag(CLI::App* sub, const std::string& flag, const std::string& key, Invocation& inv,
          const std::string& help) {
    sub->add_flag_callback(
        flag, [&inv, key] { inv.args[key] = true; }, help);
}

void define_csv_options(CLI::App* sub, Options& o, const std::string& help) {
    sub->add_flag("--csv", o.csv, help);
    sub->add_option_function<std::string>(
           "--separator",
           [&o](const std::string& v) {
               const char c = v == "\\t" || v == "tab" ? '\t' : v.empty() ? '\0' : v[0];
               if ((v.size() != 1 && c != '\t') || !warden::csv::usable_separator(c))
                   throw CLI::ValidationError("--separator",
                                              "one character, not a quote or newline");
               o.separator = c;
           },
           "CSV field separator (default ','; 'tab' for a tab)")
        ->needs("--csv");
}

CLI::App* family(CLI::App& app, const std::string& name, const std::string& help) {
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
        if (sub->get_name() == name) return sub;
    return app.add_subcommand(name, help)->require_subcommand(1);
}

}  // namespace warden::cli
