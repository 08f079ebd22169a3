// Several fbld instances on one mailbox: a message fetched by one after another expunged it.
// Dovecot then answers BODY[] NIL; that is an item without a body (the message is gone, the
// other instance handled it), not a malformed response that would end the session.
#include <gtest/gtest.h>

#include "fbl/sources/imap_parser.h"
#include "fbl/sources/imap_protocol.h"

namespace fbl::imap {
namespace {

Result<std::optional<FetchItem>> Fetch(const std::string& wire) {
  ResponseParser parser;
  parser.Feed(wire);
  auto r = parser.Next();
  if (!r.has_value()) return MakeError(ErrorCode::kInternal, "incomplete");
  if (!r->ok()) return r->error();
  return ParseFetch(std::move(**r));
}

TEST(ImapFetchExpunged, BodyNilOfAMessageExpungedElsewhereIsAnItemWithoutABody) {
  auto item = Fetch("* 7 FETCH (UID 42 BODY[] NIL)\r\n");
  ASSERT_TRUE(item.ok()) << item.error().ToString();
  ASSERT_TRUE(item->has_value());
  EXPECT_EQ((*item)->uid, 42u);
  EXPECT_FALSE((*item)->body.has_value());
}

TEST(ImapFetchExpunged, BodyThatIsAnAtomOrAListIsStillMalformed) {
  for (std::string body : {"HELLO", "(1 2)"}) {
    SCOPED_TRACE(body);
    auto item = Fetch("* 7 FETCH (UID 42 BODY[] " + body + ")\r\n");
    ASSERT_FALSE(item.ok());
    EXPECT_EQ(item.error().code, ErrorCode::kMalformed);
  }
}

TEST(ImapFetchExpunged, ABodyStillPresentIsKept) {
  auto item = Fetch("* 7 FETCH (UID 42 BODY[] {5}\r\nhello)\r\n");
  ASSERT_TRUE(item.ok()) << item.error().ToString();
  ASSERT_TRUE(item->has_value());
  EXPECT_EQ((*item)->body, "hello");
}

}  // namespace
}  // namespace fbl::imap
