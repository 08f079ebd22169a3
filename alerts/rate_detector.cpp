#include "alerts/rate_detector.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <deque>
#include <map>
#include <unordered_set>

#include "alerts/state_codec.h"

namespace fbl {

namespace {

constexpr int kBucketSeconds = 10;
constexpr int kBuckets = 360;  // one hour of 10-second buckets
constexpr int kHours = 24;
constexpr EventTime kHour = 3600;
constexpr std::size_t kMaxIps = 512;
constexpr std::size_t kMaxRecentRecipientMessages = 20000;
constexpr std::size_t kMaxOutcomes = 50000;
constexpr std::size_t kMaxDomainsPerMessage = 64;
constexpr std::uint8_t kStateVersion = 1;

// Windows, in the order they are checked.
enum Window { k1m = 0, k10m = 1, k1h = 2, k1d = 3, kWindows = 4 };
constexpr std::array<const char*, kWindows> kWindowNames = {"1m", "10m", "1h", "1d"};
constexpr std::array<const char*, kWindows> kRateDetectors = {"rate_1m", "rate_10m", "rate_1h",
                                                             "rate_1d"};

std::uint64_t Hash64(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// Slot of index `i` (of any sign) in a ring of `n` slots.
constexpr std::size_t Slot(std::int64_t i, std::int64_t n) { return static_cast<std::size_t>(((i % n) + n) % n); }

int HourOfDay(EventTime t) { return static_cast<int>(((t % 86400) + 86400) % 86400 / 3600); }

// 0 = Monday..Friday, 1 = Saturday, Sunday (UTC).
int DayType(EventTime t) {
  EventTime days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int weekday = static_cast<int>(((days + 4) % 7 + 7) % 7);  // 1970-01-01 was a Thursday
  return (weekday == 0 || weekday == 6) ? 1 : 0;
}

int Limit(const WindowLimits& l, int w) {
  switch (w) {
    case k1m: return l.per_minute;
    case k10m: return l.per_10_minutes;
    case k1h: return l.per_hour;
    default: return l.per_day;
  }
}

std::string Format(const char* fmt, double a, double b = 0, double c = 0) {
  char buf[256];
  std::snprintf(buf, sizeof(buf), fmt, a, b, c);
  return buf;
}

std::string_view DomainOf(std::string_view address) {
  std::size_t at = address.rfind('@');
  return at == std::string_view::npos ? address : address.substr(at + 1);
}

struct RecipientMessage {
  EventTime time = 0;
  bool all_new = false;
  std::vector<std::uint64_t> domains;
};

}  // namespace

const std::vector<std::string>& DetectorNames() {
  static const std::vector<std::string> kNames = {
      "cold_start", "rate_1m",        "rate_10m",    "rate_1h",     "rate_1d",
      "bulk_limit", "client_ips", "off_hours", "new_recipients", "bounce_ratio"};
  return kNames;
}

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Everything learned and counted about one account.
class AccountState {
 public:
  EventTime first_seen = 0;
  EventTime last_time = 0;
  std::int64_t bucket_index = 0;  // newest 10-second bucket (time / 10)
  std::array<std::uint32_t, kBuckets> buckets{};
  std::array<std::uint32_t, kBuckets> off_buckets{};  // messages sent in off-hours
  std::int64_t hour_index = 0;    // newest hour (time / 3600)
  std::array<std::uint32_t, kHours> hours{};
  std::array<std::array<double, kHours>, 2> profile{};  // EWMA messages/hour per bucket
  std::array<double, kWindows> peak{};                  // decayed peak window counts
  double peak_ips = 0;
  double peak_new = 0;  // decayed peak of new-recipient messages per hour
  std::array<std::uint32_t, kWindows> hour_max{};
  std::uint32_t hour_max_ips = 0;
  std::uint32_t hour_max_new = 0;
  bool hour_alerted = false;
  std::vector<std::pair<std::uint64_t, EventTime>> ips;  // ip hash, last seen
  std::deque<std::uint64_t> known_order;
  std::unordered_set<std::uint64_t> known;
  std::deque<RecipientMessage> recent_recipients;
  std::deque<std::pair<EventTime, bool>> outcomes;  // time, bounced
  std::map<std::string, EventTime, std::less<>> last_alert;

