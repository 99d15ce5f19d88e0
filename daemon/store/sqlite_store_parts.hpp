// Parts of SqliteStore kept in files of their own (the class delegates to them): licenses
// in sqlite_store_licenses.cpp, traffic/activity/backup in sqlite_store_usage.cpp. Each
// works on the store's connection and runs inside whatever transaction is open.
#pragma once

#include "daemon/store/sqlite_handles.hpp"
#include "daemon/store/store.hpp"

namespace warden::store {

class LicenseTables {
  public:
    explicit LicenseTables(sqlite3* db);

    Outcome add(License& license);
    std::optional<License> find(std::string_view name);
    std::vector<License> list();
    Outcome set_seats(std::string_view name, std::int64_t seats);
    Outcome assign(std::int64_t device_id, std::string_view license, std::int64_t now);
    Outcome unassign(std::int64_t device_id, std::int64_t now);
    DeviceSeat seat_of(std::int64_t device_id);  // on every verdict: a cached statement
    std::vector<DeviceSeat> seats();
    std::vector<std::int64_t> devices_with(std::int64_t license_id);
    void note_expiry(std::int64_t license_id, std::int64_t now);

  private:
    sqlite3* db_;
    Statement seat_of_;
};

class UsageTables {
  public:
    explicit UsageTables(sqlite3* db) : db_(db) {}

    void add_traffic(const Traffic& traffic);
    std::vector<Traffic> traffic_of(std::int64_t device_id);
    std::vector<std::array<Traffic, 3>> traffic_summary(int month, int previous);
    std::vector<ActivityEntry> activity_for(std::string_view object, std::int64_t since,
                                            std::size_t limit);
    Outcome backup(const std::string& path);

  private:
    sqlite3* db_;
};

}  // namespace warden::store
