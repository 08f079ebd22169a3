#include "fbl/sources/imap_parser.h"

#include <gtest/gtest.h>

namespace fbl::imap {
namespace {

// A session transcript with every response shape the client meets (Dovecot's, mostly).
const char kTranscript[] =
    "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS "
    "AUTH=PLAIN AUTH=LOGIN] Dovecot (Debian) ready.\r\n"
    "* CAPABILITY IMAP4rev1 SASL-IR IDLE MOVE UIDPLUS LITERAL+\r\n"
    "a1 OK [CAPABILITY IMAP4rev1 MOVE] Logged in\r\n"
    "* LIST (\\Noselect) \".\" \"\"\r\n"
    "* LIST (\\HasNoChildren) NIL INBOX\r\n"
    "* LIST (\\HasChildren \\Marked) \"/\" {11}\r\nfolder\"a\\b)\r\n"
    "* NAMESPACE ((\"\" \".\")) NIL ((\"#shared.\" \".\"))\r\n"
    "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
    "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags permitted.\r\n"
    "* 3 EXISTS\r\n"
    "* 0 RECENT\r\n"
    "* OK [UIDVALIDITY 1764355200] UIDs valid\r\n"
    "* OK [UIDNEXT 4] Predicted next UID\r\n"
    "a2 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).\r\n"
    "* 1 FETCH (UID 7 RFC822.SIZE 12)\r\n"
    "* 2 FETCH (UID 8 RFC822.SIZE 5 BODY[] {5}\r\nab\r\nc)\r\n"
    "* 3 FETCH (UID 9 BODY[] ~{4}\r\n\0\1\2\3 FLAGS (\\Seen))\r\n"
    "* 4 FETCH (UID 10 BODY[HEADER.FIELDS (FROM TO)] {0}\r\n)\r\n"
    "a3 NO [TRYCREATE] Mailbox doesn't exist: \"Processed\"\r\n"
    "+ idling\r\n"
    "+\r\n"
    "* 5 EXPUNGE\r\n"
    "* SEARCH 1 2 \"quoted \\\"q\\\" \\\\\"\r\n"
    "* BYE Server shutting down.\r\n";

std::string Transcript() { return std::string(kTranscript, sizeof(kTranscript) - 1); }

std::vector<Response> ParseAll(const std::vector<std::string_view>& pieces,
                               Error* error = nullptr, ParserLimits limits = {}) {
  ResponseParser parser(limits);
  std::vector<Response> out;
  for (std::string_view piece : pieces) {
    parser.Feed(piece);
    while (auto r = parser.Next()) {
      if (!r->ok()) {
        if (error) *error = r->error();
        return out;
      }
      out.push_back(std::move(*r).value());
    }
  }
  return out;
}

// A printable rendering of everything the parser found, to compare two parses.
std::string Render(const Value& v) {
  switch (v.type) {
    case Value::Type::kNil: return "NIL";
    case Value::Type::kAtom: return "A:" + v.text;
    case Value::Type::kString: return "S:" + std::to_string(v.text.size()) + ":" + v.text;
    case Value::Type::kList: {
      std::string out = "(";
      for (const Value& i : v.items) out += Render(i) + " ";
      return out + ")";
    }
  }
  return "";
}

std::string Render(const std::vector<Response>& rs) {
  std::string out;
  for (const Response& r : rs) {
    out += std::to_string(static_cast<int>(r.kind)) + "|" + r.tag + "|" +
           (r.number ? std::to_string(*r.number) : "-") + "|" + r.name + "|" + r.code + "|" +
           r.code_args + "|" + r.text + "|";
    for (const Value& v : r.data) out += Render(v) + " ";
    out += "\n";
  }
  return out;
}

TEST(ImapParserTest, TranscriptParsesIntoEveryResponse) {
  std::string t = Transcript();
  Error error;
  std::vector<Response> rs = ParseAll({t}, &error);
  ASSERT_EQ(rs.size(), 24u) << error.ToString();

  EXPECT_EQ(rs[0].name, "OK");
  EXPECT_EQ(rs[0].code, "CAPABILITY");
  EXPECT_NE(rs[0].code_args.find("AUTH=PLAIN"), std::string::npos);
  EXPECT_EQ(rs[0].text, "Dovecot (Debian) ready.");

  EXPECT_EQ(rs[1].name, "CAPABILITY");
  ASSERT_EQ(rs[1].data.size(), 6u);
  EXPECT_TRUE(rs[1].data[4].IsAtom("UIDPLUS"));

  EXPECT_EQ(rs[2].kind, Response::Kind::kTagged);
  EXPECT_EQ(rs[2].tag, "a1");

  ASSERT_EQ(rs[3].data.size(), 3u);
  EXPECT_EQ(rs[3].data[1].str(), ".");
  EXPECT_EQ(rs[3].data[2].type, Value::Type::kString);
  EXPECT_EQ(rs[3].data[2].str(), "");
  EXPECT_TRUE(rs[4].data[1].is_nil());
  EXPECT_TRUE(rs[4].data[2].IsAtom("INBOX"));
  EXPECT_EQ(rs[5].data[2].str(), "folder\"a\\b)");
  EXPECT_EQ(rs[5].data[0].items.size(), 2u);

  ASSERT_EQ(rs[6].data.size(), 3u);
  EXPECT_EQ(rs[6].data[0].items[0].items[1].str(), ".");
  EXPECT_TRUE(rs[6].data[1].is_nil());

  EXPECT_EQ(rs[9].number, 3u);
  EXPECT_EQ(rs[9].name, "EXISTS");
  EXPECT_EQ(rs[11].code, "UIDVALIDITY");
  EXPECT_EQ(rs[11].code_args, "1764355200");
  EXPECT_EQ(rs[13].code, "READ-WRITE");

  EXPECT_EQ(rs[14].name, "FETCH");
  ASSERT_EQ(rs[15].data.size(), 1u);
  const Value& fetch = rs[15].data[0];
  ASSERT_EQ(fetch.items.size(), 6u);
  EXPECT_TRUE(fetch.items[4].IsAtom("BODY[]"));
  EXPECT_EQ(fetch.items[5].str(), "ab\r\nc");
  EXPECT_EQ(rs[16].data[0].items[3].str(), std::string("\0\1\2\3", 4));
  EXPECT_TRUE(rs[17].data[0].items[2].IsAtom("BODY[HEADER.FIELDS (FROM TO)]"));
  EXPECT_EQ(rs[17].data[0].items[3].str(), "");

  EXPECT_EQ(rs[18].name, "NO");
  EXPECT_EQ(rs[18].code, "TRYCREATE");
  EXPECT_EQ(rs[19].kind, Response::Kind::kContinuation);
  EXPECT_EQ(rs[19].text, "idling");
  EXPECT_EQ(rs[20].kind, Response::Kind::kContinuation);
  EXPECT_EQ(rs[20].text, "");
  EXPECT_EQ(rs[22].data[2].str(), "quoted \"q\" \\");
  EXPECT_EQ(rs[23].name, "BYE");
}

TEST(ImapParserTest, SplittingTheStreamAtAnyByteGivesTheSameResponses) {
  std::string t = Transcript();
  std::string whole = Render(ParseAll({t}));
  for (std::size_t i = 0; i <= t.size(); ++i) {
    std::string_view v(t);
    ASSERT_EQ(Render(ParseAll({v.substr(0, i), v.substr(i)})), whole) << "split at " << i;
  }
}

TEST(ImapParserTest, FeedingOneByteAtATimeGivesTheSameResponses) {
  std::string t = Transcript();
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < t.size(); ++i) bytes.push_back(std::string_view(t).substr(i, 1));
  EXPECT_EQ(Render(ParseAll(bytes)), Render(ParseAll({t})));
}

TEST(ImapParserTest, IncompleteResponseWaitsForMoreBytes) {
  ResponseParser p;
  p.Feed("* 1 FETCH (BODY[] {10}\r\nabc");
  EXPECT_FALSE(p.Next().has_value());
  p.Feed("defghij)\r\n");
  auto r = p.Next();
  ASSERT_TRUE(r.has_value() && r->ok());
  EXPECT_EQ((*r)->data[0].items[1].str(), "abcdefghij");
  EXPECT_EQ(p.buffered(), 0u);
}

Error FirstError(std::string_view input, ParserLimits limits = {}) {
  Error e{ErrorCode::kInternal, "no error"};
  ParseAll({input}, &e, limits);
  return e;
}

TEST(ImapParserTest, LiteralOverTheLimitIsRefusedBeforeItsBytesArrive) {
  ParserLimits limits;
  limits.max_literal_bytes = 1000;
  ResponseParser p(limits);
  p.Feed("* 1 FETCH (BODY[] {1001}\r\n");
  auto r = p.Next();
  ASSERT_TRUE(r.has_value());
  ASSERT_FALSE(r->ok());
  EXPECT_EQ(r->error().code, ErrorCode::kLimitExceeded);
  p.Feed("more\r\n");
  EXPECT_FALSE(p.Next()->ok()) << "a broken stream stays broken";
}

TEST(ImapParserTest, HugeLiteralSizeIsRefused) {
  EXPECT_EQ(FirstError("* 1 FETCH (BODY[] {99999999999999999999999}\r\n").code,
            ErrorCode::kMalformed);
  EXPECT_EQ(FirstError("* 1 FETCH (BODY[] {4294967296000}\r\n").code, ErrorCode::kLimitExceeded);
}

TEST(ImapParserTest, EndlessLineIsRefusedAtTheLineLimit) {
  ParserLimits limits;
  limits.max_line_bytes = 100;
  ResponseParser p(limits);
  std::optional<Result<Response>> r;
  for (int i = 0; i < 100 && !r; ++i) {
    p.Feed("* OK xxxxxxxxxx");
    r = p.Next();
  }
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->error().code, ErrorCode::kLimitExceeded);
  EXPECT_LE(p.buffered(), 200u);
}