  bool Learned(const DetectorOptions& o, EventTime now) const {
    return now - first_seen >= static_cast<EventTime>(o.learning_hours) * kHour;
  }

  // Moves the windows forward to `now` and folds completed hours into what is learned.
  void AdvanceTo(EventTime now, const DetectorOptions& o) {
    std::int64_t b = now / kBucketSeconds;
    if (b > bucket_index) {
      std::int64_t n = std::min<std::int64_t>(b - bucket_index, kBuckets);
      for (std::int64_t i = 1; i <= n; ++i) {
        buckets[Slot(bucket_index + i, kBuckets)] = 0;
        off_buckets[Slot(bucket_index + i, kBuckets)] = 0;
      }
      bucket_index = b;
    }
    std::int64_t h = now / kHour;
    if (h > hour_index) FoldHours(h, o);
    last_time = std::max(last_time, now);
  }

  std::uint32_t Sum(int window_buckets) const {
    std::uint32_t sum = 0;
    for (int k = 0; k < window_buckets; ++k) {
      sum += buckets[Slot(bucket_index - k, kBuckets)];
    }
    return sum;
  }
  std::uint32_t OffHoursLastHour() const {
    std::uint32_t sum = 0;
    for (auto v : off_buckets) sum += v;
    return sum;
  }
  std::uint32_t DayCount() const {
    std::uint32_t sum = 0;
    for (auto v : hours) sum += v;
    return sum;
  }
  std::array<std::uint32_t, kWindows> Counts() const {
    return {Sum(6), Sum(60), Sum(kBuckets), DayCount()};
  }

  void Count(EventTime now, bool off_hours) {
    std::size_t i = Slot(bucket_index, kBuckets);
    ++buckets[i];
    if (off_hours) ++off_buckets[i];
    ++hours[Slot(hour_index, kHours)];
    (void)now;
  }

  // True iff hour-of-day `hod` (or a neighbour) is one this account normally sends in.
  bool UsualHour(int hod, double share) const {
    std::array<double, kHours> combined{};
    double top = 0;
    for (int h = 0; h < kHours; ++h) {
      combined[static_cast<std::size_t>(h)] = std::max(profile[0][static_cast<std::size_t>(h)],
                                                       profile[1][static_cast<std::size_t>(h)]);
      top = std::max(top, combined[static_cast<std::size_t>(h)]);
    }
    if (top <= 0) return false;
    for (int d = -1; d <= 1; ++d) {
      if (combined[static_cast<std::size_t>((hod + d + kHours) % kHours)] >= share * top) return true;
    }
    return false;
  }

  std::size_t DistinctIps(EventTime now, std::string_view ip) {
    std::erase_if(ips, [&](const auto& e) { return e.second <= now - kHour; });
    if (!ip.empty()) {
      std::uint64_t h = Hash64(ip);
      auto it = std::find_if(ips.begin(), ips.end(), [&](const auto& e) { return e.first == h; });
      if (it != ips.end()) {
        it->second = now;
      } else {
        if (ips.size() >= kMaxIps) ips.erase(ips.begin());
        ips.emplace_back(h, now);
      }
    }
    return ips.size();
  }

  // Returns true iff every recipient is new to this account; remembers them all.
  bool LearnRecipients(const std::vector<std::string>& recipients, std::size_t cap) {
    bool all_new = true;
    for (const auto& r : recipients) {
      std::uint64_t h = Hash64(AsciiLower(r));
      if (known.count(h)) {
        all_new = false;
        continue;
      }
      known.insert(h);
      known_order.push_back(h);
      while (known_order.size() > cap) {
        known.erase(known_order.front());
        known_order.pop_front();
      }
    }
    return all_new;
  }

  void Serialize(StateWriter& w) const;
  bool Deserialize(StateReader& r);

