#include "fbl/sources/imap_source.h"

#include "fbl/net/coro.h"  // keep first among the Boost.Asio users

#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <random>

#include "fbl/log/log.h"
#include "fbl/metrics/metrics.h"
#include "fbl/net/backoff.h"
#include "fbl/net/tls.h"
#include "fbl/pipeline/pipeline.h"
#include "fbl/sources/imap_client.h"
#include "store/store.h"

namespace fbl {

namespace asio = boost::asio;
using imap::Awaitable;
using imap::ImapClient;
using imap::Millis;

#define FBL_CO_TRY(expr)                                  \
  do {                                                    \
    Status fbl_status_ = (expr);                          \
    if (!fbl_status_.ok()) co_return fbl_status_.error(); \
  } while (0)

std::string ImapStateKey(const ImapSourceOptions& options, const std::string& mailbox) {
  return "imap://" + options.user + "@" + options.host + "/" + mailbox;
}

namespace {

struct Folders {
  std::string processed;
  std::string quarantine;
  std::string ignored;
  const std::string& For(Disposition d) const {
    switch (d) {
      case Disposition::kProcessed: return processed;
      case Disposition::kQuarantine: return quarantine;
      case Disposition::kIgnored: break;
    }
    return ignored;
  }
};

struct Pending {
  std::uint32_t uid = 0;
  std::uint64_t size = 0;
};

// One batch: the messages to download and the over-size ones to quarantine unread.
struct Batch {
  std::vector<std::uint32_t> fetch;
  std::vector<std::uint32_t> oversize;
  std::uint32_t last_uid = 0;
};

// Splits the pending messages (sorted by UID) into batches bounded by count and bytes.
std::vector<Batch> PlanBatches(const std::vector<Pending>& pending, const ImapSourceOptions& o) {
  std::vector<Batch> out;
  Batch current;
  std::uint64_t bytes = 0;
  for (const Pending& p : pending) {
    bool too_big = p.size > o.max_message_bytes;
    bool full = current.fetch.size() + current.oversize.size() >=
                    static_cast<std::size_t>(o.batch_size) ||
                (!too_big && !current.fetch.empty() && bytes + p.size > o.max_batch_bytes);
    if (full) {
      out.push_back(std::move(current));
      current = Batch();
      bytes = 0;
    }
    (too_big ? current.oversize : current.fetch).push_back(p.uid);
    if (!too_big) bytes += p.size;
    current.last_uid = p.uid;
  }
  if (current.last_uid != 0) out.push_back(std::move(current));
  return out;
}

// Another session (another fbld instance on the same mailbox) expunged messages this command
// names: RFC 5530 EXPUNGEISSUED. The other instance moved them after its commit, so for us
// there is nothing left to do with them.
bool GoneElsewhere(const imap::Response& r) { return r.name == "NO" && r.code == "EXPUNGEISSUED"; }

}  // namespace

struct ImapSource::Worker : std::enable_shared_from_this<ImapSource::Worker> {
  Worker(asio::io_context& io, const ImapSourceOptions& options, std::string mailbox,
         Pipeline* pipeline, Store* store, Metrics* metrics)
      : io_(io),
        options_(options),
        mailbox_(std::move(mailbox)),
        pipeline_(pipeline),
        store_(store),
        metrics_(metrics),
        label_(options.name + "/" + mailbox_),
        source_("imap:" + options.user + "@" + options.host + "/" + mailbox_),
        state_key_(ImapStateKey(options, mailbox_)),
        backoff_(Millis(options.reconnect_min_ms), Millis(options.reconnect_max_ms)),
        timer_(io) {}

  static Awaitable<void> Run(std::shared_ptr<Worker> self);
  Awaitable<Status> Session();
  Awaitable<Status> OpenClient(ImapClient& client);
  Awaitable<Status> PrepareFolders(ImapClient& client, Folders* folders);
  Awaitable<Status> EnsureFolder(ImapClient& client, const std::string& name);
  Awaitable<Status> Select(ImapClient& client, MailboxState* state);
  Awaitable<Status> Drain(ImapClient& client, const Folders& folders, MailboxState* state);
  Awaitable<Status> ProcessOne(ImapClient& client, const Folders& folders, const Batch& batch);
  Awaitable<Status> Move(ImapClient& client, const std::vector<std::uint32_t>& uids,
                         const std::string& folder);
  Awaitable<Status> WaitForMail(ImapClient& client);
  Awaitable<Status> CommandOnMessages(ImapClient& client, std::string command, Millis timeout,
                                      std::string_view what,
                                      const ImapClient::UntaggedHandler& on_untagged = {});
  std::vector<std::size_t> RandomOrder(std::size_t n);
  Millis UntilRescan() const;
  Awaitable<void> Sleep(Millis d);
  void Stop();
  void SetConnected(bool up);
  void CountError();
  void MarkPolled();
  Millis CommandTimeout() const { return Millis(options_.command_timeout_ms); }

