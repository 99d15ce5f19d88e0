// SQLite implementation of Store: WAL mode, synchronous=FULL (a change reported done
// survives kill -9 and power loss), foreign keys on, migrations applied on open.
#include <sys/stat.h>

#include <set>

#include "daemon/store/committed_activity.hpp"
#include "daemon/store/migrations.hpp"
#include "daemon/store/sqlite_handles.hpp"
#include "daemon/store/sqlite_store_availability.hpp"
#include "daemon/store/sqlite_store_devices.hpp"
#include "daemon/store/sqlite_store_enroll.hpp"
#include "daemon/store/sqlite_store_groups.hpp"
#include "daemon/store/sqlite_store_mail.hpp"
#include "daemon/store/sqlite_store_parts.hpp"
#include "daemon/store/sqlite_store_tr.hpp"
#include "daemon/store/sqlite_store_two_factor.hpp"
#include "daemon/store/store.hpp"

namespace warden::store {
namespace {

constexpr std::string_view kDeviceColumns =
    "d.id, d.name, d.type, g.name, d.serial_number, d.device_code, d.vpn_ip, d.network, "
    "d.addressing, d.local_network, d.monitor, d.email, d.active, d.state, d.state_since, "
    "d.created_at";
constexpr std::string_view kDeviceFrom = " FROM devices d JOIN groups g ON g.id = d.group_id ";

constexpr std::string_view kCertColumns =
    "c.serial, c.device_id, c.common_name, c.fingerprint, c.not_before, c.not_after, "
    "c.cert_pem, c.key_pem, c.revoked_at, c.created_at, IFNULL(c.enroll_ca, '')";

// Resets a cached statement however the scope is left.
struct ResetGuard {
    Statement& stmt;
    ~ResetGuard() { stmt.reset(); }
};

Device read_device(const Statement& s, int base = 0) {
    Device d;
    d.id = s.int64(base + 0);
    d.name = s.text(base + 1);
    d.type = parse_device_type(s.text(base + 2)).value_or(DeviceType::Pc);
    d.group = s.text(base + 3);
    d.serial_number = s.text(base + 4);
    d.device_code = s.text(base + 5);
    d.vpn_ip = static_cast<std::uint32_t>(s.int64(base + 6));
    d.network = s.text(base + 7);
    // Unknown text (never written by wardend) reads as the column's default.
    d.addressing = parse_addressing(s.text(base + 8)).value_or(Addressing::Direct);
    d.local_network = s.text(base + 9);
    d.monitor = s.int64(base + 10) != 0;
    d.email = s.text(base + 11);
    d.active = s.int64(base + 12) != 0;
    d.state = parse_device_state(s.text(base + 13)).value_or(DeviceState::Offline);
    d.state_since = s.int64(base + 14);
    d.created_at = s.int64(base + 15);
    return d;
}

Certificate read_cert(const Statement& s, int base = 0) {
    Certificate c;
    c.serial = s.text(base + 0);
    c.device_id = s.optional_int64(base + 1);
    c.common_name = s.text(base + 2);
    c.fingerprint = s.text(base + 3);
    c.not_before = s.int64(base + 4);
    c.not_after = s.int64(base + 5);
    c.cert_pem = s.text(base + 6);
    c.key_pem = s.text(base + 7);
    c.revoked_at = s.optional_int64(base + 8);
    c.created_at = s.int64(base + 9);
    c.enroll_ca = s.text(base + 10);
    return c;
}

bool is_constraint(const SqliteError& e) {
    return (e.code & 0xff) == SQLITE_CONSTRAINT;
}

class SqliteStore final : public Store {
  public:
    explicit SqliteStore(DbHandle db)
        : db_(std::move(db)),
          by_serial_(db_.get(), std::string("SELECT ") + std::string(kCertColumns) +
                                    " FROM certificates c WHERE c.serial = ?1"),
          device_by_id_(db_.get(), std::string("SELECT ") + std::string(kDeviceColumns) +
                                       std::string(kDeviceFrom) + "WHERE d.id = ?1"),
          licenses_(db_.get()),
          usage_(db_.get()) {}

