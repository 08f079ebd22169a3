#include "parsers/classify.h"

#include <algorithm>
#include <optional>

#include "parsers/arf.h"
#include "parsers/dmarc.h"
#include "parsers/dsn.h"
#include "parsers/original.h"
#include "parsers/ses_json.h"
#include "parsers/text_util.h"

namespace fbl {
namespace {

bool IsMessage(const Entity& e) { return e.type == "message" && (e.subtype == "rfc822" || e.subtype == "global"); }

bool IsHeadersText(const Entity& e) {
  return e.type == "text" && (e.subtype == "rfc822-headers" || e.subtype == "rfc822-header");
}

// Depth-first over the report's own parts: message/rfc822 children are not entered.
template <typename Fn>
void VisitOwnParts(const Entity& e, const Fn& fn) {
  fn(e);
  if (IsMessage(e)) return;
  for (const Entity& c : e.children) VisitOwnParts(c, fn);
}

template <typename Pred>
const Entity* FindOwnPart(const Entity& root, const Pred& pred) {
  const Entity* found = nullptr;
  VisitOwnParts(root, [&](const Entity& e) {
    if (!found && pred(e)) found = &e;
  });
  return found;
}

// The original message's headers: a message/rfc822 part's child, or a text/rfc822-headers body.
bool FindOriginalHeaders(const Entity& root, const ParseLimits& limits, FieldList* out, bool* truncated) {
  const Entity* part = FindOwnPart(root, [](const Entity& e) {
    return (IsMessage(e) && !e.children.empty()) || IsHeadersText(e);
  });
  if (!part || part == &root) return false;
  if (IsMessage(*part)) {
    *out = part->children.front().headers;
    *truncated = part->children.front().headers_only;
    return true;
  }
  ParseFieldBlock(part->body, static_cast<std::size_t>(limits.max_headers), limits.max_header_bytes, out);
  return true;
}

std::string ReportText(const Entity& root) {
  std::string text;
  VisitOwnParts(root, [&](const Entity& e) {
    bool readable = (e.type == "text" && (e.subtype == "plain" || e.subtype.empty() || e.subtype == "html")) ||
                    (e.type == "multipart" && e.children.empty());
    if (readable && text.size() < 256 * 1024) {
      if (!text.empty()) text += '\n';
      text += e.body;
    }
  });
  return text;
}

std::vector<std::string> AddressesOf(const FieldList& headers, std::string_view name) {
  std::vector<std::string> out;
  for (const std::string& v : FindAll(headers, name)) {
    for (std::string& a : text::FindAddresses(v, 16)) out.push_back(text::Lower(a));
  }
  return out;
}

class Builder {
 public:
  Builder(const Entity& root, const ParseOptions& options, Report* r) : root_(root), options_(options), r_(*r) {}

  void Run() {
    ReadOuter();
    have_original_ = FindOriginalHeaders(root_, options_.limits, &original_, &truncated_);
    if (have_original_) ExtractOriginal(original_, options_.extra_headers, &r_.original);
    if (truncated_) r_.errors.push_back("original message truncated: headers only");
    if (!(TryArf() || TrySes() || TryApple() || TryJmrp() || TryDmarc() || TryBounce() || TryAutoReply() ||
          TryHumanForward())) {
      r_.kind = ReportKind::kUnknown;
    }
    if (r_.provider.empty()) r_.provider = DetectProvider(r_);
  }

 private:
  void ReadOuter() {
    const FieldList& h = root_.headers;
    if (const std::string* from = FindField(h, "from")) r_.reporter = text::SanitizeUtf8(text::Lower(text::ExtractAddress(*from)));
    if (const std::string* s = FindField(h, "subject")) r_.report_subject = text::SanitizeUtf8(text::DecodeEncodedWords(*s));
    if (const std::string* id = FindField(h, "message-id")) {
      std::string_view v = text::Trim(*id);
      if (!v.empty() && v.front() == '<') v.remove_prefix(1);
      if (!v.empty() && v.back() == '>') v.remove_suffix(1);
      r_.report_message_id = text::SanitizeUtf8(v);
    }
    for (const std::string& ar : FindAll(h, "authentication-results")) {
      r_.outer_authentication_results.push_back(text::SanitizeUtf8(ar));
    }
  }

  void FallbackRecipients() {
    if (!r_.recipients.empty() || !have_original_) return;
    if (!r_.original_rcpt_to.empty()) return;  // the report named them (maybe as placeholders)
    std::vector<std::string> ms = FindAll(original_, "x-hmxmroriginalrecipient");
    if (ms.empty()) ms = FindAll(original_, "to");
    for (const std::string& v : ms) {
      std::vector<std::string> addrs = text::FindAddresses(v, 16);
      if (addrs.empty()) r_.redacted = true;
      for (const std::string& a : addrs) AddRecipient(a, &r_);
    }
  }