  asio::io_context& io_;
  ImapSourceOptions options_;
  std::string mailbox_;
  Pipeline* pipeline_;
  Store* store_;
  Metrics* metrics_;
  std::string label_;
  std::string source_;
  std::string state_key_;
  Backoff backoff_;
  asio::steady_timer timer_;
  ImapClient* active_ = nullptr;
  bool busy_ = false;  // a batch is being processed and moved: Stop lets it finish
  bool stopping_ = false;
  bool running_ = false;
  // The next drain scans from UID 1 once this passes (set to "now" at every SELECT).
  std::chrono::steady_clock::time_point next_rescan_{};
  std::minstd_rand rng_{std::random_device{}()};
};

Awaitable<void> ImapSource::Worker::Run(std::shared_ptr<Worker> self) {
  self->running_ = true;
  while (!self->stopping_) {
    Status s = co_await self->Session();
    self->SetConnected(false);
    if (self->stopping_) break;
    self->CountError();
    Millis delay = self->backoff_.Next();
    Log(LogLevel::kError, "imap", "mailbox session failed; reconnecting",
        {{"mailbox", self->label_},
         {"error", s.ok() ? "session ended" : s.error().ToString()},
         {"retry_ms", std::to_string(delay.count())}});
    co_await self->Sleep(delay);
  }
  self->running_ = false;
  Log(LogLevel::kInfo, "imap", "mailbox source stopped", {{"mailbox", self->label_}});
}

Awaitable<Status> ImapSource::Worker::Session() {
  auto tls = net::MakeTlsClientContext({options_.ca_file, options_.insecure_skip_verify});
  if (!tls.ok()) co_return tls.error();
  ImapClient client(io_.get_executor(), options_, *tls);
  active_ = &client;
  struct Reset {
    ImapClient** p;
    ~Reset() { *p = nullptr; }
  } reset{&active_};
  FBL_CO_TRY(co_await OpenClient(client));
  Folders folders;
  FBL_CO_TRY(co_await PrepareFolders(client, &folders));
  MailboxState state;
  FBL_CO_TRY(co_await Select(client, &state));
  next_rescan_ = std::chrono::steady_clock::now();
  SetConnected(true);
  while (!stopping_) {
    client.TakeNewMail();  // from here on, new mail is either in this drain or flagged again
    FBL_CO_TRY(co_await Drain(client, folders, &state));
    backoff_.Reset();
    MarkPolled();
    if (stopping_) break;
    // Mail announced during the drain (in the answer to a FETCH or MOVE) is not announced
    // again at IDLE: waiting would leave it in the mailbox until the next message arrives.
    if (client.TakeNewMail()) continue;
    FBL_CO_TRY(co_await WaitForMail(client));
  }
  co_await client.Logout();
  co_return OkStatus();
}

Awaitable<Status> ImapSource::Worker::OpenClient(ImapClient& client) {
  Status s = co_await client.Open();
  if (!s.ok()) co_return s;
  const imap::Capabilities& caps = client.capabilities();
  Log(LogLevel::kInfo, "imap", "connected",
      {{"mailbox", label_},
       {"move", caps.move ? "yes" : "no"},
       {"uidplus", caps.uidplus ? "yes" : "no"},
       {"idle", caps.idle ? "yes" : "no"}});
  co_return OkStatus();
}

Awaitable<Status> ImapSource::Worker::PrepareFolders(ImapClient& client, Folders* folders) {
  std::optional<char> separator;
  auto on_list = [&](imap::Response&& r) -> Status {
    auto e = imap::ParseList(r);
    if (!e.ok()) return e.error();
    if (e->has_value()) separator = (*e)->separator;
    return OkStatus();
  };
  FBL_CO_TRY(co_await client.CommandOk("LIST \"\" \"\"", CommandTimeout(), "LIST", on_list));
  std::string prefix;
  if (client.capabilities().namespace_) {
    auto on_ns = [&](imap::Response&& r) -> Status {
      if (auto p = imap::PersonalNamespacePrefix(r)) prefix = *p;
      return OkStatus();
    };
    FBL_CO_TRY(co_await client.CommandOk("NAMESPACE", CommandTimeout(), "NAMESPACE", on_ns));
  }
  folders->processed = imap::FolderName(prefix, separator, options_.folder_parent,
                                        options_.processed_folder);
  folders->quarantine = imap::FolderName(prefix, separator, options_.folder_parent,
                                         options_.quarantine_folder);
  folders->ignored =
      imap::FolderName(prefix, separator, options_.folder_parent, options_.ignored_folder);
  for (const std::string* f : {&folders->processed, &folders->quarantine, &folders->ignored}) {
    FBL_CO_TRY(co_await EnsureFolder(client, *f));
  }
  co_return OkStatus();
}

Awaitable<Status> ImapSource::Worker::EnsureFolder(ImapClient& client, const std::string& name) {
  Result<std::string> quoted = imap::Quote(name);
  if (!quoted.ok()) co_return MakeError(ErrorCode::kInvalidArgument, "folder name: " + name);
  bool exists = false;
  auto on_list = [&](imap::Response&& r) -> Status {
    auto e = imap::ParseList(r);
    if (!e.ok()) return e.error();
    if (e->has_value() && (*e)->name == name && !(*e)->HasFlag("\\NOSELECT") &&
        !(*e)->HasFlag("\\NONEXISTENT")) {
      exists = true;
    }
    return OkStatus();
  };
  FBL_CO_TRY(co_await client.CommandOk("LIST \"\" " + *quoted, CommandTimeout(), "LIST", on_list));
  if (exists) co_return OkStatus();
  Result<imap::Response> r = co_await client.Command("CREATE " + *quoted, CommandTimeout());
  if (!r.ok()) co_return r.error();
  if (r->name != "OK" && r->code != "ALREADYEXISTS") {
    co_return MakeError(ErrorCode::kConflict, "CREATE " + name + " refused: " + Sanitize(r->text, 200));
  }
  Log(LogLevel::kInfo, "imap", "folder created", {{"mailbox", label_}, {"folder", name}});
  co_return OkStatus();
}

Awaitable<Status> ImapSource::Worker::Select(ImapClient& client, MailboxState* state) {
  Result<std::string> quoted = imap::Quote(mailbox_);
  if (!quoted.ok()) co_return MakeError(ErrorCode::kInvalidArgument, "mailbox name: " + mailbox_);
  imap::SelectInfo info;
  auto on_select = [&](imap::Response&& r) -> Status {
    imap::UpdateSelectInfo(r, &info);
    return OkStatus();
  };
  FBL_CO_TRY(co_await client.CommandOk("SELECT " + *quoted, CommandTimeout(), "SELECT", on_select));
  if (info.uidvalidity == 0) co_return MakeError(ErrorCode::kMalformed, "SELECT without UIDVALIDITY");
  Result<std::optional<MailboxState>> saved = store_->GetMailboxState(state_key_);
  if (!saved.ok()) co_return saved.error();
  state->uidvalidity = info.uidvalidity;
  state->last_uid = 0;
  if (saved->has_value() && (*saved)->uidvalidity == info.uidvalidity) {
    state->last_uid = (*saved)->last_uid;
    co_return OkStatus();
  }
  if (saved->has_value()) {
    // UIDs were renumbered: rescan everything; the store's hash dedupe skips what was done.
    Log(LogLevel::kWarn, "imap", "UIDVALIDITY changed; rescanning the mailbox",
        {{"mailbox", label_},
         {"old", std::to_string((*saved)->uidvalidity)},
         {"new", std::to_string(info.uidvalidity)}});
  }
  // Remember the new UIDVALIDITY at once, even when the mailbox is empty and no batch will
  // store it: with last_uid 0 the worst case is one more harmless rescan.
  co_return store_->SetMailboxState(state_key_, *state);
}

Awaitable<Status> ImapSource::Worker::Drain(ImapClient& client, const Folders& folders,
                                            MailboxState* state) {
  // Mostly only what arrived since the last drain; now and then the whole mailbox (what is
  // still there was not moved: left by an instance that died, or a move that failed).
  const auto now = std::chrono::steady_clock::now();
  const bool rescan = now >= next_rescan_;
  if (rescan) next_rescan_ = now + std::chrono::seconds(options_.rescan_interval_s);
  std::uint32_t start = rescan ? 1 : state->last_uid + 1;
  std::vector<Pending> pending;
  auto on_fetch = [&](imap::Response&& r) -> Status {
    auto item = imap::ParseFetch(std::move(r));
    if (!item.ok()) return item.error();
    // "n:*" also answers the last message when n is above every UID: skip it.
    if (item->has_value() && (*item)->uid && *(*item)->uid >= start) {
      pending.push_back({*(*item)->uid, (*item)->size.value_or(0)});
    }
    return OkStatus();
  };
  FBL_CO_TRY(co_await client.CommandOk("UID FETCH " + std::to_string(start) + ":* (UID RFC822.SIZE)",
                                       CommandTimeout(), "UID FETCH", on_fetch));
  std::sort(pending.begin(), pending.end(),
            [](const Pending& a, const Pending& b) { return a.uid < b.uid; });
  // Batches run in a random order, but the stored last UID only moves past a batch once
  // every batch before it is done: below it, nothing is left that this session skipped.
  std::vector<Batch> batches = PlanBatches(pending, options_);
  std::vector<bool> done(batches.size(), false);
  std::size_t done_prefix = 0;
  for (std::size_t i : RandomOrder(batches.size())) {
    FBL_CO_TRY(co_await ProcessOne(client, folders, batches[i]));
    done[i] = true;
    while (done_prefix < done.size() && done[done_prefix]) ++done_prefix;
    if (done_prefix > 0) state->last_uid = std::max(state->last_uid, batches[done_prefix - 1].last_uid);
    FBL_CO_TRY(store_->SetMailboxState(state_key_, *state));
    if (stopping_) break;
  }
  co_return OkStatus();
}

Awaitable<Status> ImapSource::Worker::ProcessOne(ImapClient& client, const Folders& folders,
                                                 const Batch& batch) {
  busy_ = true;
  struct Clear {
    bool* b;
    ~Clear() { *b = false; }
  } clear{&busy_};
  std::map<std::uint32_t, std::string> bodies;
  if (!batch.fetch.empty()) {
    auto on_fetch = [&](imap::Response&& r) -> Status {
      auto item = imap::ParseFetch(std::move(r));
      if (!item.ok()) return item.error();
      if (item->has_value() && (*item)->uid && (*item)->body) {
        bodies[*(*item)->uid] = std::move(*(*item)->body);
      }
      return OkStatus();
    };
    FBL_CO_TRY(co_await CommandOnMessages(client, "UID FETCH " + imap::UidSet(batch.fetch) + " (BODY.PEEK[])",
                                          Millis(options_.fetch_timeout_ms), "UID FETCH", on_fetch));
    if (bodies.size() < batch.fetch.size()) {
      Log(LogLevel::kDebug, "imap", "messages of the batch already gone (moved by another session)",
          {{"mailbox", label_}, {"gone", std::to_string(batch.fetch.size() - bodies.size())},
           {"of", std::to_string(batch.fetch.size())}});
    }
  }
  std::vector<IncomingMessage> messages;
  std::vector<std::uint32_t> uids;
  for (auto& [uid, body] : bodies) {
    messages.push_back({body, source_});
    uids.push_back(uid);
  }
  std::map<Disposition, std::vector<std::uint32_t>> moves;
  if (!messages.empty()) {
    Result<std::vector<ProcessResult>> results =
        pipeline_->ProcessBatch(messages, static_cast<UnixTime>(std::time(nullptr)));
    if (!results.ok()) co_return results.error();  // nothing committed: nothing moves
    for (std::size_t i = 0; i < results->size() && i < uids.size(); ++i) {
      moves[(*results)[i].disposition].push_back(uids[i]);
    }
  }
  for (std::uint32_t uid : batch.oversize) {
    Log(LogLevel::kWarn, "imap", "message over max_message_bytes quarantined unread",
        {{"mailbox", label_}, {"uid", std::to_string(uid)}});
    moves[Disposition::kQuarantine].push_back(uid);
  }
  for (const auto& [disposition, list] : moves) {
    FBL_CO_TRY(co_await Move(client, list, folders.For(disposition)));
  }
  co_return OkStatus();
}

Awaitable<Status> ImapSource::Worker::Move(ImapClient& client,
                                           const std::vector<std::uint32_t>& uids,
                                           const std::string& folder) {
  if (uids.empty()) co_return OkStatus();
  Result<std::string> quoted = imap::Quote(folder);
  if (!quoted.ok()) co_return MakeError(ErrorCode::kInvalidArgument, "folder name: " + folder);
  std::string set = imap::UidSet(uids);
  const imap::Capabilities& caps = client.capabilities();
  if (caps.move && options_.use_move) {
    co_return co_await CommandOnMessages(client, "UID MOVE " + set + " " + *quoted, CommandTimeout(), "UID MOVE");
  }
  FBL_CO_TRY(co_await CommandOnMessages(client, "UID COPY " + set + " " + *quoted, CommandTimeout(), "UID COPY"));
  FBL_CO_TRY(co_await CommandOnMessages(client, "UID STORE " + set + " +FLAGS.SILENT (\\Deleted)",
                                        CommandTimeout(), "UID STORE"));
  if (caps.uidplus) {
    co_return co_await CommandOnMessages(client, "UID EXPUNGE " + set, CommandTimeout(), "UID EXPUNGE");
  }
  co_return co_await client.CommandOk("EXPUNGE", CommandTimeout(), "EXPUNGE");
}

// CommandOk for a command on a set of UIDs, where NO [EXPUNGEISSUED] (some were expunged by
// another session meanwhile) is not an error: what is still there was handled, and the
// others were handled by whoever expunged them.
Awaitable<Status> ImapSource::Worker::CommandOnMessages(
    ImapClient& client, std::string command, Millis timeout, std::string_view what,
    const ImapClient::UntaggedHandler& on_untagged) {
  Result<imap::Response> r = co_await client.Command(std::move(command), timeout, on_untagged);
  if (!r.ok()) co_return r.error();
  if (r->name == "OK") co_return OkStatus();
  if (GoneElsewhere(*r)) {
    Log(LogLevel::kInfo, "imap", "messages already expunged by another session (another fbld instance?)",
        {{"mailbox", label_}, {"command", std::string(what)}});
    co_return OkStatus();
  }
  co_return MakeError(ErrorCode::kConflict,
                      std::string(what) + " refused: " + r->name + " " + Sanitize(r->text, 200));
}

// Several instances on one mailbox all see the same messages: each takes the batches in its
// own random order, so they mostly work on different messages instead of the same ones in
// lockstep (a rotation is not enough: the first to finish its part would catch up with
// another and follow it batch by batch). The stored last UID still only covers a finished
// prefix (Drain), and a session's first drain rescans from UID 1 anyway.
std::vector<std::size_t> ImapSource::Worker::RandomOrder(std::size_t n) {
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng_);
  return order;
}

