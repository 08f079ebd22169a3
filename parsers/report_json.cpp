#include "parsers/report_json.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>

#include "parsers/text_util.h"

namespace fbl {
namespace {

// One byte below 0x20, '"' or '\\' as nlohmann escapes it.
void AppendEscaped(std::string* out, char c) {
  switch (c) {
    case '"': out->append("\\\""); return;
    case '\\': out->append("\\\\"); return;
    case '\b': out->append("\\b"); return;
    case '\f': out->append("\\f"); return;
    case '\n': out->append("\\n"); return;
    case '\r': out->append("\\r"); return;
    case '\t': out->append("\\t"); return;
    default: break;
  }
  if (static_cast<unsigned char>(c) < 0x20) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
    out->append(buf);
    return;
  }
  out->push_back(c);
}

// Writes one JSON line straight into a string: the hot path of `fblctl parse`, several times
// faster than building an nlohmann::json tree first. The output is byte-for-byte what
// nlohmann's dump() gives for the same value (keys in byte order, the same escapes, invalid
// UTF-8 replaced by U+FFFD); tests/parsers/report_json_test.cpp holds it to that.
class LineWriter {
 public:
  explicit LineWriter(std::string* out) : out_(out) {}

  // Object members must be written in byte order of their keys.
  void Open() { out_->push_back('{'); first_ = true; }
  void Close() { out_->push_back('}'); first_ = false; }
  // A key of ours (a literal: lowercase ASCII, nothing to escape).
  template <std::size_t N>
  void Key(const char (&key)[N]) {
    static_assert(N - 1 <= kShortKey);
    PlainKey(std::string_view(key, N - 1));
  }
  // A key from outside (a --header name): escaped when it needs it.
  void AnyKey(std::string_view key) {
    bool plain = key.size() <= kShortKey &&
                 std::all_of(key.begin(), key.end(), [](char c) { return c >= 0x20 && c < 0x7F && c != '"' && c != '\\'; });
    if (plain) {
      PlainKey(key);
      return;
    }
    if (!first_) out_->push_back(',');
    String(key);
    out_->push_back(':');
  }
  // REQUIRES: key.size() <= kShortKey, no byte of it needs escaping.
  void PlainKey(std::string_view key) {
    char buf[kShortKey + 4];
    std::size_t n = 0;
    if (!first_) buf[n++] = ',';
    buf[n++] = '"';
    std::memcpy(buf + n, key.data(), key.size());
    n += key.size();
    buf[n++] = '"';
    buf[n++] = ':';
    out_->append(buf, n);
    first_ = false;
  }

  void String(std::string_view s) {
    AppendJsonString(out_, s);
    first_ = false;
  }
  void StringOrNull(const std::string& s) {
    if (s.empty()) {
      Raw("null");
    } else {
      String(s);
    }
  }
  void Strings(const std::vector<std::string>& v) {
    out_->push_back('[');
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out_->push_back(',');
      String(v[i]);
    }
    out_->push_back(']');
    first_ = false;
  }
  void Raw(std::string_view literal) {
    out_->append(literal);
    first_ = false;
  }

 private:
  static constexpr std::size_t kShortKey = 60;  // longer keys (--header names) take String()
  std::string* out_;
  bool first_ = true;
};

// `headers` is an object: one member per name, the last value winning, as nlohmann's map.
void WriteHeaders(const std::vector<std::pair<std::string, std::string>>& headers, LineWriter& w) {
  std::vector<const std::pair<std::string, std::string>*> sorted;
  sorted.reserve(headers.size());
  for (const auto& h : headers) sorted.push_back(&h);
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  w.Open();
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i + 1 < sorted.size() && sorted[i + 1]->first == sorted[i]->first) continue;
    w.AnyKey(sorted[i]->first);
    w.String(sorted[i]->second);
  }
  w.Close();
}

void WriteOriginal(const OriginalMessage& o, LineWriter& w) {
  w.Open();
  w.Key("date"); w.StringOrNull(o.date);
  w.Key("dkim_domains"); w.Strings(o.dkim_domains);
  w.Key("feedback_id"); w.StringOrNull(o.feedback_id);
  w.Key("from"); w.StringOrNull(o.from);
  w.Key("headers"); WriteHeaders(o.headers, w);
  w.Key("list_id"); w.StringOrNull(o.list_id);
  w.Key("list_unsubscribe"); w.StringOrNull(o.list_unsubscribe);
  w.Key("message_id"); w.StringOrNull(o.message_id);
  w.Key("return_path"); w.StringOrNull(o.return_path);
  w.Key("subject"); w.StringOrNull(o.subject);
  w.Key("to"); w.StringOrNull(o.to);
  w.Close();
}

