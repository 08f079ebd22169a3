#include "parsers/mime_tree.h"

#include <exception>
#include <istream>
#include <streambuf>

#include <mimetic/mimetic.h>

#include "parsers/mime_guard.h"
#include "parsers/text_util.h"

namespace fbl {
namespace {

// Lets mimetic's istream path read our buffer without a copy.
class MemoryBuffer : public std::streambuf {
 public:
  explicit MemoryBuffer(std::string_view s) {
    char* p = const_cast<char*>(s.data());
    setg(p, p, p + s.size());
  }
};

std::string ParamValue(std::string_view header_value, std::string_view name) {
  std::size_t at = 0;
  while ((at = text::IFind(header_value, name, at)) != std::string_view::npos) {
    bool starts = at > 0 && (header_value[at - 1] == ';' || header_value[at - 1] == ' ' ||
                             header_value[at - 1] == '\t');
    std::size_t i = at + name.size();
    while (i < header_value.size() && header_value[i] == ' ') ++i;
    if (!starts || i >= header_value.size() || header_value[i] != '=') {
      at += name.size();
      continue;
    }
    ++i;
    while (i < header_value.size() && header_value[i] == ' ') ++i;
    if (i < header_value.size() && header_value[i] == '"') {
      std::size_t close = header_value.find('"', i + 1);
      return std::string(header_value.substr(i + 1, close == std::string_view::npos ? close : close - i - 1));
    }
    std::size_t e = header_value.find(';', i);
    return std::string(text::Trim(header_value.substr(i, e == std::string_view::npos ? e : e - i)));
  }
  return "";
}

void SetMediaType(Entity* e) {
  const std::string* ct = FindField(e->headers, "content-type");
  std::string_view v = ct ? std::string_view(*ct) : std::string_view("text/plain");
  std::string media = text::Lower(text::Trim(v.substr(0, v.find(';'))));
  std::size_t slash = media.find('/');
  if (slash == std::string::npos) {
    e->type = media.empty() ? "text" : media;
    e->subtype = media.empty() ? "plain" : "";
    return;
  }
  e->type = std::string(text::Trim(std::string_view(media).substr(0, slash)));
  e->subtype = std::string(text::Trim(std::string_view(media).substr(slash + 1)));
}

// True when DecodeTransfer(raw, encoding) would return "", without decoding.
bool DecodesToEmpty(std::string_view raw, std::string_view encoding) {
  std::string_view enc = text::Trim(encoding);
  if (text::IEquals(enc, "base64")) {  // a byte needs two base64 digits before the first '='
    int digits = 0;
    for (char c : raw) {
      if (c == '=') break;
      bool digit = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
                   c == '-' || c == '/' || c == '_';
      if (digit && ++digits >= 2) return false;
    }
    return true;
  }
  if (text::IEquals(enc, "quoted-printable")) {  // nothing but soft line breaks
    for (std::size_t i = 0; i < raw.size();) {
      if (raw.compare(i, 2, "=\n") == 0) {
        i += 2;
      } else if (raw.compare(i, 3, "=\r\n") == 0) {
        i += 3;
      } else {
        return false;
      }
    }
    return true;
  }
  return raw.empty();
}

std::string TransferEncoding(const Entity& e) {
  const std::string* cte = FindField(e.headers, "content-transfer-encoding");
  return cte ? text::Lower(text::Trim(*cte)) : std::string();
}

// What TreeBuilder keeps of one entity (see TreeDetail).
enum class Keep {
  kAll,       // every header field, decoded body
  kOriginal,  // kReport's message/rfc822 child: every header field, body not decoded
  kShape,     // below it: Content-Type and Content-Transfer-Encoding only, body not decoded
};

class TreeBuilder {
 public:
  TreeBuilder(const ParseLimits& limits, std::vector<std::string>* warnings, int depth_used, TreeDetail detail)
      : limits_(limits), warnings_(warnings), depth_used_(depth_used), detail_(detail) {}

  Status Convert(const mimetic::MimeEntity& me, int depth, Entity* out, Keep keep) {
    CopyHeaders(me.header(), keep == Keep::kShape, &out->headers);
    SetMediaType(out);
    if (out->type == "multipart") return ConvertParts(me, depth, out, keep == Keep::kAll ? Keep::kAll : Keep::kShape);
    if (out->type == "message" && (out->subtype == "rfc822" || out->subtype == "global")) {
      return ConvertMessage(me, depth, out, keep);
    }
    if (keep == Keep::kAll) {
      out->body = text::DecodeTransfer(me.body(), TransferEncoding(*out));
    } else {
      out->headers_only = DecodesToEmpty(me.body(), TransferEncoding(*out));
    }
    return OkStatus();
  }

