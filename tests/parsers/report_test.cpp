#include "parsers/report.h"

#include <gtest/gtest.h>

namespace fbl {
namespace {

TEST(FeedbackTypeTest, NamesRoundTripThroughTheParser) {
  for (FeedbackType t : {FeedbackType::kAbuse, FeedbackType::kFraud, FeedbackType::kVirus,
                         FeedbackType::kOther, FeedbackType::kNotSpam, FeedbackType::kAuthFailure,
                         FeedbackType::kOptOut}) {
    EXPECT_EQ(ParseFeedbackType(FeedbackTypeName(t)), t);
  }
}

TEST(FeedbackTypeTest, ParsingIsCaseInsensitive) {
  EXPECT_EQ(ParseFeedbackType("Not-Spam"), FeedbackType::kNotSpam);
  EXPECT_EQ(ParseFeedbackType("ABUSE"), FeedbackType::kAbuse);
}

TEST(FeedbackTypeTest, UnknownTypesAreOther) {
  EXPECT_EQ(ParseFeedbackType("x-new-type"), FeedbackType::kOther);
  EXPECT_EQ(ParseFeedbackType(""), FeedbackType::kOther);
}

}  // namespace
}  // namespace fbl
