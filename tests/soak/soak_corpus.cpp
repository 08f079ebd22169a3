#include "tests/soak/soak_corpus.h"

#include <random>

#include "fbl/pipeline/decision.h"

namespace fbl::soak {

namespace {

// Store rule (store/sqlite_store_ingest.cpp): a soft bounce suppresses from this many on.
constexpr int kSoftBounceThreshold = 3;

struct ProviderShape {
  const char* name;
  const char* from;       // reporter address
  const char* dkim;       // header.d of our MTA's Authentication-Results
  const char* rcpt_domain;
  const char* user_agent;
};

constexpr ProviderShape kProviders[kProviderCount] = {
    {"yahoo", "feedback@arf.mail.yahoo.com", "yahoo.com", "yahoo.com", "Yahoo!-Mail-Feedback/2.0"},
    {"aol", "scomp@aol.net", "aol.net", "aol.com", "AOL SComp"},
    {"microsoft", "staff@hotmail.com", "hotmail.com", "outlook.com", "Microsoft JMRP"},
    {"mailru", "fbl@corp.mail.ru", "corp.mail.ru", "mail.ru", "Mail.Ru FBL/1.0"},
    {"comcast", "feedbackloop@comcastfbl.example", "comcast.net", "comcast.net",
     "Validity FBL/1.0"},
};

struct ClientShape {
  const char* id;
  const char* domain;
};
constexpr ClientShape kClients[2] = {{"demo", "example.com"}, {"acme", "acme.example"}};

std::string Header(const char* name, const std::string& value) {
  return std::string(name) + ": " + value + "\r\n";
}

std::string Original(int i, const Plan& p) {
  std::string n = std::to_string(i);
  const std::string domain = kClients[p.client].domain;
  return "Return-Path: <bounces@" + domain + ">\r\n"
         "DKIM-Signature: v=1; a=rsa-sha256; d=" + domain + "; s=news; h=from:to:subject; bh=AAAA; b=BBBB\r\n"
         "Message-ID: <orig-" + n + "@" + domain + ">\r\n"
         "Date: Sat, 28 Nov 2026 09:50:00 +0000\r\n"
         "From: News <news@" + domain + ">\r\n"
         "To: " + p.address + "\r\n"
         "Subject: Weekly news " + n + "\r\n"
         "List-Id: News <news." + domain + ">\r\n"
         "MIME-Version: 1.0\r\n"
         "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
         "Hello, here is the news number " + n + ".\r\n";
}

// The provider's ARF report; the shapes differ the way the fixtures under
// tests/fixtures/parsers do (Yahoo with Original-Rcpt-To, AOL with Received-Date, JMRP sparse,
// Mail.ru with text/rfc822-headers, Validity with a Reported-Domain).
std::string Arf(int i, const Plan& p, const char* feedback_type, bool authenticated) {
  const ProviderShape& s = kProviders[p.provider];
  std::string n = std::to_string(i);
  std::string boundary = std::string("soak-") + s.name + "-" + n;
  std::string m = Header("Return-Path", std::string("<") + s.from + ">");
  if (authenticated) {
    m += Header("Authentication-Results",
                std::string(kAuthservId) + "; dkim=pass header.d=" + s.dkim + " header.s=fbl; spf=pass smtp.mailfrom=" + s.from);
  }
  m += Header("Message-ID", Corpus::MessageIdToken(i) + "." + s.name + "@soak.test>");
  m += Header("Date", "Sat, 28 Nov 2026 10:00:00 +0000");
  m += Header("From", std::string("Feedback Loop <") + s.from + ">");
  m += Header("To", "postmaster@hoster.test");
  m += Header("Subject", std::string("Complaint about message ") + n);
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/report; report-type=feedback-report;\r\n    boundary=\"" + boundary + "\"\r\n\r\n";
  m += "--" + boundary + "\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n";
  m += "This is an email abuse report for a message received from 192.0.2.25.\r\n\r\n";
  m += "--" + boundary + "\r\nContent-Type: message/feedback-report\r\n\r\n";
  m += std::string("Feedback-Type: ") + feedback_type + "\r\n";
  m += std::string("User-Agent: ") + s.user_agent + "\r\nVersion: 1\r\n";
  if (p.provider != 2) m += "Original-Rcpt-To: <" + p.address + ">\r\n";
  m += p.provider == 1 ? "Received-Date: Sat, 28 Nov 2026 09:58:00 EST\r\n"
                       : "Arrival-Date: Sat, 28 Nov 2026 09:55:00 +0000\r\n";
  m += "Source-IP: 192.0.2.25\r\n";
  if (p.provider == 4 || p.provider == 0) {
    m += std::string("Reported-Domain: ") + kClients[p.client].domain + "\r\n";
  }
  m += "\r\n--" + boundary + "\r\n";
  m += p.provider == 3 ? "Content-Type: text/rfc822-headers\r\n\r\n"
                       : "Content-Type: message/rfc822\r\nContent-Disposition: inline\r\n\r\n";
  std::string original = Original(i, p);
  if (p.provider == 3) original = original.substr(0, original.find("\r\n\r\n") + 2);
  m += original + "\r\n--" + boundary + "--\r\n";
  return m;
}

std::string Dsn(int i, const Plan& p, bool hard) {
  std::string n = std::to_string(i);
  std::string boundary = "soak-dsn-" + n;
  std::string domain = kClients[p.client].domain;
  std::string m = Header("From", "Mail Delivery System <MAILER-DAEMON@mx.hoster.test>");
  m += Header("To", "bounces@" + domain);
  m += Header("Message-ID", Corpus::MessageIdToken(i) + ".dsn@mx.hoster.test>");
  m += Header("Date", "Sat, 28 Nov 2026 10:00:00 +0000");
  m += Header("Subject", hard ? "Undelivered Mail Returned to Sender" : "Delayed Mail (still being retried)");
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/report; report-type=delivery-status; boundary=\"" + boundary + "\"\r\n\r\n";
  m += "--" + boundary + "\r\nContent-Type: text/plain\r\n\r\n";
  m += hard ? "Your message could not be delivered.\r\n\r\n" : "Your message is delayed.\r\n\r\n";
  m += "--" + boundary + "\r\nContent-Type: message/delivery-status\r\n\r\n";
  m += "Reporting-MTA: dns; mx.hoster.test\r\nArrival-Date: Sat, 28 Nov 2026 10:00:00 +0000\r\n\r\n";
  m += "Final-Recipient: rfc822; " + p.address + "\r\n";
  m += hard ? "Action: failed\r\nStatus: 5.1.1\r\n"
              "Diagnostic-Code: smtp; 550 5.1.1 <" + p.address + ">: User unknown\r\n"
            : "Action: delayed\r\nStatus: 4.2.2\r\nDiagnostic-Code: smtp; 452 4.2.2 Mailbox full\r\n";
  m += "\r\n--" + boundary + "\r\nContent-Type: message/rfc822\r\n\r\n";
  m += Original(i, p) + "\r\n--" + boundary + "--\r\n";
  return m;
}

std::string Personal(int i) {
  std::string n = std::to_string(i);
  return Header("From", "Alice <alice" + n + "@example.org>") + Header("To", "postmaster@hoster.test") +
         Header("Subject", "lunch? " + n) + Header("Message-ID", Corpus::MessageIdToken(i) + ".person@example.org>") +
         Header("Date", "Sat, 28 Nov 2026 10:00:00 +0000") + "\r\nAre you free for lunch tomorrow?\r\n";
}

std::string AutoReply(int i) {
  std::string n = std::to_string(i);
  return Header("From", "Traveller <traveller" + n + "@example.org>") + Header("To", "news@example.com") +
         Header("Subject", "Out of Office: Newsletter " + n) +
         Header("Message-ID", Corpus::MessageIdToken(i) + ".ooo@example.org>") +
         Header("Date", "Sat, 28 Nov 2026 10:00:00 +0000") + "Auto-Submitted: auto-replied\r\n"
         "Precedence: auto_reply\r\n\r\nI am away until Monday.\r\n";
}

// A message over the parser's part limit (600 parts, the limit is 500; the shape of
// tests/parsers/parse_guard_test.cpp TooManyPartsAreRefused): kind malformed.
std::string Malformed(int i) {
  std::string n = std::to_string(i);
  std::string m = Header("From", "fbl@isp.example") + Header("To", "postmaster@hoster.test") +
                  Header("Subject", "report " + n) +
                  Header("Message-ID", Corpus::MessageIdToken(i) + ".bad@isp.example>") +
                  "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n";
  for (int part = 0; part < 600; ++part) m += "--x\r\n\r\npart\r\n";
  return m + "--x--\r\n";
}

// Category shares in percent, in enum order.
constexpr int kShares[kCategoryCount] = {55, 3, 2, 12, 10, 10, 4, 4};

Category Draw(std::mt19937_64& rng) {
  int roll = static_cast<int>(rng() % 100);
  for (int c = 0; c < kCategoryCount; ++c) {
    if (roll < kShares[c]) return static_cast<Category>(c);
    roll -= kShares[c];
  }
  return Category::kPersonal;
}

}  // namespace

const char* CategoryName(Category c) {
  static const char* kNames[kCategoryCount] = {"complaint", "not-spam", "untrusted", "hard-bounce",
                                               "soft-bounce", "personal", "auto-reply", "malformed"};
  return kNames[static_cast<int>(c)];
}

const char* ProviderName(int provider) { return kProviders[provider].name; }

std::string ProvidersToml() {
  std::string t;
  for (const ProviderShape& s : kProviders) {
    std::string from = s.from;
    std::string from_domain = from.substr(from.find('@') + 1);
    std::string domains = "\"" + std::string(s.dkim) + "\"";
    if (from_domain != s.dkim) domains += ", \"" + from_domain + "\"";
    t += std::string("[[provider]]\nname = \"") + s.name + "\"\ndomains = [" + domains +
         "]\ntrust = \"authentication-results\"\n";
  }
  return t;
}

std::string ClientsToml() {
  std::string t;
  for (const ClientShape& c : kClients) {
    t += std::string("[[client]]\nid = \"") + c.id + "\"\nnotify_email = \"ops@" + c.domain +
         "\"\ndomains = [\"" + c.domain + "\"]\ndkim_domains = [\"" + c.domain +
         "\"]\nnotify = \"immediate\"\n";
  }
  return t;
}

Corpus::Corpus(int n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  plans_.resize(static_cast<std::size_t>(n));
  std::vector<std::pair<int, std::string>> complained;  // (client, address) for repeats
  int soft_pool = std::max(1, n / 50);
  for (int i = 0; i < n; ++i) {
    Plan& p = plans_[static_cast<std::size_t>(i)];
    p.category = Draw(rng);
    p.provider = static_cast<int>(rng() % kProviderCount);
    p.client = static_cast<int>(rng() % 2);
    std::string idx = std::to_string(i);
    switch (p.category) {
      case Category::kComplaint:
        if (!complained.empty() && rng() % 10 == 0) {  // the same reader complains again
          auto& again = complained[rng() % complained.size()];
          p.client = again.first;
          p.address = again.second;
          p.provider = 0;  // the address is at yahoo.com (below)
        } else {
          p.address = "reader" + idx + "@" + kProviders[p.provider].rcpt_domain;
          if (p.provider == 0) complained.emplace_back(p.client, p.address);
        }
        break;
      case Category::kNotSpam:
      case Category::kUntrusted:
        p.provider = 0;
        p.address = "reader" + idx + "@yahoo.com";
        break;
      case Category::kHardBounce:
        p.address = "gone" + idx + "@bounce.example";
        break;
      case Category::kSoftBounce: {
        int k = static_cast<int>(rng() % static_cast<std::uint64_t>(soft_pool));
        p.client = k % 2;  // one scope per address, so the threshold is per address
        p.address = "full" + std::to_string(k) + "@bounce.example";
        break;
      }
      default:
        break;
    }
  }
  sha256_.reserve(plans_.size());
  for (int i = 0; i < n; ++i) sha256_.push_back(ComputeSha256(Raw(i)));
}

std::string Corpus::MessageIdToken(int i) { return "<soak-" + std::to_string(i); }

std::string Corpus::Raw(int i) const {
  const Plan& p = plan(i);
  switch (p.category) {
    case Category::kComplaint: return Arf(i, p, "abuse", true);
    case Category::kNotSpam: return Arf(i, p, "not-spam", true);
    case Category::kUntrusted: return Arf(i, p, "abuse", false);
    case Category::kHardBounce: return Dsn(i, p, true);
    case Category::kSoftBounce: return Dsn(i, p, false);
    case Category::kPersonal: return Personal(i);
    case Category::kAutoReply: return AutoReply(i);
    case Category::kMalformed: return Malformed(i);
  }
  return Personal(i);
}

const char* Corpus::Folder(Category c) {
  switch (c) {
    case Category::kPersonal:
    case Category::kAutoReply: return "Ignored";
    case Category::kMalformed: return "Quarantine";
    default: return "Processed";
  }
}

const char* Corpus::Status(Category c) {
  switch (c) {
    case Category::kUntrusted: return "untrusted";
    case Category::kPersonal:
    case Category::kAutoReply: return "ignored";
    case Category::kMalformed: return "quarantined";
    default: return "processed";
  }
}

std::vector<std::string> Corpus::Notifications(int i) const {
  const Plan& p = plan(i);
  if (p.category == Category::kComplaint) {
    return {OutboxMessageId(sha256(i), kClients[p.client].id, "complaint", kMessageIdHost)};
  }
  if (p.category == Category::kUntrusted) {
    return {OutboxMessageId(sha256(i), "", "admin-untrusted", kMessageIdHost)};
  }
  return {};
}

std::map<SuppressionKey, ExpectedSuppression> Corpus::ExpectedSuppressions() const {
  std::map<SuppressionKey, ExpectedSuppression> out;
  std::map<SuppressionKey, int> soft;
  auto suppress = [&](const SuppressionKey& key, const char* reason) {
    ExpectedSuppression& e = out[key];
    if (e.count == 0 || e.reason == "soft-bounce") e.reason = reason;
    ++e.count;
  };
  for (const Plan& p : plans_) {
    SuppressionKey key{kClients[p.client].id, p.address};
    if (p.category == Category::kComplaint) suppress(key, "complaint");
    if (p.category == Category::kHardBounce) suppress(key, "hard-bounce");
    if (p.category == Category::kSoftBounce && ++soft[key] >= kSoftBounceThreshold) {
      suppress(key, "soft-bounce");
    }
  }
  return out;
}

int Corpus::CountOf(Category c) const {
  int n = 0;
  for (const Plan& p : plans_) n += p.category == c;
  return n;
}

}  // namespace fbl::soak
