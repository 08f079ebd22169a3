// Outbound-traffic simulator and scoring: writes a week of a realistic Postfix submission log
// with planted compromises, replays it through fbl's detectors (the same code as
// `fblctl backtest`), and scores fbl against fixed-window limits as postfwd and
// policyd-rate-limit apply them, on the same traffic in the same run.
//
//   bench_traffic_sim [--seed N] [--log FILE] [--classic]
//
// Deterministic for a given seed. See BENCHMARKS.md "Outbound-rate detection".
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "alerts/log_replay.h"

namespace {

using fbl::EventTime;

constexpr EventTime kWeekStart = 1794787200;  // Monday 2026-11-16 00:00:00 UTC
constexpr EventTime kHour = 3600;
constexpr EventTime kDay = 86400;
constexpr int kDays = 7;
const std::string kSpooler = "newsletter@spool.provider.example";

enum class Profile { kOffice, kLongDay, kEvening, kAlwaysOn };

struct Account {
  std::string name;
  std::string domain;
  double per_day = 5;      // weekday mean
  double weekend = 0.1;    // weekend volume as a share of a weekday
  Profile profile = Profile::kOffice;
  double new_ratio = 0.2;  // share of messages to never-before-used recipients
  std::vector<std::string> contacts;
  std::vector<std::string> ips;
  std::string planted;     // "" for a legitimate account, else the attack's name
};

struct Message {
  EventTime time = 0;
  std::string account;
  std::string ip;
  std::vector<std::string> recipients;
  std::vector<bool> bounced;
  bool attack = false;
};

struct Attack {
  std::string name;
  std::string account;
  EventTime start = 0;
  std::string description;
};

class Simulator {
 public:
  explicit Simulator(std::uint64_t seed) : rng_(seed) {}

  void Build() {
    MakeDomains();
    MakeAccounts();
    for (const auto& a : accounts_) SimulateLegit(a);
    SimulateSpooler();
    PlantAttacks();
    std::sort(messages_.begin(), messages_.end(),
              [](const Message& a, const Message& b) { return a.time < b.time; });
  }

  const std::vector<Message>& messages() const { return messages_; }
  const std::vector<Attack>& attacks() const { return attacks_; }
  std::size_t accounts() const { return accounts_.size() + 1; }

 private:
  double Uniform() { return std::uniform_real_distribution<double>(0, 1)(rng_); }
  int Poisson(double mean) { return mean <= 0 ? 0 : std::poisson_distribution<int>(mean)(rng_); }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[std::uniform_int_distribution<std::size_t>(0, v.size() - 1)(rng_)];
  }
  std::string RandomIp(const char* prefix) {
    return std::string(prefix) + std::to_string(1 + rng_() % 254) + "." + std::to_string(1 + rng_() % 254);
  }
  std::string NewAddress() {
    static const std::vector<std::string> kBig = {"gmail.example", "yahoo.example", "outlook.example",
                                                  "web.example", "gmx.example", "orange.example"};
    std::string domain = Uniform() < 0.5 ? Pick(kBig) : Pick(world_domains_);
    return "p" + std::to_string(next_person_++) + "@" + domain;
  }

  void MakeDomains() {
    for (int i = 0; i < 95; ++i) customer_domains_.push_back("customer" + std::to_string(i) + ".example");
    for (int i = 0; i < 3000; ++i) world_domains_.push_back("w" + std::to_string(i) + ".example");
  }

  void MakeAccounts() {
    std::lognormal_distribution<double> volume(std::log(6.0), 1.0);
    for (int i = 0; i < 299; ++i) {
      Account a;
      a.domain = customer_domains_[static_cast<std::size_t>(i % 95)];
      a.name = "user" + std::to_string(i) + "@" + a.domain;
      a.per_day = std::min(150.0, volume(rng_));
      double p = Uniform();
      a.profile = p < 0.65 ? Profile::kOffice : p < 0.85 ? Profile::kLongDay : p < 0.97 ? Profile::kEvening
                                                                                  : Profile::kAlwaysOn;
      a.weekend = Uniform() < 0.2 ? 0.5 : 0.08;
      a.new_ratio = 0.05 + 0.45 * Uniform() * Uniform();
      int contacts = 10 + static_cast<int>(Uniform() * 150);
      for (int c = 0; c < contacts; ++c) a.contacts.push_back(NewAddress());
      a.ips.push_back(RandomIp("10.1."));                  // office
      if (Uniform() < 0.6) a.ips.push_back(RandomIp("100.64."));  // home
      accounts_.push_back(std::move(a));
    }
    // The help desk: ~40 messages an hour, all day, mostly to people who wrote in first.
    Account help;
    help.domain = customer_domains_[0];
    help.name = "helpdesk@" + help.domain;
    help.per_day = 40 * 24;
    help.weekend = 0.8;
    help.profile = Profile::kAlwaysOn;
    help.new_ratio = 0.6;
    for (int c = 0; c < 200; ++c) help.contacts.push_back(NewAddress());
    help.ips.push_back(RandomIp("10.2."));
    accounts_.push_back(std::move(help));
  }

