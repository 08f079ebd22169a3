// What the pipeline counts for each message it stored, as an interface without prometheus-cpp:
// fbld's Metrics (fbl/metrics/metrics.h) implements it with its families; the pipeline only
// calls it. So a program that links the pipeline but exports no metrics (fblctl ingest passes
// none) links no prometheus-cpp either, and fblctl can carry its own libstdc++
// (fbl/CMakeLists.txt; prometheus-cpp is shared only and needs the shared libstdc++).
#pragma once

#include <string_view>

namespace fbl {

class ReportCounters {
 public:
  virtual ~ReportCounters() = default;

  // fbl_reports_total{kind,feedback_type,provider,status} + 1.
  virtual void CountReport(std::string_view kind, std::string_view feedback_type,
                           std::string_view provider, std::string_view status) = 0;
  // fbl_suppressions_added_total{reason} + 1.
  virtual void CountSuppressionAdded(std::string_view reason) = 0;
  // fbl_complaints_total{client,provider} + 1.
  virtual void CountComplaint(std::string_view client, std::string_view provider) = 0;
};

}  // namespace fbl
