#include "parsers/report.h"

#include <strings.h>

#include <cstring>

namespace fbl {

const char* ReportKindName(ReportKind kind) {
  switch (kind) {
    case ReportKind::kFeedback: return "feedback";
    case ReportKind::kBounce: return "bounce";
    case ReportKind::kDmarcAggregate: return "dmarc-aggregate";
    case ReportKind::kAutoReply: return "auto-reply";
    case ReportKind::kUnknown: return "unknown";
    case ReportKind::kMalformed: return "malformed";
  }
  return "unknown";
}

const char* FeedbackTypeName(FeedbackType type) {
  switch (type) {
    case FeedbackType::kAbuse: return "abuse";
    case FeedbackType::kFraud: return "fraud";
    case FeedbackType::kVirus: return "virus";
    case FeedbackType::kOther: return "other";
    case FeedbackType::kNotSpam: return "not-spam";
    case FeedbackType::kAuthFailure: return "auth-failure";
    case FeedbackType::kOptOut: return "opt-out";
  }
  return "other";
}

const char* BounceClassName(BounceClass klass) {
  switch (klass) {
    case BounceClass::kHard: return "hard";
    case BounceClass::kSoft: return "soft";
    case BounceClass::kUnknown: return "unknown";
  }
  return "unknown";
}

FeedbackType ParseFeedbackType(std::string_view text) {
  struct Name {
    const char* text;
    FeedbackType type;
  };
  static const Name kNames[] = {
      {"abuse", FeedbackType::kAbuse},          {"fraud", FeedbackType::kFraud},
      {"virus", FeedbackType::kVirus},          {"other", FeedbackType::kOther},
      {"not-spam", FeedbackType::kNotSpam},     {"auth-failure", FeedbackType::kAuthFailure},
      {"opt-out", FeedbackType::kOptOut},       {"opt-out-list", FeedbackType::kOptOut},
      {"dkim", FeedbackType::kAuthFailure},
  };
  for (const auto& n : kNames) {
    if (text.size() == std::strlen(n.text) &&
        strncasecmp(text.data(), n.text, text.size()) == 0) {
      return n.type;
    }
  }
  return FeedbackType::kOther;
}

}  // namespace fbl
