#include "store/suppression_csv.h"

#include <strings.h>

#include <algorithm>
#include <ctime>

namespace fbl {
namespace {

constexpr std::size_t kMaxRecordBytes = 64 * 1024;
constexpr std::size_t kMaxRecords = 50'000'000;

struct Record {
  std::size_t line = 0;
  std::vector<std::string> fields;
};

bool EqualsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

std::string_view TrimView(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits RFC 4180 CSV (quoted fields may hold commas, quotes and newlines; CRLF or LF).
// Returns false with *error set on a malformed record.
class CsvReader {
 public:
  explicit CsvReader(std::string_view text) : text_(text) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") text_.remove_prefix(3);  // UTF-8 BOM
  }

  bool done() const { return pos_ >= text_.size(); }
  std::size_t line() const { return line_; }

  // Reads one record; on a malformed one skips to the end of its line and returns false.
  bool Next(Record* out, std::string* error) {
    out->fields.clear();
    out->line = line_;
    std::string field;
    bool quoted = false;
    bool was_quoted = false;
    const std::size_t start = pos_;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (pos_ - start > kMaxRecordBytes) return Fail("record longer than 64 KiB", error);
      if (c == '\0') return Fail("NUL byte", error);
      if (quoted) {
        ++pos_;
        if (c == '\n') ++line_;
        if (c != '"') {
          field += c;
        } else if (pos_ < text_.size() && text_[pos_] == '"') {
          field += '"';
          ++pos_;
        } else {
          quoted = false;
        }
        continue;
      }
      if (c == '"' && TrimView(field).empty() && !was_quoted) {
        field.clear();
        quoted = was_quoted = true;
        ++pos_;
        continue;
      }
      if (c == ',' || c == '\n' || c == '\r') {
        out->fields.push_back(was_quoted ? field : std::string(TrimView(field)));
        field.clear();
        was_quoted = false;
        ++pos_;
        if (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n') ++pos_;
        if (c != ',') {
          ++line_;
          return true;
        }
        continue;
      }
      if (was_quoted && c != ' ' && c != '\t') return Fail("text after a closing quote", error);
      // Ordinary bytes up to the next one that means something, at once (stops within the
      // record limit, so the check above still sees an over-long record).
      std::size_t run = pos_ + 1;
      const std::size_t limit = std::min(text_.size(), start + kMaxRecordBytes + 1);
      while (run < limit && !Special(text_[run])) ++run;
      field.append(text_.data() + pos_, run - pos_);
      pos_ = run;
    }
    if (quoted) return Fail("unterminated quoted field", error);
    out->fields.push_back(was_quoted ? field : std::string(TrimView(field)));
    return true;
  }

 private:
  static bool Special(char c) { return c == ',' || c == '\n' || c == '\r' || c == '"' || c == '\0'; }

  bool Fail(const char* why, std::string* error) {
    *error = why;
    while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
    if (pos_ < text_.size()) ++pos_;
    ++line_;
    return false;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

bool Blank(const Record& r) { return r.fields.size() == 1 && r.fields[0].empty(); }

int Column(const Record& header, std::string_view name) {
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    if (EqualsNoCase(header.fields[i], name)) return static_cast<int>(i);
  }
  return -1;
}

// How one record of a given layout becomes a row.
struct Layout {
  int address = 0;
  int reason = -1;  // column with a per-row reason (ses, postmark); -1: fixed_reason
  SuppressionReason fixed_reason = SuppressionReason::kManual;
  // A free-text column (sendgrid "reason", mailgun "error"): when it holds one of our reason
  // names (as fbl exports them) that reason is kept, so an fbl export round-trips.
  int native_reason = -1;
};

std::optional<SuppressionReason> SesReason(std::string_view v) {
  if (EqualsNoCase(v, "BOUNCE")) return SuppressionReason::kHardBounce;
  if (EqualsNoCase(v, "COMPLAINT")) return SuppressionReason::kComplaint;
  return std::nullopt;
}

std::optional<SuppressionReason> PostmarkReason(std::string_view v) {
  if (EqualsNoCase(v, "HardBounce")) return SuppressionReason::kHardBounce;
  if (EqualsNoCase(v, "SpamComplaint")) return SuppressionReason::kComplaint;
  if (EqualsNoCase(v, "ManualSuppression")) return SuppressionReason::kManual;
  return std::nullopt;
}

// Reads the layout from the header (sendgrid, mailgun, postmark). Returns false when the
// header lacks the address column.
bool LayoutFromHeader(CsvFormat format, const Record& h, Layout* out, std::string* error) {
  switch (format) {
    case CsvFormat::kSendgrid:
      out->address = Column(h, "email");
      out->fixed_reason = (Column(h, "reason") >= 0 || Column(h, "status") >= 0) ? SuppressionReason::kHardBounce
                          : Column(h, "ip") >= 0 ? SuppressionReason::kComplaint
                                                 : SuppressionReason::kUnsubscribe;
      out->native_reason = Column(h, "reason");
      *error = "header has no 'email' column";
      break;
    case CsvFormat::kMailgun:
      out->address = Column(h, "address");
      out->fixed_reason = (Column(h, "code") >= 0 || Column(h, "error") >= 0) ? SuppressionReason::kHardBounce
                          : Column(h, "tags") >= 0 ? SuppressionReason::kUnsubscribe
                                                   : SuppressionReason::kComplaint;
      out->native_reason = Column(h, "error");
      *error = "header has no 'address' column";
      break;
    case CsvFormat::kPostmark:
      out->address = Column(h, "EmailAddress");
      out->reason = Column(h, "SuppressionReason");
      *error = "header needs 'EmailAddress' and 'SuppressionReason' columns";
      if (out->reason < 0) return false;
      break;
    case CsvFormat::kSes:
      break;
  }
  return out->address >= 0;
}

bool LooksLikeSesHeader(const Record& r) {
  return r.fields.size() >= 2 && r.fields[0].find('@') == std::string::npos && !SesReason(r.fields[1]);
}

// Moves the address field out of `r` (the record is read anew for the next row).
void AddRow(CsvFormat format, const Layout& layout, Record& r, CsvImport* out) {
  const auto need = static_cast<std::size_t>(std::max(layout.address, layout.reason) + 1);
  if (r.fields.size() < need) {
    out->errors.push_back({r.line, "expected at least " + std::to_string(need) + " columns, found " +
                                       std::to_string(r.fields.size())});
    return;
  }
  CsvImportRow row;
  row.line = r.line;
  row.address = std::move(r.fields[layout.address]);
  row.reason = layout.fixed_reason;
  if (row.address.empty()) {
    out->errors.push_back({r.line, "empty address"});
    return;
  }
  if (layout.native_reason >= 0 && static_cast<std::size_t>(layout.native_reason) < r.fields.size()) {
    if (auto native = ParseSuppressionReason(r.fields[layout.native_reason])) row.reason = *native;
  }
  if (layout.reason >= 0) {
    const std::string& v = r.fields[layout.reason];
    auto reason = format == CsvFormat::kSes ? SesReason(v) : PostmarkReason(v);
    if (!reason) {
      out->errors.push_back({r.line, format == CsvFormat::kSes
                                         ? "reason must be BOUNCE or COMPLAINT"
                                         : "SuppressionReason must be HardBounce, SpamComplaint or ManualSuppression"});
      return;
    }
    row.reason = *reason;
  }
  out->rows.push_back(std::move(row));
}

std::string Quote(std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string FormatTime(UnixTime t, const char* fmt) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, fmt, &tm);
  return std::string(buf, n);
}

}  // namespace

std::optional<CsvFormat> ParseCsvFormat(std::string_view name) {
  if (name == "ses") return CsvFormat::kSes;
  if (name == "sendgrid") return CsvFormat::kSendgrid;
  if (name == "mailgun") return CsvFormat::kMailgun;
  if (name == "postmark") return CsvFormat::kPostmark;
  return std::nullopt;
}

CsvImport ParseSuppressionCsv(std::string_view text, CsvFormat format) {
  CsvImport out;
  CsvReader reader(text);
  Layout layout;
  if (format == CsvFormat::kSes) layout.reason = 1;
  bool first = true;
  Record r;
  std::string error;
  std::size_t records = 0;
  while (!reader.done()) {
    if (++records > kMaxRecords) {
      out.rows.clear();
      out.errors = {{reader.line(), "more than 50,000,000 records"}};
      return out;
    }
    if (!reader.Next(&r, &error)) {
      out.errors.push_back({r.line, error});
      first = false;
      continue;
    }
    if (Blank(r)) continue;
    if (first) {
      first = false;
      if (format == CsvFormat::kSes) {
        if (LooksLikeSesHeader(r)) continue;
      } else {
        if (!LayoutFromHeader(format, r, &layout, &error)) {
          out.errors = {{r.line, error}};
          return out;
        }
        continue;
      }
    }
    AddRow(format, layout, r, &out);
  }
  if (first && format != CsvFormat::kSes) out.errors.push_back({1, "empty file: a header row is required"});
  return out;
}

std::string CsvHeader(CsvFormat format) {
  switch (format) {
    case CsvFormat::kSes: return "";
    case CsvFormat::kSendgrid: return "email,created,reason,status\n";
    case CsvFormat::kMailgun: return "address,code,error,created_at\n";
    case CsvFormat::kPostmark: return "EmailAddress,SuppressionReason,Origin,CreatedAt\n";
  }
  return "";
}

std::string CsvRow(CsvFormat format, const Suppression& s) {
  const std::string address = Quote(s.address_original.empty() ? s.address : s.address_original);
  const bool complaint = s.reason == SuppressionReason::kComplaint;
  const bool bounce = s.reason == SuppressionReason::kHardBounce || s.reason == SuppressionReason::kSoftBounce;
  switch (format) {
    case CsvFormat::kSes:
      // SES knows only BOUNCE and COMPLAINT; unsubscribes and manual entries travel as COMPLAINT
      // (the stronger of the two: never mailed again).
      return address + (bounce ? ",BOUNCE\n" : ",COMPLAINT\n");
    case CsvFormat::kSendgrid:
      return address + "," + std::to_string(s.first_seen) + "," + Quote(SuppressionReasonName(s.reason)) + "," +
             (bounce ? "5.0.0" : "") + "\n";
    case CsvFormat::kMailgun:
      return address + ",550," + Quote(SuppressionReasonName(s.reason)) + "," +
             Quote(FormatTime(s.first_seen, "%a, %d %b %Y %H:%M:%S UTC")) + "\n";
    case CsvFormat::kPostmark: {
      const char* reason = complaint ? "SpamComplaint" : bounce ? "HardBounce" : "ManualSuppression";
      const char* origin = s.reason == SuppressionReason::kManual ? "Customer" : "Recipient";
      return address + "," + reason + "," + origin + "," + FormatTime(s.first_seen, "%Y-%m-%dT%H:%M:%SZ") + "\n";
    }
  }
  return "";
}

}  // namespace fbl