 private:
  void FoldHours(std::int64_t h, const DetectorOptions& o) {
    double decay = std::pow(0.5, 1.0 / (o.peak_half_life_days * 24.0));
    std::int64_t gap = h - hour_index;
    if (!hour_alerted) {
      for (int w = 0; w < kWindows; ++w) {
        peak[static_cast<std::size_t>(w)] =
            std::max(peak[static_cast<std::size_t>(w)], double(hour_max[static_cast<std::size_t>(w)]));
      }
      peak_ips = std::max(peak_ips, double(hour_max_ips));
      peak_new = std::max(peak_new, double(hour_max_new));
    }
    double factor = std::pow(decay, static_cast<double>(gap));
    for (auto& p : peak) p *= factor;
    peak_ips *= factor;
    peak_new *= factor;
    std::int64_t steps = std::min<std::int64_t>(gap, 24 * 7);
    for (std::int64_t k = 0; k < steps; ++k) {
      EventTime t = (hour_index + k) * kHour;
      if (k == 0 && hour_alerted) continue;  // an attack hour is not learned as normal
      double count = k == 0 ? hours[Slot(hour_index, kHours)] : 0.0;
      double& p = profile[static_cast<std::size_t>(DayType(t))][static_cast<std::size_t>(HourOfDay(t))];
      p += o.profile_alpha * (count - p);
    }
    std::int64_t zero = std::min<std::int64_t>(gap, kHours);
    for (std::int64_t k = 1; k <= zero; ++k) hours[Slot(hour_index + k, kHours)] = 0;
    hour_index = h;
    hour_max = {};
    hour_max_ips = 0;
    hour_max_new = 0;
    hour_alerted = false;
  }
};

void AccountState::Serialize(StateWriter& w) const {
  w.U8(kStateVersion);
  w.I64(first_seen);
  w.I64(last_time);
  w.I64(bucket_index);
  for (auto v : buckets) w.U32(v);
  for (auto v : off_buckets) w.U32(v);
  w.I64(hour_index);
  for (auto v : hours) w.U32(v);
  for (const auto& day : profile) for (double v : day) w.F64(v);
  for (double v : peak) w.F64(v);
  w.F64(peak_ips);
  w.F64(peak_new);
  for (auto v : hour_max) w.U32(v);
  w.U32(hour_max_ips);
  w.U32(hour_max_new);
  w.U8(hour_alerted ? 1 : 0);
  w.U32(static_cast<std::uint32_t>(ips.size()));
  for (const auto& [h, t] : ips) {
    w.U64(h);
    w.I64(t);
  }
  w.U32(static_cast<std::uint32_t>(known_order.size()));
  for (auto h : known_order) w.U64(h);
  w.U32(static_cast<std::uint32_t>(recent_recipients.size()));
  for (const auto& m : recent_recipients) {
    w.I64(m.time);
    w.U8(m.all_new ? 1 : 0);
    w.U32(static_cast<std::uint32_t>(m.domains.size()));
    for (auto d : m.domains) w.U64(d);
  }
  w.U32(static_cast<std::uint32_t>(outcomes.size()));
  for (const auto& [t, b] : outcomes) {
    w.I64(t);
    w.U8(b ? 1 : 0);
  }
  w.U32(static_cast<std::uint32_t>(last_alert.size()));
  for (const auto& [name, t] : last_alert) {
    w.Str(name);
    w.I64(t);
  }
}

bool AccountState::Deserialize(StateReader& r) {
  if (r.U8() != kStateVersion) return false;
  first_seen = r.I64();
  last_time = r.I64();
  bucket_index = r.I64();
  for (auto& v : buckets) v = r.U32();
  for (auto& v : off_buckets) v = r.U32();
  hour_index = r.I64();
  for (auto& v : hours) v = r.U32();
  for (auto& day : profile) for (double& v : day) v = r.F64();
  for (double& v : peak) v = r.F64();
  peak_ips = r.F64();
  peak_new = r.F64();
  for (auto& v : hour_max) v = r.U32();
  hour_max_ips = r.U32();
  hour_max_new = r.U32();
  hour_alerted = r.U8() != 0;
  std::uint32_t n = r.Count(kMaxIps);
  for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
    std::uint64_t h = r.U64();
    ips.emplace_back(h, r.I64());
  }
  n = r.Count(1000000);
  for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
    std::uint64_t h = r.U64();
    if (known.insert(h).second) known_order.push_back(h);
  }
  n = r.Count(kMaxRecentRecipientMessages);
  for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
    RecipientMessage m;
    m.time = r.I64();
    m.all_new = r.U8() != 0;
    std::uint32_t d = r.Count(kMaxDomainsPerMessage);
    for (std::uint32_t j = 0; j < d && r.ok(); ++j) m.domains.push_back(r.U64());
    recent_recipients.push_back(std::move(m));
  }
  n = r.Count(kMaxOutcomes);
  for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
    EventTime t = r.I64();
    outcomes.emplace_back(t, r.U8() != 0);
  }
  n = r.Count(64);
  for (std::uint32_t i = 0; i < n && r.ok(); ++i) {
    std::string name = r.Str(64);
    last_alert[name] = r.I64();
  }
  return r.ok() && r.AtEnd();
}