// Time left before the next full rescan (at least 1 s: IDLE is not worth less).
Millis ImapSource::Worker::UntilRescan() const {
  auto left = std::chrono::duration_cast<Millis>(next_rescan_ - std::chrono::steady_clock::now());
  return std::max(left, Millis(1000));
}

Awaitable<Status> ImapSource::Worker::WaitForMail(ImapClient& client) {
  if (options_.idle && client.capabilities().idle) {
    Millis renew(std::int64_t{options_.idle_renew_s} * 1000);
    Result<bool> r = co_await client.Idle(std::min(renew, UntilRescan()));
    if (!r.ok()) co_return r.error();
    co_return OkStatus();
  }
  co_await Sleep(std::min(Millis(std::int64_t{options_.poll_interval_s} * 1000), UntilRescan()));
  if (stopping_) co_return OkStatus();
  co_return co_await client.CommandOk("NOOP", CommandTimeout(), "NOOP");
}

Awaitable<void> ImapSource::Worker::Sleep(Millis d) {
  timer_.expires_after(d);
  net::IoError ec;
  co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

void ImapSource::Worker::Stop() {
  stopping_ = true;
  timer_.cancel();
  if (!busy_ && active_ != nullptr) active_->Close();
}

void ImapSource::Worker::SetConnected(bool up) {
  if (metrics_) metrics_->mailbox_connected.Add({{"mailbox", label_}}).Set(up ? 1 : 0);
}

void ImapSource::Worker::CountError() {
  if (metrics_) metrics_->mailbox_errors.Add({{"mailbox", label_}}).Increment();
}

void ImapSource::Worker::MarkPolled() {
  if (metrics_) {
    metrics_->mailbox_last_poll.Add({{"mailbox", label_}})
        .Set(static_cast<double>(std::time(nullptr)));
  }
}

ImapSource::ImapSource(asio::io_context& io, const ImapSourceOptions& options, Pipeline* pipeline,
                       Store* store, Metrics* metrics)
    : options_(options) {
  for (const std::string& mailbox : options_.mailboxes) {
    workers_.push_back(
        std::make_shared<Worker>(io, options_, mailbox, pipeline, store, metrics));
  }
}

ImapSource::~ImapSource() {
  for (auto& w : workers_) w->Stop();
}

void ImapSource::Start() {
  for (auto& w : workers_) {
    w->SetConnected(false);
    asio::co_spawn(w->io_, Worker::Run(w), asio::detached);
  }
}

void ImapSource::Stop() {
  for (auto& w : workers_) w->Stop();
}

int ImapSource::running() const {
  return static_cast<int>(std::count_if(workers_.begin(), workers_.end(),
                                        [](const auto& w) { return w->running_; }));
}

}  // namespace fbl