TEST(ImapParserTest, DeepNestingIsRefused) {
  ParserLimits limits;
  limits.max_depth = 5;
  EXPECT_EQ(FirstError("* LIST ((((((x))))))\r\n", limits).code, ErrorCode::kLimitExceeded);
  EXPECT_EQ(FirstError("* LIST (((((x)))))\r\n", limits).code, ErrorCode::kInternal);
}

TEST(ImapParserTest, TooManyItemsAreRefused) {
  ParserLimits limits;
  limits.max_items = 10;
  EXPECT_EQ(FirstError("* SEARCH 1 2 3 4 5 6 7 8 9 10 11\r\n", limits).code,
            ErrorCode::kLimitExceeded);
}

TEST(ImapParserTest, MalformedResponsesAreErrorsNotCrashes) {
  const char* bad[] = {
      "\r\n",
      "*\r\n",
      "* \r\n",
      "a1 EXISTS\r\n",
      "* 99999999999 EXISTS\r\n",
      "* LIST (\\Noselect \".\" INBOX\r\n",
      "* LIST ) INBOX\r\n",
      "* SEARCH \"unterminated\r\n",
      "* SEARCH \"bad \\q escape\"\r\n",
      "* OK [UNTERMINATED code\r\n",
      "* OK []\r\n",
      "* 1 FETCH (BODY[ x)\r\n",
      "* 1 FETCH (BODY[] {x}\r\n",
  };
  for (const char* input : bad) {
    EXPECT_EQ(FirstError(input).code, ErrorCode::kMalformed) << input;
  }
}

TEST(ImapParserTest, LiteralMarkerIsRecognisedOnlyAtTheEndOfALine) {
  auto size = LiteralAtEnd("* 1 FETCH (BODY[] {12}");
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(size->value_or(0), 12u);
  EXPECT_EQ(LiteralAtEnd("a LOGIN {5+}")->value_or(0), 5u);
  EXPECT_FALSE(LiteralAtEnd("* OK {12} later")->has_value());
  EXPECT_FALSE(LiteralAtEnd("* OK {}")->has_value());
}

TEST(ImapParserTest, BareLfLineEndingsAreAccepted) {
  std::vector<Response> rs = ParseAll({"* 2 EXISTS\na1 OK done\n"});
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[1].text, "done");
}

}  // namespace
}  // namespace fbl::imap
