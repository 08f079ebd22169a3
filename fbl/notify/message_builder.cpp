#include "fbl/notify/message_builder.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "fbl/notify/mime_text.h"

namespace fbl::notify {

namespace {

using Rows = std::vector<std::pair<std::string, std::string>>;

// The content of a notification, rendered twice (text and HTML).
struct Content {
  std::string greeting;
  std::vector<std::string> intro;     // paragraphs
  std::vector<Rows> blocks;           // label/value tables, one per complaint
  std::vector<std::string> outro;     // paragraphs after the tables
  std::vector<std::string> advice;    // bullet points
};

const char* const kAdvice[] = {
    "Remove complaining addresses at once and never add them back (fbl has done this for the "
    "address above).",
    "Mail only people who asked for it; confirm new sign-ups (double opt-in) and never use "
    "bought or scraped lists.",
    "Put a visible unsubscribe link and a one-click List-Unsubscribe header (RFC 8058) in "
    "every message.",
    "Make the sender recognisable: a familiar From name and an honest subject.",
    "Stop mailing addresses that have not opened or clicked in months, and send less often "
    "when complaints rise.",
};

std::string Clean(const std::string& s) { return CleanLine(s, kMaxBodyValueBytes); }

std::string JsonString(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> JsonStrings(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::string ProviderName(const Notice& n) {
  return n.provider.empty() ? "a mailbox provider" : Clean(n.provider);
}

std::string ListText(const std::vector<std::string>& items) {
  std::string out;
  std::size_t shown = std::min(items.size(), kMaxListEntries);
  for (std::size_t i = 0; i < shown; ++i) {
    out += (i ? ", " : "") + CleanLine(items[i], 256);
  }
  if (items.size() > shown) out += " and " + std::to_string(items.size() - shown) + " more";
  return out;
}

Rows ComplaintRows(const Notice& n) {
  Rows rows;
  auto add = [&](const char* label, const std::string& value) {
    std::string v = Clean(value);
    if (!v.empty()) rows.emplace_back(label, v);
  };
  add("Reported by", ProviderName(n) + (n.reporter.empty() ? "" : " (" + n.reporter + ")"));
  add("Complaint type", n.feedback_type);
  add("Received", n.arrival_date);
  rows.emplace_back("Recipient", n.recipients.empty()
                                     ? std::string(n.redacted ? "redacted by the provider"
                                                              : "not given in the report")
                                     : ListText(n.recipients));
  add("Subject", n.original.subject);
  add("Sent", n.original.date);
  add("From", n.original.from);
  add("List", n.original.list_id);
  if (!n.original.message_id.empty()) add("Message-ID", "<" + n.original.message_id + ">");
  if (!n.status.empty()) add("Status", n.status);
  if (!n.reason.empty()) add("Reason", n.reason);
  return rows;
}

std::string SuppressionSentence(const Notice& n) {
  if (!n.suppressed.empty()) {
    return "Already done: " + ListText(n.suppressed) +
           " has been added to your suppression list, so it will not be mailed again.";
  }
  return "No address could be suppressed: the provider did not disclose which recipient "
         "complained. Check the message above and consider who received it.";
}

Content ComplaintContent(const Notice& n, const Envelope& env) {
  Content c;
  c.greeting = env.to_name.empty() ? "Hello," : "Hello " + CleanLine(env.to_name, 200) + ",";
  c.intro.push_back(ProviderName(n) + " forwarded a spam complaint: one of its users marked a "
                                      "message you sent as unwanted.");
  c.blocks.push_back(ComplaintRows(n));
  c.outro.push_back(SuppressionSentence(n));
  c.advice.assign(std::begin(kAdvice), std::end(kAdvice));
  return c;
}

Content AdminContent(const Notice& n) {
  Content c;
  c.greeting = "Hello postmaster,";
  std::string status = n.status.empty() ? n.kind : Clean(n.status);
  c.intro.push_back("A report was stored as \"" + status +
                    "\" and not acted on: no address was suppressed and no customer was told.");
  if (!n.reason.empty()) c.intro.push_back("Reason: " + Clean(n.reason));
  c.blocks.push_back(ComplaintRows(n));
  c.outro.push_back("Review it with fblctl or the API; if it is genuine, fix the provider's "
                    "trust settings or the client's attribution in the configuration.");
  return c;
}

std::string RenderText(const Content& c) {
  std::string out = c.greeting + "\n\n";
  for (const auto& p : c.intro) out += p + "\n\n";
  for (const Rows& rows : c.blocks) {
    for (const auto& [label, value] : rows) {
      std::string pad(std::max<std::size_t>(1, 16 - label.size()), ' ');
      out += "  " + label + ":" + pad + value + "\n";
    }
    out += "\n";
  }
  for (const auto& p : c.outro) out += p + "\n\n";
  if (!c.advice.empty()) {
    out += "How to keep complaint rates down:\n";
    for (const auto& a : c.advice) out += "  - " + a + "\n";
    out += "\n";
  }
  out += "-- \nThis message was generated automatically by fbl; replies are not read.\n";
  return out;
}

std::string RenderHtml(const Content& c, const std::string& title) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
      HtmlEscape(title) + "</title>\n</head>\n<body>\n<p>" + HtmlEscape(c.greeting) + "</p>\n";
  for (const auto& p : c.intro) out += "<p>" + HtmlEscape(p) + "</p>\n";
  for (const Rows& rows : c.blocks) {
    out += "<table>\n";
    for (const auto& [label, value] : rows) {
      out += "<tr><th align=\"left\">" + HtmlEscape(label) + "</th><td>" + HtmlEscape(value) +
             "</td></tr>\n";
    }
    out += "</table>\n";
  }
  for (const auto& p : c.outro) out += "<p>" + HtmlEscape(p) + "</p>\n";
  if (!c.advice.empty()) {
    out += "<p>How to keep complaint rates down:</p>\n<ul>\n";
    for (const auto& a : c.advice) out += "<li>" + HtmlEscape(a) + "</li>\n";
    out += "</ul>\n";
  }
  out += "<p><small>This message was generated automatically by fbl; replies are not "
         "read.</small></p>\n</body>\n</html>\n";
  return out;
}

std::string HexSha256(std::string_view data, std::size_t hex_chars) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out.substr(0, hex_chars);
}

std::string DomainOf(std::string_view address) {
  std::size_t at = address.rfind('@');
  return at == std::string_view::npos ? std::string("localhost") : std::string(address.substr(at + 1));
}

Result<std::string> Assemble(const Envelope& env, const std::string& subject, const Content& c) {
  if (!IsSafeAddress(env.from)) return MakeError(ErrorCode::kInvalidArgument, "bad From address");
  if (!IsSafeAddress(env.to)) return MakeError(ErrorCode::kInvalidArgument, "bad To address");
  std::string message_id = NormalizeMessageId(env.message_id, DomainOf(env.from));
  // "=_" never occurs in quoted-printable output, so the boundary cannot collide with a body.
  std::string boundary = "=_fbl_" + HexSha256(message_id, 24);
  std::string clean_subject = CleanLine(subject, kMaxHeaderValueBytes);
  std::string m;
  m += "From: " + env.from + "\r\n";
  m += "To: " + env.to + "\r\n";
  m += EncodeHeader("Subject", clean_subject);
  m += "Date: " + Rfc5322Date(env.date) + "\r\n";
  m += "Message-ID: <" + message_id + ">\r\n";
  m += "Auto-Submitted: auto-generated\r\n";
  m += "X-Auto-Response-Suppress: All\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  m += "This is a message in MIME format: plain text and HTML.\r\n";
  m += "\r\n--" + boundary + "\r\n";
  m += "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
  m += QuotedPrintable(RenderText(c));
  m += "\r\n--" + boundary + "\r\n";
  m += "Content-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
  m += QuotedPrintable(RenderHtml(c, clean_subject));
  m += "\r\n--" + boundary + "--\r\n";
  return m;
}

std::string NoticeSubject(const Notice& n) {
  if (n.kind == "admin-untrusted") {
    return "[fbl] Untrusted report from " + (n.reporter.empty() ? ProviderName(n) : n.reporter) +
           " stored for review";
  }
  if (n.kind.rfind("admin-", 0) == 0) {
    return "[fbl] " + (n.status.empty() ? n.kind : n.status) + " report from " + ProviderName(n) +
           (n.reason.empty() ? "" : ": " + n.reason);
  }
  std::string about = n.original.subject.empty() ? "your mail" : "\"" + n.original.subject + "\"";
  return "Spam complaint from " + ProviderName(n) + " about " + about;
}

}  // namespace

Result<Notice> ParseNotice(std::string_view payload_json, std::string_view kind) {
  if (payload_json.size() > kMaxPayloadBytes) {
    return MakeError(ErrorCode::kLimitExceeded, "payload over 1 MiB");
  }
  nlohmann::json j = nlohmann::json::parse(payload_json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return MakeError(ErrorCode::kMalformed, "payload is not a JSON object");
  Notice n;
  n.kind = std::string(kind);
  if (auto it = j.find("client_id"); it != j.end() && it->is_string()) n.client_id = it->get<std::string>();
  n.provider = JsonString(j, "provider");
  n.feedback_type = JsonString(j, "feedback_type");
  n.arrival_date = JsonString(j, "arrival_date");
  n.reporter = JsonString(j, "reporter");
  n.recipients = JsonStrings(j, "recipients");
  n.suppressed = JsonStrings(j, "suppressed");
  n.status = JsonString(j, "status");
  n.reason = JsonString(j, "reason");
  if (auto it = j.find("redacted"); it != j.end() && it->is_boolean()) n.redacted = it->get<bool>();
  if (auto it = j.find("original"); it != j.end() && it->is_object()) {
    n.original.subject = JsonString(*it, "subject");
    n.original.date = JsonString(*it, "date");
    n.original.message_id = JsonString(*it, "message_id");
    n.original.list_id = JsonString(*it, "list_id");
    n.original.from = JsonString(*it, "from");
  }
  return n;
}

std::string NormalizeMessageId(std::string_view id, std::string_view domain) {
  static constexpr std::string_view kAtextExtra = "!#$%&'*+-/=?^_`{|}~.@";
  std::string out;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              kAtextExtra.find(c) != std::string_view::npos;
    if (ok && out.size() < 200) out += c;
  }
  std::size_t at = out.find('@');
  if (at != std::string::npos && (at == 0 || at + 1 == out.size() ||
                                  out.find('@', at + 1) != std::string::npos)) {
    std::replace(out.begin(), out.end(), '@', '.');
    at = std::string::npos;
  }
  if (out.empty()) out = "notice";
  if (at == std::string::npos) {
    std::string host;
    for (char c : domain) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '-';
      if (ok && host.size() < 253) host += c;
    }
    out += "@" + (host.empty() ? std::string("localhost") : host);
  }
  return out;
}

