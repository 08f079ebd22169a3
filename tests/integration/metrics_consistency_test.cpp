// Every metric the dashboard and the alert rules name must exist in what fbld exposes, and
// promtool must accept the exposition. Checked twice: on the in-process registry as fbld builds
// it (primed labels + database gauges), and on a running fbld scraped over HTTP.
#include <prometheus/text_serializer.h>

#include <nlohmann/json.hpp>

#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "fbl/metrics/metrics.h"
#include "fbl/metrics/store_gauges.h"
#include "store/sqlite_store.h"
#include "tests/testing/fbld.h"
#include "tests/testing/process.h"
#include "tests/testing/test_util.h"

namespace fbl {
namespace {

namespace fs = std::filesystem;
using fbl::testing::ReadFile;

std::set<std::string> MetricNamesIn(const std::string& text) {
  static const std::regex kName(R"(\bfbl_[a-z0-9_]+)");
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kName); it != std::sregex_iterator(); ++it) {
    names.insert(it->str());
  }
  return names;
}

void CollectExprs(const nlohmann::json& node, std::string* out) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if ((key == "expr" || key == "definition") && value.is_string()) *out += value.get<std::string>() + "\n";
      CollectExprs(value, out);
    }
  } else if (node.is_array()) {
    for (const auto& v : node) CollectExprs(v, out);
  }
}

// Metric names used by dashboards/fbl.json (expressions and variables) and dashboards/alerts.yml.
std::set<std::string> NamesTheDashboardsNeed() {
  const fs::path dir = fs::path(FBL_SOURCE_DIR) / "dashboards";
  std::string exprs;
  CollectExprs(nlohmann::json::parse(ReadFile(dir / "fbl.json")), &exprs);
  std::set<std::string> names = MetricNamesIn(exprs);
  for (const auto& n : MetricNamesIn(ReadFile(dir / "alerts.yml"))) names.insert(n);
  return names;
}

// Names with at least one sample line in a text exposition.
std::set<std::string> SampleNames(const std::string& exposition) {
  std::set<std::string> names;
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    names.insert(line.substr(0, line.find_first_of("{ ")));
  }
  return names;
}

// Families that a running fbld may rightly lack (prometheus-cpp omits a family with no series):
// complaint rates need a client with counted messages, mailbox errors/connected need an [[imap]]
// source, detector alerts need configured detectors. The primed-registry test covers them.
const std::set<std::string> kDataDependent = {
    "fbl_client_complaint_rate", "fbl_client_window_complaints", "fbl_client_window_sent",
    "fbl_mailbox_connected",     "fbl_mailbox_errors_total",     "fbl_detector_alerts_total"};

void ExpectPromtoolAccepts(const std::string& exposition) {
  std::string output;
  const int rc = fbl::testing::RunCommand({"promtool", "check", "metrics"}, &output, true, exposition);
  ASSERT_NE(rc, -1) << "promtool not found: install Debian's prometheus package";
  EXPECT_EQ(rc, 0) << output;
}

TEST(MetricsConsistency, DashboardAndRulesNameAtLeastTwentyMetrics) {
  EXPECT_GE(NamesTheDashboardsNeed().size(), 20u);
}

TEST(MetricsConsistency, PrimedRegistryExposesEveryMetricTheDashboardsNeed) {
  fbl::testing::TempDir dir;
  StoreOptions options;
  options.path = (dir / "fbl.db").string();
  auto store = SqliteStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.error().ToString();
  (*store)->database().exec("INSERT INTO client_sent_daily(client_id,day,sent) VALUES('acme',20000,10)");

  Metrics metrics;
  metrics.InitKnownLabels(
      {{"acme"}, {"yahoo"}, {"maildir:/var/lib/fbl/postmaster"}, {"postmaster"}, {"burst"}});
  metrics.api_requests.Add({{"route", "/metrics"}, {"code", "200"}});  // the scrape itself
  StoreGauges gauges(store->get(), &metrics, {}, [] { return UnixTime{20000 * 86400 + 60}; });
  ASSERT_TRUE(gauges.Refresh().ok());

  const std::string exposition = prometheus::TextSerializer().Serialize(metrics.registry()->Collect());
  const std::set<std::string> exposed = SampleNames(exposition);
  for (const auto& name : NamesTheDashboardsNeed()) {
    EXPECT_EQ(exposed.count(name), 1u) << name << " is used by dashboards/ but not exposed";
  }
  ExpectPromtoolAccepts(exposition);
}

TEST(MetricsConsistency, RunningFbldExposesEveryMetricTheDashboardsNeed) {
  fbl::testing::TempDir dir;
  fbl::testing::Fbld fbld(dir.path());
  ASSERT_TRUE(fbld.Start()) << fbld.Log();
  std::string body;
  ASSERT_EQ(fbld.HttpGet("/metrics", &body), 200) << fbld.Log();
  ASSERT_EQ(fbld.HttpGet("/metrics", &body), 200);  // now the first scrape is counted too

  const std::set<std::string> exposed = SampleNames(body);
  for (const auto& name : NamesTheDashboardsNeed()) {
    if (kDataDependent.count(name) != 0) continue;
    EXPECT_EQ(exposed.count(name), 1u)
        << name << " is used by dashboards/ but fbld has no sample: fbld must call "
        << "Metrics::InitKnownLabels at start and run a StoreGaugesRunner (fbl/metrics/store_gauges.h)";
  }
  ExpectPromtoolAccepts(body);
  EXPECT_EQ(fbld.Stop(), 0) << fbld.Log();
}

}  // namespace
}  // namespace fbl