  bool TryArf() {
    const Entity* part = FindOwnPart(root_, [](const Entity& e) {
      return e.type == "message" && e.subtype == "feedback-report";
    });
    if (!part) return false;
    FieldList fields;
    ParseFieldBlock(part->body, static_cast<std::size_t>(options_.limits.max_headers), options_.limits.max_header_bytes,
                    &fields);
    ApplyFeedbackFields(fields, &r_);
    if (!r_.feedback_type) {
      r_.feedback_type = FeedbackType::kOther;
      r_.errors.push_back("feedback report without Feedback-Type");
    }
    FallbackRecipients();
    return true;
  }

  bool TrySes() {
    return ParseSesNotification(root_.children.empty() ? std::string_view(root_.body) : Text(), &r_);
  }

  // ReportText(root_), built once: several classifiers read it.
  const std::string& Text() {
    if (!text_) text_ = ReportText(root_);
    return *text_;
  }

  bool TryApple() {
    const std::string* v = FindField(root_.headers, "x-apple-unsubscribe");
    if (!v || !text::IEquals(text::Trim(*v), "true")) return false;
    r_.kind = ReportKind::kFeedback;
    r_.feedback_type = FeedbackType::kOptOut;
    r_.provider = "apple";
    AddRecipient(r_.reporter, &r_);
    if (!have_original_) ExtractOriginal(root_.headers, options_.extra_headers, &r_.original);
    if (const std::string* date = FindField(root_.headers, "date")) r_.arrival_date = text::DateToRfc3339(*date);
    return true;
  }

  bool TryJmrp() {
    bool has_marker = have_original_ && FindField(original_, "x-hmxmroriginalrecipient");
    bool microsoft = DetectProvider(r_) == "microsoft" && text::IContains(r_.report_subject, "complaint about message");
    if (!has_marker && !microsoft) return false;
    r_.kind = ReportKind::kFeedback;
    r_.feedback_type = FeedbackType::kAbuse;
    r_.provider = "microsoft";
    r_.source_ip = IpFromSubject(r_.report_subject);
    if (have_original_) {
      if (const std::string* ip = FindField(original_, "x-sid-pra"); ip && r_.original_mail_from.empty()) {
        r_.original_mail_from = text::SanitizeUtf8(text::ExtractAddress(*ip));
      }
    }
    FallbackRecipients();
    if (r_.recipients.empty()) r_.redacted = true;
    return true;
  }

  bool TryDmarc() {
    bool found = false;
    std::string domain;
    VisitOwnParts(root_, [&](const Entity& e) {
      if (found || !e.children.empty()) return;
      bool candidate = e.type == "application" || (e.type == "text" && e.subtype == "xml");
      if (candidate) found = LooksLikeDmarcAggregate(e.body, options_.limits.max_decompressed_bytes, &domain);
    });
    if (!found) return false;
    r_.kind = ReportKind::kDmarcAggregate;
    if (!domain.empty()) r_.reported_domains.push_back(text::SanitizeUtf8(domain));
    return true;
  }

  bool TryBounce() {
    const Entity* dsn = FindOwnPart(root_, [](const Entity& e) {
      return e.type == "message" && (e.subtype == "delivery-status" || e.subtype == "global-delivery-status");
    });
    if (!dsn && !LooksLikeBounce(root_.headers)) return false;
    r_.kind = ReportKind::kBounce;
    std::size_t max_fields = static_cast<std::size_t>(options_.limits.max_headers);
    VisitOwnParts(root_, [&](const Entity& e) {
      if (e.type == "message" && (e.subtype == "delivery-status" || e.subtype == "global-delivery-status")) {
        ParseDeliveryStatus(e.body, max_fields, options_.limits.max_header_bytes, &r_);
      }
    });
    if (r_.deliveries.empty()) BounceFromText();
    if (r_.deliveries.empty()) {
      for (const std::string& v : FindAll(root_.headers, "x-failed-recipients")) {
        for (const std::string& a : text::FindAddresses(v, 64)) AddDelivery(Delivery{a, "failed", "", BounceClass::kUnknown, ""}, &r_);
      }
    }
    if (r_.deliveries.empty() && have_original_) {
      for (const std::string& a : AddressesOf(original_, "to")) AddDelivery(Delivery{a, "failed", "", BounceClass::kUnknown, ""}, &r_);
    }
    if (r_.deliveries.empty()) r_.errors.push_back("bounce without an identifiable recipient");
    return true;
  }

