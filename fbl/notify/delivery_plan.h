// What to do with the outbox rows that are due, pure: per-client policy and digest windows,
// decided from the rows, the configuration, the last mail each client got, and `now`.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/store.h"

namespace fbl::notify {

struct ClientPolicy {
  std::string mode = "immediate";  // immediate | digest | off | webhook
  std::int64_t window_seconds = 0;  // 0: every complaint mailed at once
};

struct PlannedDelivery {
  enum class Type {
    kSend,    // one message for rows[0] (a single notice)
    kDigest,  // one digest message for every row (same client)
    kWebhook, // one POST for rows[0]
    kHold,    // keep the rows pending until hold_until (the client's window is open)
    kDrop,    // mark the rows failed with `reason` (notifications off, nobody to tell)
  };
  Type type = Type::kSend;
  std::vector<OutboxItem> rows;
  UnixTime hold_until = 0;
  std::string reason;
};

// Client id → policy (unknown clients: nullopt).
using PolicyLookup = std::function<std::optional<ClientPolicy>(const std::string& client_id)>;

// `last_sent` holds, for every client with a digest window among `due`, the time its last mail
// was sent (absent: never). Rules, per client with a window W > 0: while now < last + W the
// client's complaints are held until last + W; otherwise they go out together (a digest when
// there are several, a single notice when there is one), which opens the next window. Admin
// rows and rows of clients without a window are sent one by one; webhook clients get one POST
// per row; "off" and unknown clients are dropped with a reason.
std::vector<PlannedDelivery> PlanDeliveries(const std::vector<OutboxItem>& due,
                                            const PolicyLookup& policy,
                                            const std::map<std::string, UnixTime>& last_sent,
                                            UnixTime now);

}  // namespace fbl::notify
