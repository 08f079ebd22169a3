// Gauges that only the database knows: suppressions by reason, outbox depth and age, held
// accounts, per-client complaint rates over 1d and 7d, and the busiest accounts. StoreGauges
// reads them on demand (Refresh, pure apart from the Store); StoreGaugesRunner calls Refresh
// every `interval` on a thread of its own, with a Store connection of its own, so that slow
// reads never stall the daemon's io_context.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "fbl/metrics/metrics.h"
#include "store/store.h"

namespace fbl {

struct StoreGaugesOptions {
  std::chrono::seconds interval{30};  // [1 s, 1 h] between refreshes
  int top_accounts = 10;              // [1, 100] ranks of fbl_top_account_sent_1h
};

// Start of the complaint-rate window `days` wide at `now`: 00:00 UTC `days` days ago, so the
// window holds `days` whole days plus today so far (sent counts are kept per UTC day).
UnixTime ComplaintWindowStart(UnixTime now, int days);

class StoreGauges {
 public:
  using Clock = std::function<UnixTime()>;
  // REQUIRES: store and metrics outlive this object; store is used only from Refresh's thread.
  StoreGauges(Store* store, Metrics* metrics, StoreGaugesOptions options, Clock clock);

  // Reads every gauge once. A failed read leaves that gauge at its last value, counts
  // fbl_store_gauges_errors_total and is returned (the first one); the other reads still run.
  Status Refresh();

 private:
  Status RefreshSuppressions(UnixTime now);
  Status RefreshOutbox(UnixTime now);
  Status RefreshHeld();
  Status RefreshClients(UnixTime now, int days, std::string_view window);
  Status RefreshTopAccounts(UnixTime now);

  Store* store_;
  Metrics* metrics_;
  StoreGaugesOptions options_;
  Clock clock_;
  // Complaint-rate children by window and client, to remove the ones that lost their volume.
  std::map<std::string, std::map<std::string, prometheus::Gauge*>, std::less<>> rate_children_;
};

class StoreGaugesRunner {
 public:
  // Refreshes at once, then every options.interval, until destroyed or Stop().
  StoreGaugesRunner(Store* store, Metrics* metrics, StoreGaugesOptions options,
                    StoreGauges::Clock clock);
  ~StoreGaugesRunner();
  StoreGaugesRunner(const StoreGaugesRunner&) = delete;
  StoreGaugesRunner& operator=(const StoreGaugesRunner&) = delete;

  // Returns once the thread has finished its current refresh and exited. Idempotent.
  void Stop();
  // Wakes the thread for an immediate refresh (e.g. after SIGHUP or in a test).
  void RefreshNow();
  // Completed refreshes so far (for tests and /readyz).
  std::uint64_t refreshes() const;

 private:
  void Run();

  StoreGauges gauges_;
  std::chrono::seconds interval_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool wake_ = false;
  std::uint64_t refreshes_ = 0;
  std::thread thread_;
};

}  // namespace fbl
