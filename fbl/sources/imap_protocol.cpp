#include "fbl/sources/imap_protocol.h"

#include <openssl/evp.h>

#include <algorithm>
#include <charconv>

namespace fbl::imap {

namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

template <typename T>
std::optional<T> Number(std::string_view s) {
  T v{};
  if (s.empty()) return std::nullopt;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

Capabilities ParseCapabilities(std::string_view list) {
  Capabilities c;
  c.known = true;
  std::size_t pos = 0;
  while (pos < list.size()) {
    std::size_t end = list.find(' ', pos);
    if (end == std::string_view::npos) end = list.size();
    std::string cap = Upper(list.substr(pos, end - pos));
    pos = end + 1;
    if (cap == "IMAP4REV1") c.imap4rev1 = true;
    if (cap == "STARTTLS") c.starttls = true;
    if (cap == "LOGINDISABLED") c.login_disabled = true;
    if (cap == "AUTH=PLAIN") c.auth_plain = true;
    if (cap == "SASL-IR") c.sasl_ir = true;
    if (cap == "IDLE") c.idle = true;
    if (cap == "MOVE") c.move = true;
    if (cap == "UIDPLUS") c.uidplus = true;
    if (cap == "LITERAL+") c.literal_plus = true;
    if (cap == "NAMESPACE") c.namespace_ = true;
  }
  return c;
}

bool UpdateCapabilities(const Response& r, Capabilities* caps) {
  if (r.is_status() && r.code == "CAPABILITY") {
    *caps = ParseCapabilities(r.code_args);
    return true;
  }
  if (r.kind == Response::Kind::kUntagged && r.name == "CAPABILITY") {
    std::string joined;
    for (const Value& v : r.data) joined += v.text + " ";
    *caps = ParseCapabilities(joined);
    return true;
  }
  return false;
}

Result<std::string> Quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u == 0 || c == '\r' || c == '\n' || u >= 0x80) {
      return MakeError(ErrorCode::kInvalidArgument, "needs a literal (CR, LF, NUL or 8-bit byte)");
    }
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string SaslPlain(std::string_view user, std::string_view password) {
  std::string raw;
  raw.push_back('\0');
  raw.append(user);
  raw.push_back('\0');
  raw.append(password);
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()),
                          static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string UidSet(std::vector<std::uint32_t> uids) {
  std::sort(uids.begin(), uids.end());
  uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
  std::string out;
  for (std::size_t i = 0; i < uids.size();) {
    std::size_t j = i;
    while (j + 1 < uids.size() && uids[j + 1] == uids[j] + 1) ++j;
    if (!out.empty()) out.push_back(',');
    out += std::to_string(uids[i]);
    if (j > i) out += ":" + std::to_string(uids[j]);
    i = j + 1;
  }
  return out;
}

Result<std::optional<FetchItem>> ParseFetch(Response&& r) {
  if (r.kind != Response::Kind::kUntagged || r.name != "FETCH" || !r.number) {
    return std::optional<FetchItem>();
  }
  if (r.data.size() != 1 || !r.data[0].is_list() || r.data[0].items.size() % 2 != 0) {
    return MakeError(ErrorCode::kMalformed, "FETCH without an attribute list");
  }
  FetchItem item;
  item.seq = *r.number;
  std::vector<Value>& attrs = r.data[0].items;
  for (std::size_t i = 0; i < attrs.size(); i += 2) {
    Value& key = attrs[i];
    Value& value = attrs[i + 1];
    if (key.IsAtom("UID")) {
      item.uid = Number<std::uint32_t>(value.text);
      if (!item.uid || *item.uid == 0) return MakeError(ErrorCode::kMalformed, "bad UID in FETCH");
    } else if (key.IsAtom("RFC822.SIZE")) {
      item.size = Number<std::uint64_t>(value.text);
      if (!item.size) return MakeError(ErrorCode::kMalformed, "bad RFC822.SIZE in FETCH");
    } else if (key.IsAtom("BODY[]") || key.IsAtom("BINARY[]")) {
      // NIL: the server no longer has the content (Dovecot answers so for a message another
      // session expunged meanwhile); the item comes back without a body.
      if (value.is_nil()) continue;
      if (value.type != Value::Type::kString) {
        return MakeError(ErrorCode::kMalformed, "BODY[] is not a string");
      }
      item.body = std::move(value.text);
    }
  }
  return std::optional<FetchItem>(std::move(item));
}

void UpdateSelectInfo(const Response& r, SelectInfo* info) {
  if (r.kind != Response::Kind::kUntagged) return;
  if (r.name == "EXISTS" && r.number) info->exists = *r.number;
  if (r.name == "OK" && r.code == "UIDVALIDITY") {
    info->uidvalidity = Number<std::uint32_t>(r.code_args).value_or(0);
  }
  if (r.name == "OK" && r.code == "UIDNEXT") {
    info->uidnext = Number<std::uint32_t>(r.code_args).value_or(0);
  }
}

bool ListEntry::HasFlag(std::string_view upper) const {
  return std::any_of(flags.begin(), flags.end(),
                     [&](const std::string& f) { return Upper(f) == upper; });
}

Result<std::optional<ListEntry>> ParseList(const Response& r) {
  if (r.kind != Response::Kind::kUntagged || (r.name != "LIST" && r.name != "LSUB")) {
    return std::optional<ListEntry>();
  }
  if (r.data.size() != 3 || !r.data[0].is_list()) {
    return MakeError(ErrorCode::kMalformed, "LIST response with a wrong shape");
  }
  ListEntry e;
  for (const Value& f : r.data[0].items) e.flags.push_back(f.text);
  if (!r.data[1].is_nil()) {
    if (r.data[1].text.size() != 1) return MakeError(ErrorCode::kMalformed, "bad separator");
    e.separator = r.data[1].text[0];
  }
  e.name = r.data[2].text;
  return std::optional<ListEntry>(std::move(e));
}

std::optional<std::string> PersonalNamespacePrefix(const Response& r) {
  if (r.kind != Response::Kind::kUntagged || r.name != "NAMESPACE" || r.data.empty()) {
    return std::nullopt;
  }
  const Value& personal = r.data[0];
  if (!personal.is_list() || personal.items.empty() || !personal.items[0].is_list() ||
      personal.items[0].items.empty()) {
    return std::string();
  }
  return personal.items[0].items[0].text;
}

std::string FolderName(std::string_view prefix, std::optional<char> separator,
                       std::string_view parent, std::string_view name) {
  std::string out(prefix);
  if (!parent.empty()) {
    out += parent;
    if (separator) out.push_back(*separator);
  }
  out += name;
  return out;
}

}  // namespace fbl::imap
