// The soak's mail: N unique messages in the shapes of the postmaster mailbox (ARF complaints
// of five providers, not-spam reports, forged reports, hard and soft DSN bounces, personal mail,
// auto-replies, malformed reports), generated in memory from (seed, index), and the outcome
// each one must have once fbld processed it exactly once: its folder, its report status, the
// suppressions it causes and the notifications it queues. The expectations come from this
// model, never from fbld's own output. Pure: no files, no clock.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "store/store.h"

namespace fbl::soak {

enum class Category {
  kComplaint,   // trusted ARF abuse report about a client's mail: suppression + client mail
  kNotSpam,     // trusted ARF not-spam: stored, nothing else
  kUntrusted,   // provider From without authentication: admin notice only
  kHardBounce,  // DSN 5.1.1: hard-bounce suppression
  kSoftBounce,  // DSN 4.2.2: suppression from the third soft bounce of an address on
  kPersonal,    // a person writing to postmaster: Ignored
  kAutoReply,   // out-of-office: Ignored
  kMalformed,   // a multipart/report without a boundary: Quarantine
};
inline constexpr int kCategoryCount = 8;
const char* CategoryName(Category c);

// The provider shapes (configured in the soak's fbld config by ProvidersToml()).
inline constexpr int kProviderCount = 5;
const char* ProviderName(int provider);
// [[provider]] and [[client]] tables for fbld.toml; `notify_domain` is the domain of every
// client's notify_email.
std::string ProvidersToml();
std::string ClientsToml();

// The host part of outbox Message-IDs: the domain of [notify].from in the soak config.
inline constexpr const char* kNotifyFrom = "fbl@hoster.test";
inline constexpr const char* kMessageIdHost = "hoster.test";
inline constexpr const char* kAuthservId = "mx.fbl.test";

struct Plan {
  Category category = Category::kPersonal;
  int provider = 0;     // ARF categories
  int client = 0;       // 0 = "demo" (example.com), 1 = "acme" (acme.example)
  std::string address;  // the complained-about or bounced recipient (lowercase)
};

struct SuppressionKey {
  std::string scope;
  std::string address;
  bool operator<(const SuppressionKey& o) const {
    return std::tie(scope, address) < std::tie(o.scope, o.address);
  }
};

struct ExpectedSuppression {
  std::string reason;
  int count = 0;
};

class Corpus {
 public:
  // Draws the plan of every message from `seed`; repeated complaints and soft bounces about
  // the same address are part of the mix, so counts above 1 are checked too.
  Corpus(int n, std::uint64_t seed);

  int size() const { return static_cast<int>(plans_.size()); }
  const Plan& plan(int i) const { return plans_[static_cast<std::size_t>(i)]; }
  // The exact bytes of message i (CRLF); the same for the same (seed, i).
  std::string Raw(int i) const;
  const Sha256& sha256(int i) const { return sha256_[static_cast<std::size_t>(i)]; }
  // "Message-ID: <soak-I@...>" of message i: how a message is recognised in a folder.
  static std::string MessageIdToken(int i);

  // The IMAP folder ("Processed", "Ignored", "Quarantine") and reports.status of message i.
  static const char* Folder(Category c);
  static const char* Status(Category c);
  // Outbox Message-IDs ("<fbl-...@hoster.test>") message i must queue: 0 or 1.
  std::vector<std::string> Notifications(int i) const;
  // Every suppression the whole corpus must leave, with its reason and count.
  std::map<SuppressionKey, ExpectedSuppression> ExpectedSuppressions() const;
  int CountOf(Category c) const;

 private:
  std::vector<Plan> plans_;
  std::vector<Sha256> sha256_;
};

}  // namespace fbl::soak
