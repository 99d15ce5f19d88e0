// Store::on_committed_activity for every backend: activity entries written inside a
// transaction are held until it commits and dropped when it rolls back; outside one they
// are committed as written.
#pragma once

#include <utility>
#include <vector>

#include "daemon/store/store.hpp"

namespace warden::store {

class CommittedActivity {
  public:
    void set_listener(Store::ActivityListener listener) { listener_ = std::move(listener); }
    // Whether anyone listens (else nothing is kept).
    bool wanted() const { return static_cast<bool>(listener_); }

    // `entry` (its id set) was written; `in_transaction`: by an open transaction.
    void written(ActivityEntry entry, bool in_transaction) {
        held_.push_back(std::move(entry));
        if (!in_transaction) committed();
    }
    // The transaction committed: its entries go to the listener, in order.
    void committed() {
        std::vector<ActivityEntry> entries;
        entries.swap(held_);
        for (const auto& entry : entries) {
            try {
                if (listener_) listener_(entry);
            } catch (...) {  // committed already: the caller must not see a failure
            }
        }
    }
    void rolled_back() { held_.clear(); }  // never reported

  private:
    Store::ActivityListener listener_;
    std::vector<ActivityEntry> held_;  // the open transaction's, in order
};

}  // namespace warden::store