  void BounceFromText() {
    const std::string& all = Text();
    // A delivery-status block pasted as plain text (no MIME): parse it as RFC 3464.
    if (std::size_t at = text::IFind(all, "\nfinal-recipient:"); at != std::string::npos) {
      std::size_t start = text::IFind(all, "\nreporting-mta:");
      if (start == std::string::npos || start > at) start = at;
      ParseDeliveryStatus(std::string_view(all).substr(start + 1), static_cast<std::size_t>(options_.limits.max_headers),
                          options_.limits.max_header_bytes, &r_);
      if (!r_.deliveries.empty()) return;
    }
    std::string_view human = CutAtOriginal(all);
    BounceContext context;
    for (const char* name : {"to", "from", "reply-to", "delivered-to"}) {
      for (std::string& a : AddressesOf(root_.headers, name)) context.excluded.push_back(std::move(a));
    }
    if (!have_original_) ReadInlineOriginal(std::string_view(all).substr(human.size()));
    if (have_original_) {
      for (const char* name : {"from", "return-path", "sender", "reply-to"}) {
        for (std::string& a : AddressesOf(original_, name)) context.excluded.push_back(std::move(a));
      }
    }
    ParseBounceText(human, context, &r_);
    if (r_.deliveries.empty() && have_original_) {
      std::string status = FindStatus(human);
      for (const std::string& a : AddressesOf(original_, "to")) {
        AddDelivery(Delivery{a, status.rfind("4", 0) == 0 ? "delayed" : "failed", status,
                             ClassifyBounce(status, human), std::string(text::Trim(human.substr(0, 300)))},
                    &r_);
      }
    }
  }

  // A bounce that quotes the original inline: the first header-looking line after the marker.
  void ReadInlineOriginal(std::string_view tail) {
    std::size_t pos = 0;
    while (pos < tail.size()) {
      std::size_t nl = tail.find('\n', pos);
      std::string_view line = tail.substr(pos, (nl == std::string_view::npos ? tail.size() : nl) - pos);
      std::size_t colon = line.find(':');
      if (colon != std::string_view::npos && colon > 0 && line.find(' ') > colon && line[0] != ' ') {
        ParseFieldBlock(tail.substr(pos), static_cast<std::size_t>(options_.limits.max_headers),
                        options_.limits.max_header_bytes, &original_);
        have_original_ = !original_.empty();
        if (have_original_) ExtractOriginal(original_, options_.extra_headers, &r_.original);
        return;
      }
      if (nl == std::string_view::npos) return;
      pos = nl + 1;
    }
  }

  bool IsAutoReply() const {
    const FieldList& h = root_.headers;
    if (const std::string* v = FindField(h, "auto-submitted"); v && text::IContains(*v, "auto-replied")) return true;
    if (FindField(h, "x-autoreply") || FindField(h, "x-autorespond") || FindField(h, "x-autoresponder")) return true;
    if (const std::string* v = FindField(h, "precedence"); v && text::IContains(*v, "auto_reply")) return true;
    static const char* kSubjects[] = {"auto:",         "automatic reply", "autoreply",    "auto-reply",
                                      "auto reply",    "out of office",   "out of the office", "vacation",
                                      "abwesenheit",   "réponse automatique", "automatische antwort",
                                      "away from my",  "autoresponder"};
    const std::string& s = r_.report_subject;
    return std::any_of(std::begin(kSubjects), std::end(kSubjects), [&](const char* p) { return text::IContains(s, p); });
  }

  bool TryAutoReply() {
    if (!IsAutoReply()) return false;
    r_.kind = ReportKind::kAutoReply;
    if (!r_.reporter.empty()) AddRecipient(r_.reporter, &r_);
    return true;
  }

  bool TryHumanForward() {
    if (!have_original_ || original_.empty()) return false;
    static const char* kWords[] = {"spam", "abuse", "complain", "unsolicited", "junk", "unsubscribe", "phishing",
                                   "scam", "stop sending", "fraud"};
    const std::string& body = Text();
    auto mentions = [&](std::string_view t) {
      return std::any_of(std::begin(kWords), std::end(kWords), [&](const char* w) { return text::IContains(t, w); });
    };
    if (!mentions(r_.report_subject) && !mentions(std::string_view(body).substr(0, 4096))) return false;
    r_.kind = ReportKind::kFeedback;
    r_.feedback_type = text::IContains(r_.report_subject, "phish") ? FeedbackType::kFraud : FeedbackType::kAbuse;
    r_.user_agent = "human-forward";
    if (!r_.reporter.empty()) AddRecipient(r_.reporter, &r_);
    r_.errors.push_back("human forward: the forwarder is taken as the complaining recipient");
    return true;
  }

  const Entity& root_;
  const ParseOptions& options_;
  Report& r_;
  FieldList original_;
  bool have_original_ = false;
  bool truncated_ = false;
  std::optional<std::string> text_;
};

}  // namespace

void BuildReport(const Entity& root, const ParseOptions& options, Report* r) { Builder(root, options, r).Run(); }

}  // namespace fbl
