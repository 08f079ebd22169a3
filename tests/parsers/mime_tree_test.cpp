// The MIME tree is built with mimetic's iterator parser (the fast path) on guarded text; the
// faults that path has in Debian's mimetic 0.9.8 (recipes/DEPENDENCIES.md) must not show.
#include "parsers/mime_tree.h"

#include <string>

#include <gtest/gtest.h>

#include "parsers/mime_guard.h"

namespace fbl {
namespace {

Entity Tree(const std::string& raw) {
  ParseLimits limits;
  Result<GuardedText> guarded = GuardMessage(raw, limits);
  EXPECT_TRUE(guarded.ok());
  std::vector<std::string> warnings;
  Result<Entity> tree = ParseMimeTree(*guarded, limits, &warnings);
  EXPECT_TRUE(tree.ok()) << tree.error().ToString();
  return tree.ok() ? *tree : Entity{};
}

const std::string kHead =
    "From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"ml\"\n\n";

TEST(MimeTree, ADelimiterMidLineDoesNotSplitThePart) {
  Entity root = Tree(kHead +
                     "--ml\nContent-Type: text/plain\n\nsee --ml for details, and x--ml too.\n"
                     "--ml\nContent-Type: text/html\n\n<p>two</p>\n--ml--\n");
  ASSERT_EQ(root.children.size(), 2u);
  EXPECT_NE(root.children[0].body.find("see --ml for details, and x--ml too."), std::string::npos);
  EXPECT_EQ(root.children[1].subtype, "html");
}

TEST(MimeTree, BlanksAfterADelimiterKeepThePartHeaders) {
  Entity root = Tree(kHead + "--ml \t\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n"
                             "--ml  \nContent-Type: text/rfc822-headers\n\nSubject: x\n--ml--\n");
  ASSERT_EQ(root.children.size(), 2u);
  EXPECT_TRUE(root.children[0].Is("message", "feedback-report"));
  EXPECT_TRUE(root.children[1].Is("text", "rfc822-headers"));
}

TEST(MimeTree, PartsAndBodiesAreKeptInOrder) {
  Entity root = Tree(kHead + "preamble\n--ml\n\none\n--ml\nContent-Type: text/plain\n\ntwo\n--ml--\nepilogue\n");
  ASSERT_EQ(root.children.size(), 2u);
  EXPECT_EQ(root.children[0].body.substr(0, 3), "one");
  EXPECT_EQ(root.children[1].body.substr(0, 3), "two");
}

}  // namespace
}  // namespace fbl