namespace {

// Collects alerts for one event, applying the re-alert quiet period.
class AlertCollector {
 public:
  AlertCollector(const DetectorOptions& o, AccountState& s, std::string_view account, EventTime now)
      : o_(o), s_(s), account_(account), now_(now) {}

  void Fire(const std::string& detector, const char* window, std::int64_t count, double baseline,
            double threshold, std::string reason) {
    s_.hour_alerted = true;
    auto it = s_.last_alert.find(detector);
    if (it != s_.last_alert.end() && now_ - it->second < o_.realert_seconds) return;
    s_.last_alert[detector] = now_;
    Alert a;
    a.time = now_;
    a.account = std::string(account_);
    a.detector = detector;
    a.action = o_.action;
    a.window = window;
    a.window_count = count;
    a.baseline = baseline;
    a.threshold = threshold;
    a.reason = std::move(reason);
    alerts_.push_back(std::move(a));
  }
  std::vector<Alert> Take() { return std::move(alerts_); }

 private:
  const DetectorOptions& o_;
  AccountState& s_;
  std::string_view account_;
  EventTime now_;
  std::vector<Alert> alerts_;
};

void CheckRates(const DetectorOptions& o, const BulkSenderOptions* bulk, AccountState& s,
                EventTime now, AlertCollector& out) {
  auto counts = s.Counts();
  bool learned = s.Learned(o, now);
  for (int w = 0; w < kWindows; ++w) {
    auto wi = static_cast<std::size_t>(w);
    double count = counts[wi];
    if (bulk || !learned) {
      int cap = Limit(bulk ? bulk->limits : o.cold_caps, w);
      if (cap > 0 && count > cap) {
        std::string reason = std::to_string(counts[wi]) + " messages in " + kWindowNames[wi] +
                             (bulk ? " exceed the bulk sender limit of "
                                   : " exceed the cold-start cap of ") +
                             std::to_string(cap) + (bulk ? "" : " (account still learning)");
        out.Fire(bulk ? "bulk_limit" : "cold_start", kWindowNames[wi], counts[wi], 0, cap, reason);
      }
      continue;
    }
    double floor = Limit(o.floors, w);
    double allowed = std::max(floor, o.multiplier * s.peak[wi]);
    if (floor > 0 && count > allowed) {
      std::string reason = std::to_string(counts[wi]) + " messages in " + kWindowNames[wi] +
                           Format(" exceed %.1f (learned peak %.1f x %.1f, floor ", allowed,
                                  s.peak[wi], o.multiplier) +
                           std::to_string(static_cast<int>(floor)) + ")";
      out.Fire(kRateDetectors[wi], kWindowNames[wi], counts[wi], s.peak[wi], allowed, reason);
    }
  }
  for (int w = 0; w < kWindows; ++w) {
    auto wi = static_cast<std::size_t>(w);
    s.hour_max[wi] = std::max(s.hour_max[wi], counts[wi]);
  }
}

void CheckIps(const DetectorOptions& o, AccountState& s, EventTime now, std::string_view ip,
              AlertCollector& out) {
  auto distinct = static_cast<std::uint32_t>(s.DistinctIps(now, ip));
  double allowed = s.Learned(o, now) ? std::max<double>(o.ips_floor, o.ips_multiplier * s.peak_ips)
                                     : o.ips_floor;
  if (distinct > allowed) {
    out.Fire("client_ips", "1h", distinct, s.peak_ips, allowed,
             std::to_string(distinct) + " distinct client IPs in 1h" +
                 Format(" exceed %.1f (learned peak %.1f)", allowed, s.peak_ips));
  }
  s.hour_max_ips = std::max(s.hour_max_ips, distinct);
}

void CheckOffHours(const DetectorOptions& o, AccountState& s, EventTime now, AlertCollector& out) {
  std::uint32_t off = s.OffHoursLastHour();
  if (off > static_cast<std::uint32_t>(o.off_hours_max)) {
    out.Fire("off_hours", "1h", off, 0, o.off_hours_max,
             std::to_string(off) + " messages in 1h at " + std::to_string(HourOfDay(now)) +
                 ":00 UTC, outside the account's usual hours (limit " +
                 std::to_string(o.off_hours_max) + ")");
  }
}

void CheckNewRecipients(const DetectorOptions& o, AccountState& s, EventTime now,
                        const std::vector<std::string>& recipients, AlertCollector& out) {
  bool all_new = s.LearnRecipients(recipients, static_cast<std::size_t>(o.known_recipients_max));
  if (!s.Learned(o, now)) return;
  RecipientMessage m;
  m.time = now;
  m.all_new = all_new;
  for (const auto& r : recipients) {
    if (m.domains.size() >= kMaxDomainsPerMessage) break;
    m.domains.push_back(Hash64(AsciiLower(DomainOf(r))));
  }
  s.recent_recipients.push_back(std::move(m));
  while (!s.recent_recipients.empty() &&
         (s.recent_recipients.front().time <= now - kHour ||
          s.recent_recipients.size() > kMaxRecentRecipientMessages)) {
    s.recent_recipients.pop_front();
  }
  std::size_t fresh = 0;
  std::unordered_set<std::uint64_t> domains;
  for (const auto& rm : s.recent_recipients) {
    if (!rm.all_new) continue;
    ++fresh;
    domains.insert(rm.domains.begin(), rm.domains.end());
  }
  double ratio = static_cast<double>(fresh) / static_cast<double>(s.recent_recipients.size());
  double allowed = std::max<double>(o.new_recipient_messages, o.multiplier * s.peak_new);
  if (static_cast<double>(fresh) >= allowed && ratio >= o.new_recipient_ratio &&
      domains.size() >= static_cast<std::size_t>(o.new_recipient_domains)) {
    out.Fire("new_recipients", "1h", static_cast<std::int64_t>(fresh), s.peak_new, allowed,
             std::to_string(fresh) + " messages in 1h to never-seen recipients (" +
                 Format("%.0f%% of %.0f", ratio * 100,
                        static_cast<double>(s.recent_recipients.size())) +
                 ") across " + std::to_string(domains.size()) +
                 Format(" domains; limit %.1f (learned peak %.1f)", allowed, s.peak_new));
  }
  s.hour_max_new = std::max(s.hour_max_new, static_cast<std::uint32_t>(fresh));
}

}  // namespace