  static double HourWeight(Profile p, int h) {
    switch (p) {
      case Profile::kOffice:
        return (h >= 8 && h < 18) ? (h == 12 ? 0.5 : 1.0) : (h == 7 || h == 18 || h == 19) ? 0.2 : 0.01;
      case Profile::kLongDay:
        return (h >= 7 && h < 22) ? 1.0 : (h == 6 || h == 22 || h == 23) ? 0.3 : 0.02;
      case Profile::kEvening:
        return (h >= 18 || h < 1) ? 1.0 : (h >= 9 && h < 17) ? 0.3 : 0.02;
      case Profile::kAlwaysOn:
        return 1.0;
    }
    return 1.0;
  }

  std::vector<std::string> Recipients(Account& a, int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) {
      if (Uniform() < a.new_ratio) {
        out.push_back(NewAddress());
        a.contacts.push_back(out.back());
      } else {
        // Zipf-like: recent/frequent contacts first.
        double u = Uniform();
        auto idx = static_cast<std::size_t>(u * u * u * static_cast<double>(a.contacts.size()));
        out.push_back(a.contacts[std::min(idx, a.contacts.size() - 1)]);
      }
    }
    return out;
  }

  void Emit(Account& a, EventTime t, int nrcpt, double bounce_new, double bounce_known, bool attack,
            const std::string& ip) {
    Message m;
    m.time = t;
    m.account = a.name;
    m.ip = ip;
    m.attack = attack;
    std::size_t known_before = a.contacts.size();
    m.recipients = attack ? std::vector<std::string>{} : Recipients(a, nrcpt);
    for (int i = 0; attack && i < nrcpt; ++i) m.recipients.push_back(NewAddress());
    for (const auto& r : m.recipients) {
      bool is_new = attack || a.contacts.size() > known_before ||
                    std::find(a.contacts.begin(), a.contacts.end(), r) == a.contacts.end();
      m.bounced.push_back(Uniform() < (is_new ? bounce_new : bounce_known));
    }
    messages_.push_back(std::move(m));
  }

  int RecipientCount() {
    double u = Uniform();
    return u < 0.8 ? 1 : u < 0.97 ? 2 + static_cast<int>(Uniform() * 4) : 6 + static_cast<int>(Uniform() * 10);
  }

  void SimulateLegit(Account a) {
    std::lognormal_distribution<double> day_noise(0, 0.35);
    double total_weight = 0;
    for (int h = 0; h < 24; ++h) total_weight += HourWeight(a.profile, h);
    for (int d = 0; d < kDays; ++d) {
      bool weekend = d >= 5;
      double day_volume = a.per_day * (weekend ? a.weekend : 1.0) * day_noise(rng_);
      // Roaming: some days the mobile phone sends from a carrier NAT address.
      std::string mobile = RandomIp("172.20.");
      for (int h = 0; h < 24; ++h) {
        int n = Poisson(day_volume * HourWeight(a.profile, h) / total_weight);
        for (int i = 0; i < n; ++i) {
          EventTime t = kWeekStart + d * kDay + h * kHour + static_cast<EventTime>(Uniform() * 3600);
          std::string ip = Uniform() < 0.1 ? mobile : Pick(a.ips);
          Emit(a, t, RecipientCount(), 0.04, 0.005, false, ip);
        }
      }
      // Occasionally an invitation to 40 people in one message.
      if (!weekend && Uniform() < 0.03) {
        Emit(a, kWeekStart + d * kDay + 10 * kHour + static_cast<EventTime>(Uniform() * 6 * 3600), 40,
             0.05, 0.005, false, Pick(a.ips));
      }
    }
  }

  void SimulateSpooler() {
    Account s;
    s.name = kSpooler;
    s.ips.push_back("10.9.0.5");
    s.new_ratio = 0;
    for (int c = 0; c < 5000; ++c) s.contacts.push_back(NewAddress());
    // Newsletters on Tuesday, Thursday and Saturday: 1,000 messages in about three minutes.
    for (int d : {1, 3, 5}) {
      EventTime start = kWeekStart + d * kDay + 7 * kHour;
      for (int i = 0; i < 1000; ++i) {
        Message m;
        m.time = start + i * 180 / 1000;
        m.account = s.name;
        m.ip = s.ips[0];
        m.recipients.push_back(s.contacts[static_cast<std::size_t>(i)]);
        m.bounced.push_back(Uniform() < 0.02);
        messages_.push_back(std::move(m));
      }
    }
  }

  // Picks a legitimate office account whose weekday volume is near `per_day`.
  Account& Victim(double per_day, const std::string& attack) {
    Account* best = nullptr;
    for (auto& a : accounts_) {
      if (!a.planted.empty() || a.profile != Profile::kOffice || a.name.starts_with("helpdesk")) continue;
      if (!best || std::fabs(std::log(a.per_day / per_day)) < std::fabs(std::log(best->per_day / per_day))) {
        best = &a;
      }
    }
    best->planted = attack;
    return *best;
  }

  void Plant(const std::string& name, Account& a, EventTime start, const std::string& what) {
    attacks_.push_back(Attack{name, a.name, start, what});
  }

  void PlantAttacks() {
    // 1. Burst: 250 messages a minute for four minutes, Thursday 14:05.
    Account& burst = Victim(10, "burst");
    EventTime t0 = kWeekStart + 3 * kDay + 14 * kHour + 300;
    for (int i = 0; i < 1000; ++i) Emit(burst, t0 + i * 60 / 250, 1, 0.1, 0.1, true, burst.ips[0]);
    Plant("burst", burst, t0, "250/min for 4 min");
    // 2. Trickle: 200 an hour from an account that sends ~5 a day, Wednesday 13:00-17:00.
    Account& trickle = Victim(5, "trickle");
    t0 = kWeekStart + 2 * kDay + 13 * kHour;
    for (int i = 0; i < 800; ++i) Emit(trickle, t0 + i * 18, 1, 0.1, 0.1, true, trickle.ips[0]);
    Plant("trickle", trickle, t0, "200/h for 4 h (account ~5/day)");
    // 3. Night spam: 40 an hour, a third bouncing, Friday 01:00-05:00.
    Account& night = Victim(8, "night");
    t0 = kWeekStart + 4 * kDay + 1 * kHour;
    for (int i = 0; i < 160; ++i) {
      Emit(night, t0 + i * 90 + static_cast<EventTime>(Uniform() * 30), 1, 0.33, 0.33, true, night.ips[0]);
    }
    Plant("night", night, t0, "40/h 01:00-05:00, 1/3 bouncing");
    // 4. Botnet: one password, 40 client IPs, 120 messages in an hour, Thursday 20:00.
    Account& bot = Victim(6, "botnet");
    std::vector<std::string> bot_ips;
    for (int i = 0; i < 40; ++i) bot_ips.push_back(RandomIp("203.0."));
    t0 = kWeekStart + 3 * kDay + 20 * kHour;
    for (int i = 0; i < 120; ++i) Emit(bot, t0 + i * 30, 1, 0.1, 0.1, true, Pick(bot_ips));
    Plant("botnet", bot, t0, "40 IPs, 120 msgs in 1 h");
    // 5. Mimic: 25 an hour in office hours from the usual IP, Friday 09:00-17:00.
    Account& mimic = Victim(20, "mimic");
    t0 = kWeekStart + 4 * kDay + 9 * kHour;
    for (int i = 0; i < 200; ++i) {
      Emit(mimic, t0 + i * 144 + static_cast<EventTime>(Uniform() * 60), 1, 0.05, 0.05, true, mimic.ips[0]);
    }
    Plant("mimic", mimic, t0, "25/h 09:00-17:00 from the usual IP");
  }

  std::mt19937_64 rng_;
  std::vector<std::string> customer_domains_;
  std::vector<std::string> world_domains_;
  std::vector<Account> accounts_;
  std::vector<Message> messages_;
  std::vector<Attack> attacks_;
  std::uint64_t next_person_ = 0;
};

