#include "fbl/notify/delivery_plan.h"

namespace fbl::notify {

namespace {

using Type = PlannedDelivery::Type;

PlannedDelivery One(Type type, const OutboxItem& row, std::string reason = {}) {
  PlannedDelivery d;
  d.type = type;
  d.rows.push_back(row);
  d.reason = std::move(reason);
  return d;
}

void PlanWindowed(const std::vector<OutboxItem>& rows, const ClientPolicy& policy,
                  std::optional<UnixTime> last, UnixTime now, std::vector<PlannedDelivery>* out) {
  PlannedDelivery d;
  d.rows = rows;
  if (last && now < *last + policy.window_seconds) {
    d.type = Type::kHold;
    d.hold_until = *last + policy.window_seconds;
  } else {
    d.type = rows.size() == 1 ? Type::kSend : Type::kDigest;
  }
  out->push_back(std::move(d));
}

}  // namespace

std::vector<PlannedDelivery> PlanDeliveries(const std::vector<OutboxItem>& due,
                                            const PolicyLookup& policy,
                                            const std::map<std::string, UnixTime>& last_sent,
                                            UnixTime now) {
  std::vector<PlannedDelivery> out;
  std::map<std::string, std::vector<OutboxItem>> windowed;  // client → rows, in due order
  std::map<std::string, ClientPolicy> windowed_policy;
  for (const OutboxItem& row : due) {
    if (!row.client_id) {
      out.push_back(One(Type::kSend, row));
      continue;
    }
    std::optional<ClientPolicy> p = policy(*row.client_id);
    if (!p) {
      out.push_back(One(Type::kDrop, row, "client is not configured"));
    } else if (p->mode == "off") {
      out.push_back(One(Type::kDrop, row, "notifications are off for this client"));
    } else if (p->mode == "webhook" || row.channel == "webhook") {
      out.push_back(One(Type::kWebhook, row));
    } else if (p->window_seconds <= 0 || row.kind != "complaint") {
      out.push_back(One(Type::kSend, row));
    } else {
      windowed[*row.client_id].push_back(row);
      windowed_policy[*row.client_id] = *p;
    }
  }
  for (const auto& [client, rows] : windowed) {
    auto it = last_sent.find(client);
    std::optional<UnixTime> last;
    if (it != last_sent.end()) last = it->second;
    PlanWindowed(rows, windowed_policy[client], last, now, &out);
  }
  return out;
}

}  // namespace fbl::notify