std::string DigestMessageId(std::vector<std::string> row_message_ids, std::string_view domain) {
  std::sort(row_message_ids.begin(), row_message_ids.end());
  std::string joined;
  for (const auto& id : row_message_ids) joined += id + "\n";
  return NormalizeMessageId("digest-" + HexSha256(joined, 32), domain);
}

Result<std::string> BuildNoticeMessage(const Notice& notice, const Envelope& envelope) {
  bool admin = notice.kind.rfind("admin-", 0) == 0;
  Content c = admin ? AdminContent(notice) : ComplaintContent(notice, envelope);
  return Assemble(envelope, NoticeSubject(notice), c);
}

Result<std::string> BuildDigestMessage(const std::vector<Notice>& notices, const Envelope& envelope,
                                       std::size_t max_items) {
  Content c;
  c.greeting = envelope.to_name.empty() ? "Hello," : "Hello " + CleanLine(envelope.to_name, 200) + ",";
  c.intro.push_back("Mailbox providers forwarded " + std::to_string(notices.size()) +
                    " spam complaints about your mail since our last message. Each complaining "
                    "address that the provider disclosed has been added to your suppression "
                    "list.");
  std::size_t shown = std::min(notices.size(), max_items);
  for (std::size_t i = 0; i < shown; ++i) {
    Rows rows = ComplaintRows(notices[i]);
    rows.emplace_back("Suppressed", notices[i].suppressed.empty() ? std::string("none (redacted)")
                                                                  : ListText(notices[i].suppressed));
    c.blocks.push_back(std::move(rows));
  }
  if (notices.size() > shown) {
    c.outro.push_back(std::to_string(notices.size() - shown) +
                      " further complaints are not listed here; the API and fblctl list them all.");
  }
  c.advice.assign(std::begin(kAdvice), std::end(kAdvice));
  std::string subject = std::to_string(notices.size()) + " spam complaints about your mail";
  return Assemble(envelope, subject, c);
}

}  // namespace fbl::notify