// ---- Writing the log ---------------------------------------------------------------------

std::string Stamp(EventTime t, int micros, bool classic) {
  std::string iso = fbl::FormatRfc3339(t);  // 2026-11-16T00:00:00Z
  if (classic) {
    static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int month = std::stoi(iso.substr(5, 2));
    int day = std::stoi(iso.substr(8, 2));
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%s %2d %s", kMonths[month - 1], day, iso.substr(11, 8).c_str());
    return buf;
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%s.%06d+00:00", iso.substr(0, 19).c_str(), micros);
  return buf;
}

struct LogLine {
  EventTime time;
  std::uint64_t seq;
  std::string text;
};

std::vector<LogLine> RenderLog(const std::vector<Message>& messages, bool classic) {
  std::vector<LogLine> lines;
  std::uint64_t seq = 0;
  std::uint64_t qid = 0x1000000;
  auto add = [&](EventTime t, const std::string& body) {
    lines.push_back(LogLine{t, seq++, Stamp(t, static_cast<int>(seq % 1000000), classic) + " mx1 " + body});
  };
  for (const auto& m : messages) {
    char id[16];
    std::snprintf(id, sizeof(id), "%" PRIX64, qid++);
    std::string q = id;
    add(m.time, "postfix/submission/smtpd[4242]: " + q + ": client=client[" + m.ip +
                    "], sasl_method=PLAIN, sasl_username=" + m.account);
    add(m.time, "postfix/cleanup[4243]: " + q + ": message-id=<" + q + "@" +
                    m.account.substr(m.account.find('@') + 1) + ">");
    add(m.time, "postfix/qmgr[4244]: " + q + ": from=<" + m.account + ">, size=4321, nrcpt=" +
                    std::to_string(m.recipients.size()) + " (queue active)");
    for (std::size_t i = 0; i < m.recipients.size(); ++i) {
      bool b = m.bounced[i];
      add(m.time + 2, "postfix/smtp[4245]: " + q + ": to=<" + m.recipients[i] +
                          ">, relay=mx.remote.example[198.51.100.7]:25, delay=2, delays=0/0/1/1, dsn=" +
                          (b ? "5.1.1" : "2.0.0") + ", status=" + (b ? "bounced (550 5.1.1 unknown user)"
                                                                      : "sent (250 2.0.0 Ok)"));
    }
    add(m.time + 2, "postfix/qmgr[4244]: " + q + ": removed");
  }
  std::stable_sort(lines.begin(), lines.end(), [](const LogLine& a, const LogLine& b) {
    return a.time != b.time ? a.time < b.time : a.seq < b.seq;
  });
  return lines;
}

// ---- Scoring ------------------------------------------------------------------------------

struct Catch {
  bool caught = false;
  int messages = 0;        // attack messages accepted up to and including the alerting one
  EventTime seconds = 0;   // from the attack's first message to the alert
  std::string detector;
};

// A fixed limiter: returns the time of the first refusal per account (per-message or
// per-recipient counting), for windows either sliding or fixed from the first hit (postfwd).
struct Limit {
  EventTime window;
  int max;  // refuse when the count would exceed max
};

class Limiter {
 public:
  Limiter(std::vector<Limit> limits, bool per_recipient, bool fixed_windows)
      : limits_(std::move(limits)), per_recipient_(per_recipient), fixed_(fixed_windows) {}

  // Returns true iff this message is refused. Refused units are not counted (as the peers do).
  bool Offer(const Message& m) {
    auto& s = state_[m.account];
    int units = per_recipient_ ? static_cast<int>(m.recipients.size()) : 1;
    bool refused = false;
    for (int u = 0; u < units; ++u) {
      bool ok = true;
      for (std::size_t i = 0; i < limits_.size(); ++i) {
        if (Count(s, i, m.time) >= limits_[i].max) ok = false;
      }
      if (!ok) {
        refused = true;
        continue;
      }
      s.times.push_back(m.time);
      for (std::size_t i = 0; i < limits_.size(); ++i) ++s.fixed_count[i];
    }
    return refused;
  }

 private:
  struct State {
    std::deque<EventTime> times;
    std::map<std::size_t, EventTime> fixed_start;
    std::map<std::size_t, int> fixed_count;
  };
  int Count(State& s, std::size_t i, EventTime now) {
    if (fixed_) {
      auto it = s.fixed_start.find(i);
      if (it == s.fixed_start.end() || now >= it->second + limits_[i].window) {
        s.fixed_start[i] = now;
        s.fixed_count[i] = 0;
      }
      return s.fixed_count[i];
    }
    EventTime longest = 0;
    for (const auto& l : limits_) longest = std::max(longest, l.window);
    while (!s.times.empty() && s.times.front() <= now - longest) s.times.pop_front();
    int c = 0;
    for (auto it = s.times.rbegin(); it != s.times.rend() && *it > now - limits_[i].window; ++it) ++c;
    return c;
  }
  std::vector<Limit> limits_;
  bool per_recipient_;
  bool fixed_;
  std::unordered_map<std::string, State> state_;
};

struct Score {
  std::string name;
  std::map<std::string, Catch> catches;  // by attack name
  std::set<std::string> false_positives;
};

Score ScoreLimiter(const std::string& name, Limiter limiter, const std::vector<Message>& messages,
                   const std::vector<Attack>& attacks) {
  Score score;
  score.name = name;
  std::map<std::string, const Attack*> planted;
  for (const auto& a : attacks) planted[a.account] = &a;
  std::map<std::string, int> attack_sent;
  for (const auto& m : messages) {
    if (m.account == kSpooler) continue;  // every peer config exempts the provider's spooler
    bool refused = limiter.Offer(m);
    auto p = planted.find(m.account);
    if (m.attack) ++attack_sent[m.account];
    if (!refused) continue;
    if (!m.attack) {
      // A legitimate message refused: a false positive unless the account is already being
      // abused (its own mail refused during the attack is the point of catching it).
      if (p == planted.end() || m.time < p->second->start) score.false_positives.insert(m.account);
      continue;
    }
    Catch& c = score.catches[p->second->name];
    if (!c.caught) {
      c = Catch{true, attack_sent[m.account], m.time - p->second->start, "limit"};
    }
  }
  return score;
}

// The lowest limit per window that refuses no legitimate message (non-bulk accounts).
int LowestCleanLimit(const std::vector<Message>& messages, EventTime window) {
  std::unordered_map<std::string, std::deque<EventTime>> recent;
  int worst = 0;
  for (const auto& m : messages) {
    if (m.attack || m.account == kSpooler) continue;
    auto& q = recent[m.account];
    q.push_back(m.time);
    while (q.front() <= m.time - window) q.pop_front();
    worst = std::max(worst, static_cast<int>(q.size()));
  }
  return worst;
}

Score ScoreFbl(const std::vector<LogLine>& lines, const std::vector<Message>& messages,
               const std::vector<Attack>& attacks, fbl::DetectorOptions options, int* alerts_total) {
  Score score;
  score.name = "fbl";
  fbl::LogReplay replay(options, 2026);
  std::vector<fbl::Alert> alerts;
  for (const auto& l : lines) replay.FeedLine(l.text, &alerts);
  *alerts_total = static_cast<int>(alerts.size());
  std::map<std::string, const Attack*> planted;
  for (const auto& a : attacks) planted[a.account] = &a;
  for (const auto& a : alerts) {
    auto p = planted.find(a.account);
    if (p == planted.end() || a.time < p->second->start) {
      if (score.false_positives.insert(a.account).second) {
        std::fprintf(stderr, "false positive: %s\n", fbl::AlertToJson(a).c_str());
      }
      continue;
    }
    Catch& c = score.catches[p->second->name];
    if (c.caught) continue;
    int sent = 0;
    for (const auto& m : messages) sent += (m.attack && m.account == a.account && m.time <= a.time) ? 1 : 0;
    c = Catch{true, sent, a.time - p->second->start, a.detector};
    std::fprintf(stderr, "caught %s: %s\n", p->second->name.c_str(), fbl::AlertToJson(a).c_str());
  }
  return score;
}

void PrintScores(const std::vector<Score>& scores, const std::vector<Attack>& attacks) {
  std::printf("| limiter |");
  for (const auto& a : attacks) std::printf(" %s |", a.name.c_str());
  std::printf(" false-positive accounts |\n|---|");
  for (std::size_t i = 0; i <= attacks.size(); ++i) std::printf("---|");
  std::printf("\n");
  for (const auto& s : scores) {
    std::printf("| %s |", s.name.c_str());
    for (const auto& a : attacks) {
      auto it = s.catches.find(a.name);
      if (it == s.catches.end() || !it->second.caught) {
        std::printf(" missed |");
      } else {
        std::printf(" %d msgs / %llds%s |", it->second.messages, static_cast<long long>(it->second.seconds),
                    it->second.detector == "limit" ? "" : (" (" + it->second.detector + ")").c_str());
      }
    }
    std::printf(" %zu |\n", s.false_positives.size());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t seed = 20261128;
  std::string log_path = "traffic_sim.log";
  bool classic = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--seed") && i + 1 < argc) seed = std::stoull(argv[++i]);
    else if (!std::strcmp(argv[i], "--log") && i + 1 < argc) log_path = argv[++i];
    else if (!std::strcmp(argv[i], "--classic")) classic = true;
    else {
      std::fprintf(stderr, "usage: bench_traffic_sim [--seed N] [--log FILE] [--classic]\n");
      return 64;
    }
  }
  Simulator sim(seed);
  sim.Build();
  std::vector<LogLine> lines = RenderLog(sim.messages(), classic);
  {
    std::ofstream out(log_path, std::ios::binary);
    for (const auto& l : lines) out << l.text << '\n';
  }
  std::printf("seed %llu: %zu accounts, %zu messages, %zu log lines -> %s\n\n",
              static_cast<unsigned long long>(seed), sim.accounts(), sim.messages().size(), lines.size(),
              log_path.c_str());
  for (const auto& a : sim.attacks()) {
    std::printf("planted %-8s %-40s %s from %s\n", a.name.c_str(), a.account.c_str(), a.description.c_str(),
                fbl::FormatRfc3339(a.start).c_str());
  }
  std::printf("\n");

  fbl::DetectorOptions options;  // the defaults, plus the spooler declared as a bulk sender
  options.bulk_senders.push_back(fbl::BulkSenderOptions{kSpooler, {5000, 20000, 50000, 500000}});
  int alerts_total = 0;
  std::vector<Score> scores;
  scores.push_back(ScoreFbl(lines, sim.messages(), sim.attacks(), options, &alerts_total));
  scores.push_back(ScoreLimiter("policyd-rate-limit default (10 rcpt/min, 150 rcpt/day, sliding)",
                                Limiter({{60, 10}, {86400, 150}}, true, false), sim.messages(), sim.attacks()));
  scores.push_back(ScoreLimiter("postfwd documented example (rate sasl_username 100/3600 s, fixed)",
                                Limiter({{3600, 100}}, true, true), sim.messages(), sim.attacks()));
  int per_min = LowestCleanLimit(sim.messages(), 60);
  int per_hour = LowestCleanLimit(sim.messages(), 3600);
  int per_day = LowestCleanLimit(sim.messages(), 86400);
  auto name = [](const char* what, int n) { return std::string(what) + " " + std::to_string(n) + " msgs"; };
  scores.push_back(ScoreLimiter(name("lowest clean limit per minute:", per_min),
                                Limiter({{60, per_min}}, false, false), sim.messages(), sim.attacks()));
  scores.push_back(ScoreLimiter(name("lowest clean limit per hour:", per_hour),
                                Limiter({{3600, per_hour}}, false, false), sim.messages(), sim.attacks()));
  scores.push_back(ScoreLimiter(name("lowest clean limit per day:", per_day),
                                Limiter({{86400, per_day}}, false, false), sim.messages(), sim.attacks()));
  scores.push_back(ScoreLimiter("all three lowest clean limits together",
                                Limiter({{60, per_min}, {3600, per_hour}, {86400, per_day}}, false, false),
                                sim.messages(), sim.attacks()));
  PrintScores(scores, sim.attacks());
  std::printf("\nfbl alerts over the week: %d\n", alerts_total);
  return 0;
}