void WriteDeliveries(const std::vector<Delivery>& deliveries, LineWriter& w) {
  w.Raw("[");
  for (std::size_t i = 0; i < deliveries.size(); ++i) {
    const Delivery& d = deliveries[i];
    if (i > 0) w.Raw(",");
    w.Open();
    w.Key("action"); w.StringOrNull(d.action);
    w.Key("class"); w.String(BounceClassName(d.klass));
    w.Key("diagnostic"); w.StringOrNull(d.diagnostic);
    w.Key("recipient"); w.String(d.recipient);
    w.Key("status"); w.StringOrNull(d.status);
    w.Close();
  }
  w.Raw("]");
}

}  // namespace

// Runs of printable ASCII are copied in one append; only escapes and non-ASCII bytes are
// handled one at a time.
void AppendJsonString(std::string* out, std::string_view s) {
  // kPlain[c]: byte c is copied as it is (printable ASCII but '"' and '\\').
  static constexpr std::array<bool, 256> kPlain = [] {
    std::array<bool, 256> t{};
    for (int c = 0x20; c < 0x80; ++c) t[c] = c != '"' && c != '\\';
    return t;
  }();
  out->push_back('"');
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (kPlain[c]) {
      ++i;
      continue;
    }
    out->append(s.data() + run, i - run);
    if (c >= 0x80) {
      std::size_t n = text::Utf8SequenceLength(s, i);
      if (n == 0) {
        out->append("\xEF\xBF\xBD");
        ++i;
      } else {
        out->append(s.data() + i, n);
        i += n;
      }
    } else {
      AppendEscaped(out, static_cast<char>(c));
      ++i;
    }
    run = i;
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

std::string ReportToJsonLine(const Report& r, std::string_view source) {
  std::string out;
  out.reserve(2048);
  AppendReportJsonLine(r, source, &out);
  return out;
}

void AppendReportJsonLine(const Report& r, std::string_view source, std::string* out) {
  LineWriter w(out);
  w.Open();
  w.Key("arrival_date"); w.StringOrNull(r.arrival_date);
  w.Key("auth_failure"); w.StringOrNull(r.auth_failure);
  w.Key("authentication_results"); w.Strings(r.authentication_results);
  w.Key("deliveries"); WriteDeliveries(r.deliveries, w);
  w.Key("delivery_result"); w.StringOrNull(r.delivery_result);
  w.Key("dkim_domain"); w.StringOrNull(r.dkim_domain);
  w.Key("dkim_identity"); w.StringOrNull(r.dkim_identity);
  w.Key("dkim_selector"); w.StringOrNull(r.dkim_selector);
  w.Key("errors"); w.Strings(r.errors);
  w.Key("feedback_type");
  if (r.kind == ReportKind::kFeedback && r.feedback_type) {
    w.String(FeedbackTypeName(*r.feedback_type));
  } else {
    w.Raw("null");
  }
  w.Key("identity_alignment"); w.StringOrNull(r.identity_alignment);
  w.Key("kind"); w.String(ReportKindName(r.kind));
  w.Key("original"); WriteOriginal(r.original, w);
  w.Key("original_mail_from"); w.StringOrNull(r.original_mail_from);
  w.Key("original_rcpt_to"); w.Strings(r.original_rcpt_to);
  w.Key("outer_authentication_results"); w.Strings(r.outer_authentication_results);
  w.Key("provider"); w.StringOrNull(r.provider);
  w.Key("recipients"); w.Strings(r.recipients);
  w.Key("redacted"); w.Raw(r.redacted ? "true" : "false");
  w.Key("report_message_id"); w.StringOrNull(r.report_message_id);
  w.Key("report_subject"); w.StringOrNull(r.report_subject);
  w.Key("reported_domains"); w.Strings(r.reported_domains);
  w.Key("reported_uris"); w.Strings(r.reported_uris);
  w.Key("reporter"); w.StringOrNull(r.reporter);
  w.Key("source"); w.String(source);
  w.Key("source_ip"); w.StringOrNull(r.source_ip);
  w.Key("source_port"); w.StringOrNull(r.source_port);
  w.Key("spf_dns"); w.StringOrNull(r.spf_dns);
  w.Key("user_agent"); w.StringOrNull(r.user_agent);
  w.Key("version"); w.StringOrNull(r.version);
  w.Close();
}

nlohmann::json ReportToJson(const Report& report, std::string_view source) {
  return nlohmann::json::parse(ReportToJsonLine(report, source));
}

}  // namespace fbl
