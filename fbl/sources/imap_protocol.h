// Pure IMAP client logic: building commands and reading what the server answered, as values.
// The session (imap_client.h) only moves bytes; everything decidable without a socket is here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fbl/sources/imap_parser.h"
#include "parsers/result.h"

namespace fbl::imap {

struct Capabilities {
  bool imap4rev1 = false;
  bool starttls = false;
  bool login_disabled = false;
  bool auth_plain = false;
  bool sasl_ir = false;
  bool idle = false;
  bool move = false;
  bool uidplus = false;
  bool literal_plus = false;
  bool namespace_ = false;
  bool known = false;  // a capability list was seen
};

// From "IMAP4rev1 IDLE AUTH=PLAIN ..." (a [CAPABILITY ...] code) or a CAPABILITY response.
Capabilities ParseCapabilities(std::string_view space_separated);
// Updates *caps from a response when it carries a capability list; true iff it did.
bool UpdateCapabilities(const Response& r, Capabilities* caps);

// A mailbox name or user name as an IMAP quoted string. kInvalidArgument for CR, LF, NUL or
// bytes outside 7-bit ASCII (those need a literal, which callers avoid).
Result<std::string> Quote(std::string_view text);

// The SASL PLAIN initial response: base64("\0user\0password").
std::string SaslPlain(std::string_view user, std::string_view password);

// A UID set in IMAP syntax, e.g. {1,2,3,7,9,10} -> "1:3,7,9:10". REQUIRES: non-empty.
std::string UidSet(std::vector<std::uint32_t> uids);

struct FetchItem {
  std::uint32_t seq = 0;
  std::optional<std::uint32_t> uid;
  std::optional<std::uint64_t> size;  // RFC822.SIZE
  std::optional<std::string> body;    // BODY[] (BODY.PEEK[] answers as BODY[]); absent for NIL
};
// Reads a "* n FETCH (...)" response. nullopt for other responses; kMalformed for a FETCH
// whose attribute list is broken.
Result<std::optional<FetchItem>> ParseFetch(Response&& r);

// SELECT / EXAMINE outcome; fields stay 0 when the server did not send them.
struct SelectInfo {
  std::uint32_t exists = 0;
  std::uint32_t uidvalidity = 0;
  std::uint32_t uidnext = 0;
};
void UpdateSelectInfo(const Response& r, SelectInfo* info);

struct ListEntry {
  std::vector<std::string> flags;  // as sent, e.g. "\HasNoChildren"
  std::optional<char> separator;   // nullopt: flat (NIL)
  std::string name;
  bool HasFlag(std::string_view upper) const;
};
// Reads a "* LIST (...) sep name" response; nullopt for other responses.
Result<std::optional<ListEntry>> ParseList(const Response& r);

// The prefix of the first personal namespace from a NAMESPACE response ("" when none), e.g.
// (("INBOX." ".")) -> "INBOX.".
std::optional<std::string> PersonalNamespacePrefix(const Response& r);

// The full name of one of our folders: namespace prefix, then `parent` and `name` joined by
// the hierarchy separator. A flat server (no separator) gets prefix + name.
std::string FolderName(std::string_view prefix, std::optional<char> separator,
                       std::string_view parent, std::string_view name);

}  // namespace fbl::imap