 private:
  static bool IsLeaf(const Entity& e) {
    return e.type != "multipart" && !(e.type == "message" && (e.subtype == "rfc822" || e.subtype == "global"));
  }

  // `shape_only`: only the fields SetMediaType and TransferEncoding read.
  void CopyHeaders(const mimetic::Header& header, bool shape_only, FieldList* out) {
    if (!shape_only) out->reserve(header.size());
    for (const mimetic::Field& f : header) {
      if (shape_only && !text::IEquals(f.name(), "content-type") &&
          !text::IEquals(f.name(), "content-transfer-encoding")) {
        continue;
      }
      Field field;
      field.name.assign(f.name().begin(), f.name().end());
      field.value = f.value();  // trimmed and cut in place: no second copy
      std::string_view trimmed = text::Trim(field.value);
      if (trimmed.size() > limits_.max_header_bytes) trimmed = trimmed.substr(0, limits_.max_header_bytes);
      std::size_t start = static_cast<std::size_t>(trimmed.data() - field.value.data());
      field.value.resize(start + trimmed.size());
      field.value.erase(0, start);
      out->push_back(std::move(field));
    }
  }

  Status CountPart() {
    if (++parts_ > limits_.max_parts) {
      return MakeError(ErrorCode::kLimitExceeded, "more than " + std::to_string(limits_.max_parts) + " MIME parts");
    }
    return OkStatus();
  }

  Status ConvertParts(const mimetic::MimeEntity& me, int depth, Entity* out, Keep keep) {
    if (me.body().parts().empty()) {  // boundary never matched: keep the text readable
      out->body = me.body().preamble() + me.body() + me.body().epilogue();
      return OkStatus();
    }
    for (const mimetic::MimeEntity* part : me.body().parts()) {
      if (Status s = CountPart(); !s.ok()) return s;
      out->children.emplace_back();
      if (Status s = Convert(*part, depth + 1, &out->children.back(), keep); !s.ok()) return s;
    }
    return OkStatus();
  }

  // In kReport the child of the first message/rfc822 level is the original (kOriginal), and
  // everything deeper is kShape.
  Keep ChildKeep(Keep keep) const {
    if (detail_ == TreeDetail::kFull) return Keep::kAll;
    return keep == Keep::kAll ? Keep::kOriginal : Keep::kShape;
  }

  Status ConvertMessage(const mimetic::MimeEntity& me, int depth, Entity* out, Keep keep) {
    const mimetic::MimeEntityList& parts = me.body().parts();
    if (parts.empty()) return OkStatus();
    if (Status s = CountPart(); !s.ok()) return s;
    const mimetic::MimeEntity& child = *parts.front();
    std::string cte = TransferEncoding(*out);
    Keep child_keep = ChildKeep(keep);
    if (cte == "base64" || cte == "quoted-printable") return ReparseEncoded(child, cte, depth, child_keep, out);
    out->children.emplace_back();
    Entity& c = out->children.back();
    if (Status s = Convert(child, depth + 1, &c, child_keep); !s.ok()) return s;
    if (child_keep == Keep::kAll || !IsLeaf(c)) c.headers_only = c.body.empty() && c.children.empty();
    return OkStatus();
  }

  // mimetic does not decode an encoded message/rfc822 part: rebuild its text, decode, re-parse.
  Status ReparseEncoded(const mimetic::MimeEntity& child, const std::string& cte, int depth, Keep keep, Entity* out) {
    std::string encoded;
    for (const mimetic::Field& f : child.header()) {
      encoded.append(f.name().begin(), f.name().end());
      encoded += ": ";
      encoded += f.value();
      encoded += '\n';
    }
    if (!child.header().empty()) encoded += '\n';
    encoded += child.body();
    std::string decoded = text::DecodeTransfer(encoded, cte);
    Result<GuardedText> guarded = GuardMessage(decoded, limits_, depth_used_ + depth + 1);
    if (!guarded.ok()) return guarded.error();
    for (auto& w : guarded->warnings) warnings_->push_back(std::move(w));
    Result<Entity> inner = ParseTree(*guarded, limits_, warnings_, depth_used_ + depth + 1, detail_, keep);
    if (!inner.ok()) return inner.error();
    out->children.push_back(std::move(inner.value()));
    Entity& c = out->children.back();
    if (keep == Keep::kAll || !IsLeaf(c)) c.headers_only = c.body.empty() && c.children.empty();
    return OkStatus();
  }

