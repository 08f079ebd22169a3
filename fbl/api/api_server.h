// The HTTP/1.1 server of the API (Boost.Beast). It runs options.threads I/O threads, each with
// its own io_context and its own Store (SQLite: one connection per thread); a connection stays
// on the thread it was handed to at accept (round robin). The session reads a request, routes
// it (handlers.h), and answers a quick one (api::IsQuick: point reads, refusals) on its own
// thread; any other goes to one of options.workers worker threads (each with its own Store),
// whose answer is posted back to the connection's thread to be written. With workers = 0
// every request is answered on its I/O thread.
//
// Limits: options.max_connections (beyond it a new connection gets 503 and is closed), header
// and body size (431 / 413), idle_timeout_ms between requests and read_timeout_ms for a request
// once its first byte arrived, until its answer is written (then the connection is closed).
#pragma once

#include <functional>
#include <memory>

#include "fbl/api/api_options.h"
#include "fbl/metrics/metrics.h"
#include "parsers/result.h"
#include "store/store.h"
#include "store/store_options.h"

namespace fbl {

class ApiServer {
 public:
  using StoreFactory = std::function<Result<std::unique_ptr<Store>>()>;

  // `metrics` may be null (then /metrics answers 503); it must outlive the server. The stores
  // are opened by OpenStore(store_options); on SQLite each thread's connection is tuned by
  // options.db_cache_kib and options.db_mmap_bytes and used without SQLite's per-call mutex.
  ApiServer(const ApiOptions& options, const StoreOptions& store_options, Metrics* metrics);
  // Same, with the stores made by `factory` instead of OpenSqliteStore(store_options).
  ApiServer(const ApiOptions& options, const StoreOptions& store_options, Metrics* metrics,
            StoreFactory factory);
  ~ApiServer();  // Stop()
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Opens the stores, binds options.listen (port 0: an ephemeral port) and starts the threads.
  // kInvalidArgument for a bad listen address, kIo when binding fails, the store's error when
  // a store cannot be opened. REQUIRES: not started.
  Status Start();
  // The bound port. REQUIRES: Start() succeeded.
  int port() const;
  // Closes the listener and every connection, joins the threads. Idempotent.
  void Stop();
  // Connections currently open (tests, metrics).
  int connections() const;

  struct Impl;  // opaque (api_server.cpp)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace fbl