RateDetectors::RateDetectors(DetectorOptions options) : options_(std::move(options)) {
  for (auto& b : options_.bulk_senders) b.account = AsciiLower(b.account);
}

RateDetectors::~RateDetectors() = default;

const BulkSenderOptions* RateDetectors::BulkSender(std::string_view account) const {
  for (const auto& b : options_.bulk_senders) {
    if (b.account == account) return &b;
  }
  return nullptr;
}

AccountState& RateDetectors::State(std::string_view account, EventTime now) {
  auto it = accounts_.find(std::string(account));
  if (it == accounts_.end()) {
    auto s = std::make_unique<AccountState>();
    s->first_seen = now;
    s->last_time = now;
    s->bucket_index = now / kBucketSeconds;
    s->hour_index = now / kHour;
    it = accounts_.emplace(std::string(account), std::move(s)).first;
  }
  dirty_.insert(it->first);
  return *it->second;
}

std::vector<Alert> RateDetectors::OnMessage(const OutboundMessage& message) {
  std::string account = AsciiLower(message.account);
  AccountState& s = State(account, message.time);
  EventTime now = std::max(message.time, s.last_time);
  s.AdvanceTo(now, options_);
  const BulkSenderOptions* bulk = BulkSender(account);
  bool learned = s.Learned(options_, now);
  bool off = !bulk && learned && !s.UsualHour(HourOfDay(now), options_.off_hours_share);
  s.Count(now, off);
  AlertCollector out(options_, s, account, now);
  CheckRates(options_, bulk, s, now, out);
  if (!bulk) {
    CheckIps(options_, s, now, message.client_ip, out);
    if (off) CheckOffHours(options_, s, now, out);
    if (!message.recipients.empty()) CheckNewRecipients(options_, s, now, message.recipients, out);
  }
  return out.Take();
}