 public:
  static Result<Entity> ParseTree(const GuardedText& guarded, const ParseLimits& limits,
                                  std::vector<std::string>* warnings, int depth_used, TreeDetail detail, Keep keep);

 private:
  const ParseLimits& limits_;
  std::vector<std::string>* warnings_;
  int depth_used_;
  TreeDetail detail_;
  int parts_ = 0;
};

Result<Entity> TreeBuilder::ParseTree(const GuardedText& guarded, const ParseLimits& limits,
                                      std::vector<std::string>* warnings, int depth_used, TreeDetail detail,
                                      Keep keep) {
  // mimetic throws (std::length_error on some closing boundaries, std::bad_alloc): every
  // exception stops here and becomes a malformed-input error.
  try {
    mimetic::MimeEntity me;
    const std::string& text = guarded.text;
    if (guarded.delimiters_at_line_starts) {
      me.load(text.data(), text.data() + text.size());  // ~2.5x faster than the istream path
    } else {
      MemoryBuffer buffer(text);
      std::istream in(&buffer);
      me.load(in);
    }
    Entity root;
    Status s = TreeBuilder(limits, warnings, depth_used, detail).Convert(me, 0, &root, keep);
    if (!s.ok()) return s.error();
    return root;
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kMalformed, std::string("MIME parser failed: ") + e.what());
  } catch (...) {
    return MakeError(ErrorCode::kMalformed, "MIME parser failed with an unknown exception");
  }
}

}  // namespace

const std::string* FindField(const FieldList& fields, std::string_view name) {
  for (const Field& f : fields) {
    if (text::IEquals(f.name, name)) return &f.value;
  }
  return nullptr;
}

std::vector<std::string> FindAll(const FieldList& fields, std::string_view name) {
  std::vector<std::string> out;
  for (const Field& f : fields) {
    if (text::IEquals(f.name, name)) out.push_back(f.value);
  }
  return out;
}

std::string Entity::ContentTypeParam(std::string_view name) const {
  const std::string* ct = FindField(headers, "content-type");
  return ct ? ParamValue(*ct, name) : std::string();
}

Result<Entity> ParseMimeTree(const GuardedText& guarded, const ParseLimits& limits,
                             std::vector<std::string>* warnings, int depth_used, TreeDetail detail) {
  return TreeBuilder::ParseTree(guarded, limits, warnings, depth_used, detail, Keep::kAll);
}

std::size_t ParseFieldBlock(std::string_view text, std::size_t max_fields, std::size_t max_value,
                            FieldList* out) {
  std::size_t pos = 0;
  std::size_t count = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (text::Trim(line).empty()) {
      if (count > 0 || !out->empty()) return pos;
      continue;  // leading blank lines
    }
    if ((line[0] == ' ' || line[0] == '\t') && !out->empty()) {
      std::string& v = out->back().value;
      if (v.size() < max_value) {
        if (!v.empty()) v += ' ';
        v.append(text::Trim(line));
        if (v.size() > max_value) v.resize(max_value);
      }
      continue;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || count >= max_fields) continue;
    std::string_view name = text::Trim(line.substr(0, colon));
    if (name.find(' ') != std::string_view::npos) continue;
    std::string_view value = text::Trim(line.substr(colon + 1));
    if (value.size() > max_value) value = value.substr(0, max_value);
    out->push_back(Field{std::string(name), std::string(value)});
    ++count;
  }
  return pos;
}

std::vector<FieldList> ParseFieldBlocks(std::string_view text, std::size_t max_fields, std::size_t max_value) {
  std::vector<FieldList> blocks;
  std::size_t pos = 0;
  while (pos < text.size() && blocks.size() < max_fields) {
    FieldList block;
    std::size_t used = ParseFieldBlock(text.substr(pos), max_fields, max_value, &block);
    if (used == 0) break;
    pos += used;
    if (!block.empty()) blocks.push_back(std::move(block));
  }
  return blocks;
}

}  // namespace fbl