    void transaction(const std::function<void()>& fn) override {
        if (in_transaction_) {
            fn();
            return;
        }
        exec(db_.get(), "BEGIN IMMEDIATE");
        in_transaction_ = true;
        try {
            fn();
            exec(db_.get(), "COMMIT");
        } catch (...) {
            in_transaction_ = false;
            activity_.rolled_back();
            exec(db_.get(), "ROLLBACK");
            throw;
        }
        in_transaction_ = false;
        activity_.committed();
    }

    // WAL with synchronous=NORMAL: the commit is in the WAL file (the OS has it) but
    // not fsynced; the next FULL commit or checkpoint syncs it along.
    void transaction_without_fsync(const std::function<void()>& fn) override {
        if (in_transaction_) return fn();
        exec(db_.get(), "PRAGMA synchronous = NORMAL");
        try {
            transaction(fn);
        } catch (...) {
            exec(db_.get(), "PRAGMA synchronous = FULL");
            throw;
        }
        exec(db_.get(), "PRAGMA synchronous = FULL");
    }

    Outcome add_device(Device& d) override {
        if (!group_exists(d.group))
            return Outcome::fail(Status::NotFound, "group: unknown group " + d.group);
        Statement s(
            db_.get(),
            "INSERT INTO devices (name, type, group_id, serial_number, device_code, vpn_ip, "
            "network, addressing, local_network, monitor, email, active, state, state_since, "
            "created_at) VALUES (?1, ?2, (SELECT id FROM groups WHERE name = ?3), ?4, ?5, ?6, "
            "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
        s.bind(1, d.name).bind(2, to_string(d.type)).bind(3, d.group).bind(4, d.serial_number);
        s.bind(5, d.device_code).bind(6, static_cast<std::int64_t>(d.vpn_ip)).bind(7, d.network);
        s.bind(8, to_string(d.addressing))
            .bind(9, d.local_network)
            .bind(10, std::int64_t{d.monitor});
        s.bind(11, d.email).bind(12, std::int64_t{d.active}).bind(13, to_string(d.state));
        s.bind(14, d.state_since).bind(15, d.created_at);
        try {
            s.run();
        } catch (const SqliteError& e) {
            if (!is_constraint(e)) throw;
            if (find_device(d.name))
                return Outcome::fail(Status::Duplicate,
                                     "name: a device named " + d.name + " exists");
            return Outcome::fail(Status::Duplicate, "vpn_ip: address already in use");
        }
        d.id = sqlite3_last_insert_rowid(db_.get());
        return Outcome::success();
    }

    std::optional<Device> find_device(std::string_view name) override {
        Statement s(db_.get(), std::string("SELECT ") + std::string(kDeviceColumns) +
                                   std::string(kDeviceFrom) + "WHERE d.name = ?1");
        s.bind(1, name);
        if (!s.step()) return std::nullopt;
        return read_device(s);
    }

    std::optional<Device> find_device(std::int64_t id) override {
        ResetGuard guard{device_by_id_};
        device_by_id_.bind(1, id);
        if (!device_by_id_.step()) return std::nullopt;
        return read_device(device_by_id_);
    }

    std::vector<Device> list_devices() override {
        Statement s(db_.get(), std::string("SELECT ") + std::string(kDeviceColumns) +
                                   std::string(kDeviceFrom) + "ORDER BY d.name");
        std::vector<Device> out;
        while (s.step()) out.push_back(read_device(s));
        return out;
    }

    std::vector<RoutedNetworkRow> routed_networks() override {
        Statement s(db_.get(),
                    "SELECT d.id, d.network, g.name FROM devices d JOIN groups g ON g.id = "
                    "d.group_id WHERE d.network != '' ORDER BY d.id");
        std::vector<RoutedNetworkRow> out;
        while (s.step()) out.push_back({s.int64(0), s.text(1), s.text(2)});
        return out;
    }

    std::size_t device_count() override {
        Statement s(db_.get(), "SELECT COUNT(*) FROM devices");
        s.step();
        return static_cast<std::size_t>(s.int64(0));
    }

    std::vector<std::pair<DeviceState, std::uint64_t>> device_state_counts() override {
        Statement s(db_.get(), "SELECT state, COUNT(*) FROM devices GROUP BY state");
        std::vector<std::pair<DeviceState, std::uint64_t>> out;
        while (s.step())
            if (const auto state = model::parse_device_state(s.text(0)))
                out.emplace_back(*state, static_cast<std::uint64_t>(s.int64(1)));
        return out;
    }

    Outcome update_device(const Device& d) override {
        if (!group_exists(d.group))
            return Outcome::fail(Status::NotFound, "group: unknown group " + d.group);
        Statement s(
            db_.get(),
            "UPDATE devices SET name = ?2, type = ?3, group_id = (SELECT id FROM groups "
            "WHERE name = ?4), serial_number = ?5, device_code = ?6, vpn_ip = ?7, network = ?8, "
            "addressing = ?9, local_network = ?10, monitor = ?11, email = ?12, active = ?13, "
            "state = ?14, state_since = ?15 WHERE id = ?1");
        s.bind(1, d.id).bind(2, d.name).bind(3, to_string(d.type)).bind(4, d.group);
        s.bind(5, d.serial_number)
            .bind(6, d.device_code)
            .bind(7, static_cast<std::int64_t>(d.vpn_ip));
        s.bind(8, d.network).bind(9, to_string(d.addressing)).bind(10, d.local_network);
        s.bind(11, std::int64_t{d.monitor}).bind(12, d.email).bind(13, std::int64_t{d.active});
        s.bind(14, to_string(d.state)).bind(15, d.state_since);
        try {
            s.run();
        } catch (const SqliteError& e) {
            if (!is_constraint(e)) throw;
            return Outcome::fail(Status::Duplicate,
                                 "name: a device with that name or address exists");
        }
        if (sqlite3_changes(db_.get()) == 0)
            return Outcome::fail(Status::NotFound, "device not found");
        return Outcome::success();
    }

    void set_device_state(std::int64_t id, DeviceState state, std::int64_t since) override {
        Statement s(
            db_.get(),
            "UPDATE devices SET state = ?2, state_since = ?3 WHERE id = ?1 AND state <> ?2");
        s.bind(1, id).bind(2, to_string(state)).bind(3, since).run();
    }

    Outcome delete_device(std::string_view name, std::int64_t now) override {
        auto device = find_device(name);
        if (!device)
            return Outcome::fail(Status::NotFound, "device not found: " + std::string(name));
        transaction([&] {
            Statement revoke(db_.get(),
                             "UPDATE certificates SET revoked_at = ?2, key_pem = '' "
                             "WHERE device_id = ?1 AND revoked_at IS NULL");
            revoke.bind(1, device->id).bind(2, now).run();
            Statement del(db_.get(), "DELETE FROM devices WHERE id = ?1");
            del.bind(1, device->id).run();
        });
        return Outcome::success();
    }

    std::optional<std::uint32_t> free_vpn_ip(std::uint32_t first, std::uint32_t last) override {
        // Fast path: one past the highest address in use; otherwise the lowest gap.
        Statement max(db_.get(), "SELECT MAX(vpn_ip) FROM devices WHERE vpn_ip BETWEEN ?1 AND ?2");
        max.bind(1, std::int64_t{first}).bind(2, std::int64_t{last});
        max.step();
        if (max.is_null(0)) return first;
        const auto highest = static_cast<std::uint32_t>(max.int64(0));
        if (highest < last) return highest + 1;
        Statement lowest(db_.get(), "SELECT 1 FROM devices WHERE vpn_ip = ?1");
        lowest.bind(1, std::int64_t{first});
        if (!lowest.step()) return first;
        Statement gap(db_.get(),
                      "SELECT d.vpn_ip + 1 FROM devices d WHERE d.vpn_ip BETWEEN ?1 AND ?2 AND "
                      "NOT EXISTS (SELECT 1 FROM devices e WHERE e.vpn_ip = d.vpn_ip + 1) "
                      "ORDER BY d.vpn_ip LIMIT 1");
        gap.bind(1, std::int64_t{first}).bind(2, std::int64_t{last} - 1);
        if (gap.step()) return static_cast<std::uint32_t>(gap.int64(0));
        return std::nullopt;
    }

    Outcome set_key_password(std::int64_t id, std::string_view password) override {
        return sqlite_devices::set_key_password(db_.get(), id, password);
    }
    std::string key_password(std::int64_t id) override {
        return sqlite_devices::key_password(db_.get(), id);
    }
    Outcome set_device_active(std::int64_t id, bool active, std::int64_t since) override {
        return sqlite_devices::set_active(db_.get(), id, active, since);
    }
    std::vector<CertExpiry> certificate_expiry() override {
        return sqlite_devices::certificate_expiry(db_.get());
    }

    bool group_exists(std::string_view name) override {
        Statement s(db_.get(), "SELECT 1 FROM groups WHERE name = ?1");
        s.bind(1, name);
        return s.step();
    }

    // Groups and rules live in sqlite_store_groups.cpp.
    Outcome add_group(Group& g) override { return sqlite_groups::add_group(db_.get(), g); }
    std::vector<Group> list_groups() override { return sqlite_groups::list_groups(db_.get()); }
    Outcome delete_group(std::string_view name) override {
        return sqlite_groups::delete_group(db_.get(), name);
    }
    Outcome add_rule(Rule& r) override { return sqlite_groups::add_rule(db_.get(), r); }
    std::vector<Rule> list_rules() override { return sqlite_groups::list_rules(db_.get()); }
    std::vector<GroupMember> group_members() override {
        return sqlite_groups::group_members(db_.get());
    }
    std::vector<Rule> rules_of_group(std::string_view group) override {
        return sqlite_groups::rules_of_group(db_.get(), group);
    }
    Outcome delete_rule(std::int64_t id) override {
        return sqlite_groups::delete_rule(db_.get(), id);
    }

    Outcome add_certificate(const Certificate& c) override {
        Statement s(
            db_.get(),
            "INSERT INTO certificates (serial, device_id, common_name, fingerprint, not_before, "
            "not_after, cert_pem, key_pem, revoked_at, created_at, enroll_ca) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULLIF(?11, ''))");
        s.bind(1, c.serial).bind(2, c.device_id).bind(3, c.common_name).bind(4, c.fingerprint);
        s.bind(5, c.not_before).bind(6, c.not_after).bind(7, c.cert_pem).bind(8, c.key_pem);
        s.bind(9, c.revoked_at).bind(10, c.created_at).bind(11, c.enroll_ca);
        try {
            s.run();
        } catch (const SqliteError& e) {
            if (!is_constraint(e)) throw;
            return Outcome::fail(Status::Duplicate, "serial: certificate already exists");
        }
        return Outcome::success();
    }

    std::vector<Certificate> certificates_of(std::int64_t device_id) override {
        Statement s(
            db_.get(),
            std::string("SELECT ") + std::string(kCertColumns) +
                " FROM certificates c WHERE c.device_id = ?1 ORDER BY c.created_at, c.rowid");
        s.bind(1, device_id);
        std::vector<Certificate> out;
        while (s.step()) out.push_back(read_cert(s));
        return out;
    }

    bool common_name_in_use(std::string_view common_name, std::int64_t now) override {
        Statement s(db_.get(),
                    "SELECT 1 FROM certificates WHERE common_name = ?1 AND revoked_at IS NULL "
                    "AND not_after >= ?2 LIMIT 1");
        s.bind(1, common_name).bind(2, now);
        return s.step();
    }

    std::optional<CertBinding> find_by_serial(std::string_view serial) override {
        CertBinding binding;
        {
            ResetGuard guard{by_serial_};
            by_serial_.bind(1, serial);
            if (!by_serial_.step()) return std::nullopt;
            binding.cert = read_cert(by_serial_);
        }
        if (binding.cert.device_id) binding.device = find_device(*binding.cert.device_id);
        if (binding.device) binding.license = licenses_.seat_of(binding.device->id).license;
        if (binding.device)
            if (auto tr = sqlite_tr::settings(db_.get(), binding.device->id))
                binding.time_restriction = TrGate{tr->released_until};
        return binding;
    }

    std::vector<Certificate> certificate_summaries() override {
        Statement s(db_.get(),
                    "SELECT serial, device_id, not_before, not_after, revoked_at, fingerprint, "
                    "IFNULL(enroll_ca, '') FROM certificates");
        std::vector<Certificate> out;
        while (s.step()) {
            Certificate& c = out.emplace_back();
            c.serial = s.text(0);
            c.device_id = s.optional_int64(1);
            c.not_before = s.int64(2);
            c.not_after = s.int64(3);
            c.revoked_at = s.optional_int64(4);
            c.fingerprint = s.text(5);
            c.enroll_ca = s.text(6);
        }
        return out;
    }

    Outcome revoke_certificate(std::string_view serial, std::int64_t now) override {
        Statement s(db_.get(),
                    "UPDATE certificates SET revoked_at = ?2, key_pem = '' "
                    "WHERE serial = ?1 AND revoked_at IS NULL");
        s.bind(1, serial).bind(2, now).run();
        if (sqlite3_changes(db_.get()) == 1) return Outcome::success();
        if (find_by_serial(serial))
            return Outcome::fail(Status::Invalid, "serial: already revoked");
        return Outcome::fail(Status::NotFound, "serial: no such certificate");
    }

    std::vector<RevokedSerial> revoked_serials() override {
        Statement s(db_.get(),
                    "SELECT serial, revoked_at FROM certificates WHERE revoked_at IS NOT NULL "
                    "ORDER BY revoked_at, serial");
        std::vector<RevokedSerial> out;
        while (s.step()) out.push_back({s.text(0), s.int64(1)});
        return out;
    }

    void log_activity(const ActivityEntry& e) override {
        Statement s(db_.get(),
                    "INSERT INTO activity_log (at, actor, action, object, details) "
                    "VALUES (?1, ?2, ?3, ?4, ?5)");
        s.bind(1, e.at)
            .bind(2, e.actor)
            .bind(3, e.action)
            .bind(4, e.object)
            .bind(5, e.details)
            .run();
        if (!activity_.wanted()) return;
        ActivityEntry stored = e;
        stored.id = sqlite3_last_insert_rowid(db_.get());
        activity_.written(std::move(stored), in_transaction_);
    }

    void on_committed_activity(ActivityListener listener) override {
        activity_.set_listener(std::move(listener));
    }

    std::vector<ActivityEntry> activity(std::int64_t since, std::size_t limit) override {
        Statement s(
            db_.get(),
            "SELECT id, at, actor, action, object, details FROM activity_log WHERE at >= ?1 "
            "ORDER BY id DESC LIMIT ?2");
        s.bind(1, since).bind(2, static_cast<std::int64_t>(limit));
        std::vector<ActivityEntry> out;
        while (s.step())
            out.push_back({s.int64(0), s.int64(1), s.text(2), s.text(3), s.text(4), s.text(5)});
        return out;
    }

    void log_connection(const ConnectionEntry& e) override {
        Statement s(db_.get(),
                    "INSERT INTO connection_log (at, event, device_id, device_name, instance, "
                    "real_address, vpn_ip, bytes_received, bytes_sent, duration, reason) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
        s.bind(1, e.at).bind(2, to_string(e.event)).bind(3, e.device_id).bind(4, e.device_name);
        s.bind(5, e.instance).bind(6, e.real_address).bind(7, e.vpn_ip);
        s.bind(8, static_cast<std::int64_t>(e.bytes_received));
        s.bind(9, static_cast<std::int64_t>(e.bytes_sent)).bind(10, e.duration).bind(11, e.reason);
        s.run();
    }

    std::vector<ConnectionEntry> connections(std::optional<std::int64_t> device_id,
                                             std::size_t limit) override {
        Statement s(db_.get(),
                    "SELECT id, at, event, device_id, device_name, instance, real_address, vpn_ip, "
                    "bytes_received, bytes_sent, duration, reason FROM connection_log "
                    "WHERE ?1 IS NULL OR device_id = ?1 ORDER BY id DESC LIMIT ?2");
        s.bind(1, device_id).bind(2, static_cast<std::int64_t>(limit));
        std::vector<ConnectionEntry> out;
        while (s.step()) {
            ConnectionEntry e;
            e.id = s.int64(0);
            e.at = s.int64(1);
            // Unknown text (never written by wardend) reads as a refusal, the least claim.
            e.event = parse_connection_event(s.text(2)).value_or(ConnectionEvent::Refused);
            e.device_id = s.optional_int64(3);
            e.device_name = s.text(4);
            e.instance = s.text(5);
            e.real_address = s.text(6);
            e.vpn_ip = s.text(7);
            e.bytes_received = static_cast<std::uint64_t>(s.int64(8));
            e.bytes_sent = static_cast<std::uint64_t>(s.int64(9));
            e.duration = s.int64(10);
            e.reason = s.text(11);
            out.push_back(std::move(e));
        }
        return out;
    }

    // Two-factor authentication: the SQL is in sqlite_store_two_factor.cpp.
    LoginRequirements login_requirements(std::int64_t id) override {
        return two_factor_.login_requirements(id);
    }
    std::vector<std::pair<std::int64_t, LoginRequirements>> all_login_requirements() override {
        return sqlite_two_factor::all_login_requirements(db_.get());
    }
    std::optional<Totp> find_totp(std::int64_t id) override {
        return sqlite_two_factor::find_totp(db_.get(), id);
    }
    void put_totp(const Totp& t) override { sqlite_two_factor::put_totp(db_.get(), t); }
    bool delete_totp(std::int64_t id) override {
        return sqlite_two_factor::delete_totp(db_.get(), id);
    }
    bool advance_totp_step(std::int64_t id, std::int64_t step) override {
        return sqlite_two_factor::advance_totp_step(db_.get(), id, step);
    }
    LoginState login_state(std::int64_t id) override {
        return sqlite_two_factor::login_state(db_.get(), id);
    }
    void set_password_hash(std::int64_t id, std::string_view hash) override {
        sqlite_two_factor::set_password_hash(db_.get(), id, hash);
    }
    void set_login_failures(std::int64_t id, int failures, std::int64_t until,
                            int lock_level) override {
        sqlite_two_factor::set_login_failures(db_.get(), id, failures, until, lock_level);
    }
    std::optional<bool> group_requires_totp(std::string_view group) override {
        return sqlite_two_factor::group_requires_totp(db_.get(), group);
    }
    Outcome set_group_requires_totp(std::string_view group, bool required) override {
        return sqlite_two_factor::set_group_requires_totp(db_.get(), group, required);
    }
    void add_one_time_code(OneTimeCode& c) override {
        sqlite_two_factor::add_one_time_code(db_.get(), c);
    }
    std::vector<OneTimeCode> one_time_codes(std::optional<std::int64_t> id) override {
        return sqlite_two_factor::one_time_codes(db_.get(), id);
    }
    bool use_one_time_code(std::int64_t id, std::int64_t now) override {
        return sqlite_two_factor::use_one_time_code(db_.get(), id, now);
    }
    Outcome delete_one_time_code(std::int64_t id) override {
        return sqlite_two_factor::delete_one_time_code(db_.get(), id);
    }
    void add_token_session(std::string_view session_id, std::int64_t id, std::int64_t now,
                           std::int64_t expire_before) override {
        sqlite_two_factor::add_token_session(db_.get(), session_id, id, now, expire_before);
    }
    std::optional<std::int64_t> token_session_device(std::string_view session_id) override {
        return sqlite_two_factor::token_session_device(db_.get(), session_id);
    }
    void drop_token_sessions(std::int64_t id) override {
        sqlite_two_factor::drop_token_sessions(db_.get(), id);
    }

    // Time-restricted access: the SQL is in sqlite_store_tr.cpp.
    Outcome add_enroll_ca(const EnrollCa& ca) override {
        return sqlite_enroll::add_ca(db_.get(), ca);
    }
    std::vector<EnrollCa> enroll_cas() override { return sqlite_enroll::cas(db_.get()); }
    Outcome delete_enroll_ca(std::string_view name) override {
        return sqlite_enroll::delete_ca(db_.get(), name);
    }
    bool note_pending(const CertSighting& cert, PendingState state, std::int64_t now,
                      std::size_t max_pending) override {
        return sqlite_enroll::note_pending(db_.get(), cert, state, now, max_pending);
    }
    std::vector<PendingCert> pending_certs() override { return sqlite_enroll::pending(db_.get()); }
    std::optional<PendingCert> find_pending(std::string_view fingerprint) override {
        return sqlite_enroll::find_pending(db_.get(), fingerprint);
    }
    bool delete_pending(std::string_view fingerprint) override {
        return sqlite_enroll::delete_pending(db_.get(), fingerprint);
    }
    Outcome reject_cert(const RejectedCert& rejected) override {
        return sqlite_enroll::reject(db_.get(), rejected);
    }
    std::vector<RejectedCert> rejected_certs() override {
        return sqlite_enroll::rejected(db_.get());
    }
    void note_rejected_attempt(std::string_view fingerprint, std::int64_t now) override {
        sqlite_enroll::note_rejected_attempt(db_.get(), fingerprint, now);
    }
    std::size_t clear_rejected(std::optional<std::string_view> fingerprint) override {
        return sqlite_enroll::clear_rejected(db_.get(), fingerprint);
    }
    std::size_t unbind_enrolled(std::int64_t device_id) override {
        return sqlite_enroll::unbind_enrolled(db_.get(), device_id);
    }

    Outcome put_tr_settings(const TrSettings& t) override {
        return sqlite_tr::put_settings(db_.get(), t);
    }
    bool delete_tr_settings(std::int64_t id) override {
        return sqlite_tr::delete_settings(db_.get(), id);
    }
    std::optional<TrSettings> tr_settings(std::int64_t id) override {
        return sqlite_tr::settings(db_.get(), id);
    }
    std::vector<TrSettings> all_tr_settings() override {
        return sqlite_tr::all_settings(db_.get());
    }
    void set_tr_release(std::int64_t id, std::int64_t until) override {
        sqlite_tr::set_release(db_.get(), id, until);
    }
    void note_tr_release_end(std::int64_t id) override {
        sqlite_tr::note_release_end(db_.get(), id);
    }
    void set_tr_token_sent(std::int64_t id, std::int64_t at) override {
        sqlite_tr::set_token_sent(db_.get(), id, at);
    }
    void add_tr_token(TrToken& t) override { sqlite_tr::add_token(db_.get(), t); }
    std::optional<TrToken> find_tr_token(std::string_view hash) override {
        return sqlite_tr::find_token(db_.get(), hash);
    }
    bool use_tr_token(std::int64_t id, std::int64_t now) override {
        return sqlite_tr::use_token(db_.get(), id, now);
    }
    std::vector<TrToken> tr_tokens(std::int64_t id) override {
        return sqlite_tr::tokens(db_.get(), id);
    }
    // Licenses and usage: see sqlite_store_licenses.cpp, sqlite_store_usage.cpp.
    Outcome add_license(License& l) override { return licenses_.add(l); }
    std::optional<License> find_license(std::string_view n) override { return licenses_.find(n); }
    std::vector<License> list_licenses() override { return licenses_.list(); }
    Outcome set_license_seats(std::string_view n, std::int64_t seats) override {
        return licenses_.set_seats(n, seats);
    }
    Outcome assign_license(std::int64_t id, std::string_view n, std::int64_t now) override {
        return licenses_.assign(id, n, now);
    }
    Outcome unassign_license(std::int64_t id, std::int64_t now) override {
        return licenses_.unassign(id, now);
    }
    DeviceSeat seat_of(std::int64_t id) override { return licenses_.seat_of(id); }
    std::vector<DeviceSeat> device_seats() override { return licenses_.seats(); }
    std::vector<std::int64_t> devices_with_license(std::int64_t id) override {
        return licenses_.devices_with(id);
    }
    void note_license_expiry(std::int64_t id, std::int64_t now) override {
        licenses_.note_expiry(id, now);
    }
    void add_traffic(const Traffic& t) override { usage_.add_traffic(t); }
    std::vector<Traffic> traffic_of(std::int64_t id) override { return usage_.traffic_of(id); }
    std::vector<std::array<Traffic, 3>> traffic_summary(int month, int previous) override {
        return usage_.traffic_summary(month, previous);
    }
    std::vector<ActivityEntry> activity_for(std::string_view object, std::int64_t since,
                                            std::size_t limit) override {
        return usage_.activity_for(object, since, limit);
    }
    Outcome backup(const std::string& path) override { return usage_.backup(path); }

    // Mail queue: the SQL is in sqlite_store_mail.cpp.
    void enqueue_mail(QueuedMail& m) override { sqlite_mail::enqueue(db_.get(), m); }
    std::vector<QueuedMail> due_mail(std::int64_t now, std::size_t limit) override {
        return sqlite_mail::due(db_.get(), now, limit);
    }
    std::optional<std::int64_t> next_mail_attempt() override {
        return sqlite_mail::next_attempt(db_.get());
    }
    void mark_mail_sent(std::int64_t id, std::int64_t now) override {
        sqlite_mail::mark_sent(db_.get(), id, now);
    }
    void mark_mail_retry(std::int64_t id, std::int64_t next, std::string_view error) override {
        sqlite_mail::mark_retry(db_.get(), id, next, error);
    }
    void mark_mail_failed(std::int64_t id, std::string_view error) override {
        sqlite_mail::mark_failed(db_.get(), id, error);
    }
    std::vector<QueuedMail> list_mail(std::optional<MailState> state) override {
        return sqlite_mail::list(db_.get(), state);
    }
    std::size_t retry_failed_mail(std::optional<std::int64_t> id, std::int64_t now) override {
        return sqlite_mail::retry_failed(db_.get(), id, now);
    }

    std::vector<OfflineAlert> offline_alerts() override {
        return sqlite_availability::list(db_.get());
    }
    void put_offline_alert(const OfflineAlert& alert) override {
        sqlite_availability::put(db_.get(), alert);
    }
    bool clear_offline_alert(std::int64_t device_id) override {
        return sqlite_availability::clear(db_.get(), device_id);
    }

    int schema_version() override {
        Statement s(db_.get(), "SELECT MAX(version) FROM schema_version");
        s.step();
        return static_cast<int>(s.int64(0));
    }

    std::string integrity_check() override {
        Statement s(db_.get(), "PRAGMA integrity_check");
        std::string out;
        while (s.step()) out += (out.empty() ? "" : "\n") + s.text(0);
        return out;
    }

  private:
    DbHandle db_;
    Statement by_serial_;
    Statement device_by_id_;
    sqlite_two_factor::HotStatements two_factor_{db_.get()};
    LicenseTables licenses_;
    UsageTables usage_;
    bool in_transaction_ = false;
    CommittedActivity activity_;
};

// Applies the migrations the database lacks, in order, each in its own transaction.
std::string migrate(sqlite3* db) {
    exec(db,
         "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at INTEGER "
         "NOT NULL)");
    Statement current(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
    current.step();
    const int have = static_cast<int>(current.int64(0));
    current.reset();
    const int known = migrations().empty() ? 0 : migrations().back().version;
    if (have > known) {
        return "database schema version " + std::to_string(have) + " is newer than this wardend (" +
               std::to_string(known) + "); refusing to open it";
    }
    // Migrations are numbered per branch and land out of order ("gaps are fine"): apply
    // every one this database has not recorded, not only those above its highest.
    std::set<std::int64_t> applied;
    Statement versions(db, "SELECT version FROM schema_version");
    while (versions.step()) applied.insert(versions.int64(0));
    for (const auto& m : migrations()) {
        if (applied.count(m.version)) continue;
        exec(db, "BEGIN IMMEDIATE");
        try {
            exec(db, m.sql);
            Statement mark(db,
                           "INSERT INTO schema_version (version, applied_at) VALUES (?1, "
                           "CAST(strftime('%s','now') AS INTEGER))");
            mark.bind(1, std::int64_t{m.version}).run();
            exec(db, "COMMIT");
        } catch (...) {
            exec(db, "ROLLBACK");
            throw;
        }
    }
    return {};
}

}  // namespace

OpenResult open_sqlite(const std::string& path) {
    sqlite3* raw = nullptr;
    const int rc =
        sqlite3_open_v2(path.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    DbHandle db(raw);
    if (rc != SQLITE_OK) return {nullptr, "open " + path + ": " + sqlite3_errstr(rc)};
    ::chmod(path.c_str(), 0600);  // holds private keys
    sqlite3_busy_timeout(db.get(), 5000);
    exec(db.get(), "PRAGMA journal_mode = WAL");
    exec(db.get(), "PRAGMA synchronous = FULL");
    exec(db.get(), "PRAGMA foreign_keys = ON");
    // SQLite's default page cache (2 MB): verdicts read the in-memory index
    // (core/verdict_index.hpp), not these pages, so a bigger cache would only hold what
    // the index load scanned once (a 64 MB one did, for the old per-verdict reads).
    if (std::string err = migrate(db.get()); !err.empty()) return {nullptr, err};
    return {std::make_unique<SqliteStore>(std::move(db)), {}};
}

}  // namespace warden::store