std::vector<Alert> RateDetectors::OnRecipients(EventTime time, std::string_view account_name,
                                               const std::vector<std::string>& recipients) {
  std::string account = AsciiLower(account_name);
  if (recipients.empty() || BulkSender(account)) return {};
  AccountState& s = State(account, time);
  EventTime now = std::max(time, s.last_time);
  s.AdvanceTo(now, options_);
  AlertCollector out(options_, s, account, now);
  CheckNewRecipients(options_, s, now, recipients, out);
  return out.Take();
}

std::vector<Alert> RateDetectors::OnDeliveryOutcome(EventTime time, std::string_view account_name,
                                                    bool bounced) {
  std::string account = AsciiLower(account_name);
  if (BulkSender(account)) return {};
  AccountState& s = State(account, time);
  EventTime now = std::max(time, s.last_time);
  s.AdvanceTo(now, options_);
  s.outcomes.emplace_back(now, bounced);
  while (!s.outcomes.empty() &&
         (s.outcomes.front().first <= now - kHour || s.outcomes.size() > kMaxOutcomes)) {
    s.outcomes.pop_front();
  }
  std::size_t nbounced = 0;
  for (const auto& o : s.outcomes) nbounced += o.second ? 1 : 0;
  double ratio = static_cast<double>(nbounced) / static_cast<double>(s.outcomes.size());
  AlertCollector out(options_, s, account, now);
  if (nbounced >= static_cast<std::size_t>(options_.bounce_min) && ratio >= options_.bounce_ratio) {
    out.Fire("bounce_ratio", "1h", static_cast<std::int64_t>(nbounced), 0, options_.bounce_ratio,
             std::to_string(nbounced) + " of " + std::to_string(s.outcomes.size()) +
                 Format(" recipients bounced in 1h (%.0f%%, limit %.0f%%)", ratio * 100,
                        options_.bounce_ratio * 100));
  }
  return out.Take();
}

std::string RateDetectors::SerializeAccount(std::string_view account) const {
  auto it = accounts_.find(AsciiLower(account));
  if (it == accounts_.end()) return "";
  StateWriter w;
  it->second->Serialize(w);
  return w.Take();
}

Status RateDetectors::RestoreAccount(std::string_view account, std::string_view blob) {
  auto s = std::make_unique<AccountState>();
  StateReader r(blob);
  if (!s->Deserialize(r)) return MakeError(ErrorCode::kMalformed, "detector state blob unreadable");
  accounts_[AsciiLower(account)] = std::move(s);
  return OkStatus();
}

std::vector<std::string> RateDetectors::Accounts() const {
  std::vector<std::string> out;
  out.reserve(accounts_.size());
  for (const auto& [name, s] : accounts_) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> RateDetectors::TakeDirtyAccounts() {
  std::vector<std::string> out(dirty_.begin(), dirty_.end());
  dirty_.clear();
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace fbl
