// Every file of the shared corpus (../shared/corpus/set-of-emails/maildir): no crash, the ARF
// samples read right, no placeholder recipient, and the CRLF (dos/) and bare-CR (mac/) copies
// read exactly like their LF (bsd/) originals.
#include <algorithm>
#include <filesystem>
#include <map>

#include <gtest/gtest.h>

#include "parsers/parse.h"
#include "parsers/report_json.h"
#include "parsers/text_util.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

namespace fs = std::filesystem;

std::map<std::string, Report> ParseCorpus() {
  std::map<std::string, Report> out;
  fs::path root = testing::CorpusPath("maildir");
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    std::string rel = fs::relative(entry.path(), root).string();
    out.emplace(rel, ParseMessage(testing::ReadFile(entry.path()), ParseOptions{}));
  }
  return out;
}

const std::map<std::string, Report>& Corpus() {
  static const std::map<std::string, Report> corpus = ParseCorpus();
  return corpus;
}

TEST(ParseCorpus, EveryFileParsesAndMostAreRecognised) {
  FBL_REQUIRE_CORPUS();
  const auto& corpus = Corpus();
  EXPECT_GE(corpus.size(), 800u);
  int malformed = 0;
  for (const auto& [path, r] : corpus) {
    if (r.kind == ReportKind::kMalformed) ++malformed;
    EXPECT_NO_THROW(ReportToJsonLine(r, path));
  }
  EXPECT_EQ(malformed, 0);
}

TEST(ParseCorpus, ArfSamplesAreFeedbackWithAType) {
  FBL_REQUIRE_CORPUS();
  int seen = 0;
  for (const auto& [path, r] : Corpus()) {
    if (fs::path(path).filename().string().rfind("arf-", 0) != 0) continue;
    ++seen;
    EXPECT_EQ(r.kind, ReportKind::kFeedback) << path;
    EXPECT_TRUE(r.feedback_type.has_value()) << path;
  }
  EXPECT_GE(seen, 17);
}

TEST(ParseCorpus, MicrosoftAndAppleShapesReadByHand) {
  FBL_REQUIRE_CORPUS();
  const auto& c = Corpus();
  for (const char* f : {"bsd/arf-22.eml", "bsd/arf-23.eml", "bsd/arf-24.eml"}) {
    const Report& r = c.at(f);
    EXPECT_EQ(r.feedback_type, FeedbackType::kAbuse) << f;
    EXPECT_EQ(r.provider, "microsoft") << f;
    EXPECT_EQ(r.recipients, std::vector<std::string>{"kijitora@example.com"}) << f;
    EXPECT_EQ(r.source_ip, "192.0.2.222") << f;
  }
  const Report& apple = c.at("bsd/arf-26.eml");
  EXPECT_EQ(apple.feedback_type, FeedbackType::kOptOut);
  EXPECT_EQ(apple.provider, "apple");
  EXPECT_EQ(apple.recipients, std::vector<std::string>{"example@icloud.com"});
  const Report& aol = c.at("bsd/arf-01.eml");
  EXPECT_TRUE(aol.redacted);
  EXPECT_TRUE(aol.recipients.empty());
  const Report& hashed = c.at("bsd/arf-25.eml");
  EXPECT_TRUE(hashed.redacted);
  EXPECT_TRUE(hashed.recipients.empty());
}

TEST(ParseCorpus, NoPlaceholderRecipientAnywhere) {
  FBL_REQUIRE_CORPUS();
  for (const auto& [path, r] : Corpus()) {
    for (const std::string& rcpt : r.recipients) {
      EXPECT_FALSE(text::IsPlaceholderRecipient(rcpt)) << path << ": " << rcpt;
    }
  }
}

TEST(ParseCorpus, DosAndMacCopiesReadLikeBsd) {
  FBL_REQUIRE_CORPUS();
  const auto& c = Corpus();
  int compared = 0;
  for (const auto& [path, r] : c) {
    if (path.rfind("dos/", 0) != 0 && path.rfind("mac/", 0) != 0) continue;
    auto bsd = c.find("bsd/" + path.substr(4));
    if (bsd == c.end()) continue;
    ++compared;
    EXPECT_EQ(ReportToJsonLine(r, ""), ReportToJsonLine(bsd->second, "")) << path;
  }
  EXPECT_GE(compared, 100);
}

}  // namespace
}  // namespace fbl
