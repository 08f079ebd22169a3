// The IMAP postmaster mailbox as a source. One connection per configured mailbox, each a
// coroutine on the daemon's io_context:
//
//   connect (TLS verified) → log in → discover the hierarchy separator and namespace →
//   create Processed / Quarantine / Ignored if missing → SELECT → loop {
//     UID FETCH last+1:* (or 1:*, see below) (UID RFC822.SIZE); over-size → Quarantine unread;
//     in batches: UID FETCH (BODY.PEEK[]) → Pipeline::ProcessBatch → ONLY when it returned ok:
//     UID MOVE by disposition (or COPY + \Deleted + UID EXPUNGE) → Store::SetMailboxState;
//     IDLE (renewed before 29 min) or poll }
//
// Any error (network, timeout, hostile response, store) is logged, counted in
// fbl_mailbox_errors_total, and followed by a reconnect after capped exponential backoff with
// jitter. Nothing is moved before its batch committed; reprocessing after a crash is harmless
// (the store dedupes by content hash); a changed UIDVALIDITY is stored at SELECT and the
// mailbox is rescanned from UID 1 (what was already committed is a duplicate, moved again).
//
// Several fbld instances may poll the same mailbox (one database): each takes its batches in
// a random order; a message another instance moved meanwhile (BODY[] NIL, NO [EXPUNGEISSUED])
// is not an error (one info line; the other instance committed it before moving it); a
// message fetched by two instances at once is stored once (hash) and moved by both (harmless).
// Every session's first drain, and one every rescan_interval_s, scans from UID 1, so what an
// instance that died left in INBOX below the others' last UID is taken too.
#pragma once

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>
#include <vector>

#include "fbl/sources/source_options.h"

namespace fbl {

class Metrics;
class Pipeline;
class Store;

class ImapSource {
 public:
  // REQUIRES: pipeline, store and metrics (may be null) outlive the source and are used only
  // on the io_context's thread.
  ImapSource(boost::asio::io_context& io, const ImapSourceOptions& options, Pipeline* pipeline,
             Store* store, Metrics* metrics);
  ~ImapSource();
  ImapSource(const ImapSource&) = delete;
  ImapSource& operator=(const ImapSource&) = delete;

  // Starts one connection per mailbox. A bad CA file is logged and retried like any error.
  void Start();
  // Graceful: a batch in progress finishes (its moves included), idle connections log out.
  // The coroutines end soon after; running the io_context until it is idle completes them.
  void Stop();

  // Sessions still running (tests).
  int running() const;

 private:
  struct Worker;
  ImapSourceOptions options_;  // the workers refer to this copy
  std::vector<std::shared_ptr<Worker>> workers_;
};

// The key under which a mailbox's UIDVALIDITY and last UID are stored:
// "imap://user@host/INBOX".
std::string ImapStateKey(const ImapSourceOptions& options, const std::string& mailbox);

}  // namespace fbl
