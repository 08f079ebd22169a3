#include "parsers/original.h"

#include <algorithm>

#include "parsers/text_util.h"

namespace fbl {
namespace {

void SetIfPresent(const FieldList& headers, std::string_view name, std::string* out) {
  if (const std::string* v = FindField(headers, name)) *out = text::SanitizeUtf8(text::DecodeEncodedWords(*v));
}

std::string StripAngles(std::string_view v) {
  v = text::Trim(v);
  if (!v.empty() && v.front() == '<') v.remove_prefix(1);
  if (std::size_t gt = v.find('>'); gt != std::string_view::npos) v = v.substr(0, gt);
  return std::string(text::Trim(v));
}

}  // namespace

std::string DkimDomain(std::string_view signature) {
  std::size_t pos = 0;
  while (pos < signature.size()) {
    std::size_t semi = signature.find(';', pos);
    std::string_view tag = signature.substr(pos, semi == std::string_view::npos ? semi : semi - pos);
    pos = semi == std::string_view::npos ? signature.size() : semi + 1;
    tag = text::Trim(tag);
    if (tag.size() > 2 && (tag[0] == 'd' || tag[0] == 'D')) {
      std::string_view rest = text::Trim(tag.substr(1));
      if (!rest.empty() && rest[0] == '=') return text::Lower(text::Trim(rest.substr(1)));
    }
  }
  return "";
}

void ExtractOriginal(const FieldList& headers, const std::vector<std::string>& extra_headers,
                     OriginalMessage* out) {
  SetIfPresent(headers, "from", &out->from);
  SetIfPresent(headers, "to", &out->to);
  SetIfPresent(headers, "subject", &out->subject);
  SetIfPresent(headers, "date", &out->date);
  SetIfPresent(headers, "list-id", &out->list_id);
  SetIfPresent(headers, "list-unsubscribe", &out->list_unsubscribe);
  SetIfPresent(headers, "feedback-id", &out->feedback_id);
  if (const std::string* v = FindField(headers, "message-id")) out->message_id = text::SanitizeUtf8(StripAngles(*v));
  if (const std::string* v = FindField(headers, "return-path")) {
    std::string addr = text::ExtractAddress(*v);
    out->return_path = text::SanitizeUtf8(addr.empty() ? StripAngles(*v) : addr);
  }
  for (const std::string& sig : FindAll(headers, "dkim-signature")) {
    std::string d = text::SanitizeUtf8(DkimDomain(sig));
    if (!d.empty() && std::find(out->dkim_domains.begin(), out->dkim_domains.end(), d) == out->dkim_domains.end()) {
      out->dkim_domains.push_back(std::move(d));
    }
  }
  for (const std::string& name : extra_headers) {
    const std::string* v = FindField(headers, name);
    if (!v) continue;
    auto same = [&](const auto& p) { return text::IEquals(p.first, name); };
    if (std::none_of(out->headers.begin(), out->headers.end(), same)) {
      out->headers.emplace_back(name, text::SanitizeUtf8(text::DecodeEncodedWords(*v)));
    }
  }
}

}  // namespace fbl
