// The soak with faults (issue 10, item 1). N corpus-shaped messages are delivered in waves into
// a real Dovecot's INBOX while the real fbld drains them over IMAPS into SQLite and mails the
// notifications to a real aiosmtpd, and while, on a seeded schedule, fbld is SIGKILLed and
// restarted, Dovecot is restarted, the SMTP sink is down, another process holds the database
// locked, and the database's file system is full. Afterwards, with everything stopped, the
// folders, the database and the sink are checked against the corpus model (soak_corpus.h):
// every report exactly once, suppressions exact, every notification delivered at least once
// (duplicates counted), nothing stuck, fbld's RSS flat over the second half of its last life.
//
//   soak [--reports N] [--seed S] [--minutes-smtp-down M] [--kills K] [--short] ...  (--help)
//
// Exit: 0 every check passed, 1 a check failed, 2 the harness could not set up.
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>

#include "tests/soak/soak_corpus.h"
#include "tests/soak/soak_faults.h"
#include "tests/testing/dovecot.h"
#include "tests/testing/smtp_sink.h"
#include "tests/testing/test_util.h"

namespace fbl::soak {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Options {
  int reports = 100000;
  std::uint64_t seed = 20261128;
  double minutes_smtp_down = 3;
  int kills = 10;
  int dovecot_restarts = 3;
  int db_locks = 3;
  int disk_fulls = 2;
  double lock_seconds = 15;
  double disk_full_seconds = 30;
  double dovecot_down_seconds = 10;
  int wave = 500;
  double timeout_minutes = 180;
  double rss_growth_max_pct = 5;
  std::string tmpfs_size = "2g";
  std::string log_level = "warn";
  bool keep = false;
};

void ApplyShort(Options* o) {
  o->reports = 2000;
  o->minutes_smtp_down = 0.15;
  o->kills = 2;
  o->dovecot_restarts = 1;
  o->db_locks = 1;
  o->disk_fulls = 1;
  o->lock_seconds = 7;
  o->disk_full_seconds = 5;
  o->dovecot_down_seconds = 2;
  o->wave = 100;
  o->timeout_minutes = 8;
  o->tmpfs_size = "256m";
}

const char* kUsage =
    "usage: soak [--short] [--reports N] [--seed S] [--minutes-smtp-down M] [--kills K]\n"
    "            [--dovecot-restarts K] [--db-locks K] [--disk-fulls K] [--lock-seconds S]\n"
    "            [--disk-full-seconds S] [--dovecot-down-seconds S] [--wave N]\n"
    "            [--timeout-minutes M] [--rss-growth-max-pct P] [--tmpfs-size SIZE] [--log-level L]\n"
    "            [--keep]\n"
    "  --short   the CI form: 2,000 reports, every fault once, outages of seconds\n"
    "  --keep    keep the run's directory (database, Maildirs, logs) under /tmp/soak-keep-PID\n"
    "  (options after --short override it)\n";

bool ParseOptions(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    const char* v = nullptr;
    if (a == "--short") { ApplyShort(o); continue; }
    if (a == "--keep") { o->keep = true; continue; }
    if (a == "--help" || (v = next()) == nullptr) return false;
    if (a == "--reports") o->reports = std::atoi(v);
    else if (a == "--seed") o->seed = std::strtoull(v, nullptr, 10);
    else if (a == "--minutes-smtp-down") o->minutes_smtp_down = std::atof(v);
    else if (a == "--kills") o->kills = std::atoi(v);
    else if (a == "--dovecot-restarts") o->dovecot_restarts = std::atoi(v);
    else if (a == "--db-locks") o->db_locks = std::atoi(v);
    else if (a == "--disk-fulls") o->disk_fulls = std::atoi(v);
    else if (a == "--lock-seconds") o->lock_seconds = std::atof(v);
    else if (a == "--disk-full-seconds") o->disk_full_seconds = std::atof(v);
    else if (a == "--dovecot-down-seconds") o->dovecot_down_seconds = std::atof(v);
    else if (a == "--wave") o->wave = std::atoi(v);
    else if (a == "--timeout-minutes") o->timeout_minutes = std::atof(v);
    else if (a == "--rss-growth-max-pct") o->rss_growth_max_pct = std::atof(v);
    else if (a == "--tmpfs-size") o->tmpfs_size = v;
    else if (a == "--log-level") o->log_level = v;
    else return false;
  }
  return o->reports > 0 && o->wave > 0;
}

enum class FaultKind { kKill, kDovecotRestart, kSmtpDown, kDbLock, kDiskFull };
constexpr int kFaultKinds = 5;
const char* FaultName(FaultKind k) {
  static const char* kNames[kFaultKinds] = {"fbld SIGKILL + restart", "Dovecot restart",
                                            "SMTP sink down", "database locked (BEGIN EXCLUSIVE)",
                                            "disk full (tmpfs filled)"};
  return kNames[static_cast<int>(k)];
}

struct Fault {
  FaultKind kind;
  int at_report;   // begins once this many messages were delivered
  double seconds;  // how long it lasts
  enum { kPending, kActive, kDone } state = kPending;
  Clock::time_point began;
  double lasted = 0;
  std::unique_ptr<DbLocker> locker;
  std::unique_ptr<DiskFiller> filler;
  std::string note;
};

// VmRSS counts the pages of the database file that SQLite reads through mmap (the store sets
// mmap_size 1 GiB; on the soak's tmpfs they show as RssShmem), so it follows the file's size.
// RssAnon (heap, SQLite's page cache) is what a leak would grow; flatness is judged on it.
#if defined(__SANITIZE_ADDRESS__)
// AddressSanitizer's quarantine and shadow memory grow RssAnon for minutes on their own, so
// under it the figure is shown, not judged; LeakSanitizer checks fbld's exit instead (a leak
// makes the final exit code non-zero, which CheckFaults fails).
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

struct RssSample {
  double t;
  int instance;
  long kib;       // VmRSS
  long anon_kib;  // RssAnon
};

struct Check {
  std::string name;
  bool ok;
  std::string detail;
};

std::string Fmt(const char* format, double a, double b = 0, double c = 0) {
  char buf[256];
  std::snprintf(buf, sizeof buf, format, a, b, c);
  return buf;
}

class Soak {
 public:
  explicit Soak(Options o)
      : o_(std::move(o)),
        corpus_(o_.reports, o_.seed),
        sink_(tmp_ / "smtp", /*tls=*/false),
        fbld_(testing::BinaryPath("fbld"), tmp_ / "fbld.toml", tmp_ / "fbld.log") {}

  int Run();

 private:
  bool SetUp();
  void Schedule();
  std::string ConfigText() const;
  void Tick();
  void Deliver();
  void Begin(Fault& f);
  void End(Fault& f);
  void Supervise();
  void SampleRss();
  void Progress(bool force);
  bool Finished();
  long OutboxPending() const;
  int FolderTotal() const;
  double Elapsed() const { return std::chrono::duration<double>(Clock::now() - t0_).count(); }
  std::string db_path() const { return (tmp_ / "db" / "fbl.db").string(); }

  void CheckFolders(std::vector<Check>* checks);
  void PrintInboxDiagnosis() const;
  void CheckStore(std::vector<Check>* checks);
  void CheckNotifications(std::vector<Check>* checks);
  void CheckRss(std::vector<Check>* checks);
  void CheckFaults(std::vector<Check>* checks);
  void PrintTable(const std::vector<Check>& checks);
  int LogCount(const std::string& needle) const;

  Options o_;
  Corpus corpus_;
  testing::TempDir tmp_;
  testing::Dovecot dovecot_;
  testing::SmtpSink sink_;
  std::unique_ptr<TmpfsMount> tmpfs_;
  FbldRunner fbld_;
  std::vector<Fault> faults_;
  std::vector<RssSample> rss_;
  std::vector<std::string> unexpected_exits_;
  Clock::time_point t0_;
  Clock::time_point last_rss_;
  Clock::time_point last_progress_;
  int delivered_ = 0;
  int instance_ = 0;
  double run_seconds_ = 0;
  int final_exit_ = -2;
  // Figures for the table, filled by the checks.
  int processed_ = 0, lost_ = 0, duplicated_ = 0, misfiled_ = 0, folder_copies_ = 0;
  int notif_expected_ = 0, notif_delivered_ = 0, notif_missing_ = 0, notif_duplicates_ = 0;
  int notif_unexpected_ = 0;
  long supp_expected_rows_ = 0, supp_rows_ = 0, supp_expected_sum_ = 0, supp_sum_ = 0;
  long outbox_stuck_ = 0, outbox_failed_ = 0;
};

bool Soak::SetUp() {
  if (geteuid() != 0) {
    std::fprintf(stderr, "soak: needs root (tmpfs mount, Dovecot as nobody)\n");
    return false;
  }
  tmpfs_ = std::make_unique<TmpfsMount>(tmp_ / "db", o_.tmpfs_size);
  if (!tmpfs_->ok()) {
    std::fprintf(stderr, "soak: %s\n", tmpfs_->error().c_str());
    return false;
  }
  if (!dovecot_.Start()) {
    std::fprintf(stderr, "soak: dovecot: %s\n", dovecot_.error().c_str());
    return false;
  }
  if (!sink_.Start()) {
    std::fprintf(stderr, "soak: aiosmtpd did not start: %s\n", sink_.log().c_str());
    return false;
  }
  testing::WriteFile(tmp_ / "fbld.toml", ConfigText());
  Schedule();
  t0_ = Clock::now();
  last_rss_ = last_progress_ = t0_;
  instance_ = 1;
  return fbld_.Start();
}

std::string Soak::ConfigText() const {
  return "[log]\nlevel = \"" + o_.log_level + "\"\n"
         "[store]\npath = \"" + db_path() + "\"\n"
         "[trust]\nauthserv_id = \"" + kAuthservId + "\"\n" + ProvidersToml() + ClientsToml() +
         "[[imap]]\nname = \"soak\"\nhost = \"localhost\"\nport = " +
         std::to_string(dovecot_.tls_port()) + "\nca_file = \"" + dovecot_.ca_file() +
         "\"\nuser = \"" + dovecot_.user() + "\"\npassword = \"" + dovecot_.password() +
         "\"\nbatch_size = 100\nreconnect_min_ms = 100\nreconnect_max_ms = 2000\n"
         "connect_timeout_ms = 5000\ncommand_timeout_ms = 30000\nfetch_timeout_ms = 60000\n"
         "[api]\nenabled = false\n"
         "[notify]\ntransport = \"smtp\"\nfrom = \"" + kNotifyFrom + "\"\n"
         "admin_email = \"admin@hoster.test\"\npoll_interval_ms = 200\nbatch_size = 500\n"
         "max_attempts = 1000\nretry_initial_seconds = 1\nretry_max_seconds = 5\n"
         "[notify.smtp]\nhost = \"127.0.0.1\"\nport = " + std::to_string(sink_.port()) +
         "\ntls = \"none\"\nconnect_timeout_ms = 2000\ncommand_timeout_ms = 10000\n"
         "max_messages_per_connection = 500\n";
}

// Kills fall in the first 45% of the deliveries, so fbld's last life spans the second half of
// the run (where RSS flatness is judged); the other faults anywhere between 5% and 90%.
void Soak::Schedule() {
  std::mt19937_64 rng(o_.seed ^ 0x50a4ULL);
  auto at = [&](double lo, double hi) {
    std::uniform_real_distribution<double> d(lo, hi);
    return static_cast<int>(d(rng) * o_.reports);
  };
  auto add = [&](FaultKind k, int count, double lo, double hi, double seconds) {
    for (int i = 0; i < count; ++i) faults_.push_back({k, at(lo, hi), seconds});
  };
  add(FaultKind::kKill, o_.kills, 0.02, 0.45, 0);
  add(FaultKind::kDovecotRestart, o_.dovecot_restarts, 0.05, 0.9, o_.dovecot_down_seconds);
  add(FaultKind::kSmtpDown, 1, 0.2, 0.5, o_.minutes_smtp_down * 60);
  add(FaultKind::kDbLock, o_.db_locks, 0.05, 0.9, o_.lock_seconds);
  add(FaultKind::kDiskFull, o_.disk_fulls, 0.05, 0.9, o_.disk_full_seconds);
  std::stable_sort(faults_.begin(), faults_.end(),
                   [](const Fault& a, const Fault& b) { return a.at_report < b.at_report; });
}

void Soak::Deliver() {
  if (delivered_ >= o_.reports || dovecot_.Count() >= 2 * o_.wave) return;
  int end = std::min(o_.reports, delivered_ + o_.wave);
  for (; delivered_ < end; ++delivered_) {
    dovecot_.Deliver("soak-" + std::to_string(delivered_), corpus_.Raw(delivered_));
  }
}

void Soak::Begin(Fault& f) {
  f.state = Fault::kActive;
  f.began = Clock::now();
  std::string error;
  switch (f.kind) {
    case FaultKind::kKill:
      fbld_.Kill9();
      ++instance_;
      if (!fbld_.Start()) f.note = "restart failed";
      f.state = Fault::kDone;
      break;
    case FaultKind::kDovecotRestart:
      dovecot_.Stop();
      break;
    case FaultKind::kSmtpDown:
      sink_.Stop();
      break;
    case FaultKind::kDbLock:
      f.locker = std::make_unique<DbLocker>();
      if (!f.locker->Lock(db_path(), &error)) f.note = "lock failed: " + error;
      break;
    case FaultKind::kDiskFull:
      f.filler = std::make_unique<DiskFiller>(tmp_ / "db" / ("filler-" + std::to_string(f.at_report)));
      if (!f.filler->Fill()) f.note = "file system not full";
      break;
  }
  std::printf("[%7.1fs] fault begins: %s (delivered %d)%s%s\n", Elapsed(), FaultName(f.kind),
              delivered_, f.note.empty() ? "" : " NOTE ", f.note.c_str());
}

void Soak::End(Fault& f) {
  switch (f.kind) {
    case FaultKind::kKill:
      break;
    case FaultKind::kDovecotRestart:
      if (!dovecot_.Start()) return;  // try again next tick
      break;
    case FaultKind::kSmtpDown:
      if (!sink_.Start(sink_.port())) return;
      break;
    case FaultKind::kDbLock:
      if (f.locker) f.locker->Unlock();
      break;
    case FaultKind::kDiskFull:
      if (f.filler) f.filler->Release();
      break;
  }
  f.state = Fault::kDone;
  f.lasted = std::chrono::duration<double>(Clock::now() - f.began).count();
  std::printf("[%7.1fs] fault ends: %s after %.1f s\n", Elapsed(), FaultName(f.kind), f.lasted);
}

// As a service manager would (Restart=always): an fbld that exited on its own comes back.
void Soak::Supervise() {
  std::string how;
  if (!fbld_.ExitedUnexpectedly(&how)) return;
  unexpected_exits_.push_back(how);
  std::printf("[%7.1fs] fbld exited on its own (%s); restarting\n", Elapsed(), how.c_str());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ++instance_;
  fbld_.Start();
}

void Soak::SampleRss() {
  if (Clock::now() - last_rss_ < std::chrono::seconds(1)) return;
  last_rss_ = Clock::now();
  long kib = fbld_.pid() > 0 ? ReadStatusKib(fbld_.pid(), "VmRSS") : -1;
  long anon = fbld_.pid() > 0 ? ReadStatusKib(fbld_.pid(), "RssAnon") : -1;
  if (kib > 0 && anon > 0) rss_.push_back({Elapsed(), instance_, kib, anon});
}

int Soak::FolderTotal() const {
  int n = 0;
  for (const char* f : {"Processed", "Ignored", "Quarantine"}) n += std::max(0, dovecot_.Count(f));
  return n;
}

long Soak::OutboxPending() const {
  try {
    SQLite::Database db(db_path(), SQLite::OPEN_READONLY, 2000);
    return db.execAndGet("SELECT count(*) FROM outbox WHERE state = 'pending'").getInt64();
  } catch (const SQLite::Exception&) {  // not created yet, or locked by a fault: unknown
    return -1;
  }
}

void Soak::Progress(bool force) {
  if (!force && Clock::now() - last_progress_ < std::chrono::seconds(10)) return;
  last_progress_ = Clock::now();
  std::printf("[%7.1fs] delivered %d/%d  inbox %d  filed %d  outbox pending %ld  sink %zu  rss %ld KiB  anon %ld KiB\n",
              Elapsed(), delivered_, o_.reports, dovecot_.Count(), FolderTotal(), OutboxPending(),
              MaildirFiles(tmp_ / "smtp" / "Maildir").size(),
              rss_.empty() ? -1L : rss_.back().kib, rss_.empty() ? -1L : rss_.back().anon_kib);
  std::fflush(stdout);
}

bool Soak::Finished() {
  if (delivered_ < o_.reports) return false;
  for (const Fault& f : faults_) {
    if (f.state != Fault::kDone) return false;
  }
  return dovecot_.Count() == 0 && FolderTotal() >= o_.reports && OutboxPending() == 0;
}

void Soak::Tick() {
  Deliver();  // plain files: delivery goes on while Dovecot is down
  for (Fault& f : faults_) {
    if (f.state == Fault::kPending && delivered_ >= f.at_report) Begin(f);
    if (f.state == Fault::kActive &&
        std::chrono::duration<double>(Clock::now() - f.began).count() >= f.seconds) {
      End(f);
    }
  }
  Supervise();
  SampleRss();
  Progress(false);
}

int Soak::LogCount(const std::string& needle) const {
  std::string log = testing::ReadFile(tmp_ / "fbld.log");
  int n = 0;
  for (std::size_t p = log.find(needle); p != std::string::npos; p = log.find(needle, p + 1)) ++n;
  return n;
}

// What is left in INBOX, against the IMAP progress fbld stored: tells a stuck source from a
// message it skipped.
void Soak::PrintInboxDiagnosis() const {
  try {
    SQLite::Database db(db_path(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT mailbox, uidvalidity, last_uid FROM mailbox_state");
    while (q.executeStep()) {
      std::printf("mailbox_state: %s uidvalidity %lld last_uid %lld\n", q.getColumn(0).getString().c_str(),
                  static_cast<long long>(q.getColumn(1).getInt64()),
                  static_cast<long long>(q.getColumn(2).getInt64()));
    }
  } catch (const SQLite::Exception& e) {
    std::printf("mailbox_state unreadable: %s\n", e.what());
  }
  std::string uidlist = testing::ReadFile(dovecot_.maildir() / "dovecot-uidlist");
  std::printf("INBOX dovecot-uidlist header: %s\n", uidlist.substr(0, uidlist.find('\n')).c_str());
  int shown = 0;
  for (const fs::path& f : MaildirFiles(dovecot_.maildir())) {
    std::string base = f.filename().string();
    base = base.substr(0, base.find(':'));
    std::size_t at = uidlist.find(base);
    std::size_t bol = at == std::string::npos ? at : uidlist.rfind('\n', at);
    std::string line = at == std::string::npos ? "(no uid yet)" : uidlist.substr(bol + 1, at - bol - 1);
    if (shown++ < 5) std::printf("INBOX %s uid-line %s\n", f.filename().c_str(), line.c_str());
  }
}

void Soak::CheckFolders(std::vector<Check>* checks) {
  std::vector<int> seen(static_cast<std::size_t>(o_.reports), 0);
  std::vector<std::string> where(static_cast<std::size_t>(o_.reports));
  int foreign = 0;
  int inbox = dovecot_.Count();
  for (const char* folder : {"Processed", "Ignored", "Quarantine"}) {
    for (const fs::path& file : MaildirFiles(dovecot_.maildir() / (std::string(".") + folder))) {
      std::string id = MessageIdOf(file);
      if (id.rfind("<soak-", 0) != 0) {
        ++foreign;
        continue;
      }
      int i = std::atoi(id.c_str() + 6);
      if (i < 0 || i >= o_.reports) {
        ++foreign;
        continue;
      }
      ++seen[static_cast<std::size_t>(i)];
      where[static_cast<std::size_t>(i)] = folder;
    }
  }
  int missing = 0;
  for (int i = 0; i < o_.reports; ++i) {
    int s = seen[static_cast<std::size_t>(i)];
    missing += s == 0;
    folder_copies_ += s > 1 ? s - 1 : 0;
    if (s > 0 && where[static_cast<std::size_t>(i)] != Corpus::Folder(corpus_.plan(i).category)) ++misfiled_;
  }
  lost_ = std::max(lost_, missing);
  if (inbox != 0) PrintInboxDiagnosis();
  // An extra copy is not a second processing (the store dedupes by hash; CheckStore counts
  // rows and suppressions): Dovecot's MOVE on Maildir is COPY then EXPUNGE, so a server
  // stopped between the two leaves the message in both folders and fbld moves it once more.
  checks->push_back({"INBOX empty, every message filed in its folder",
                     inbox == 0 && missing == 0 && misfiled_ == 0 && foreign == 0,
                     "inbox " + std::to_string(inbox) + ", not filed " + std::to_string(missing) +
                         ", wrong folder " + std::to_string(misfiled_) + ", unknown " +
                         std::to_string(foreign) + "; extra copies (MOVE interrupted by a "
                         "Dovecot restart) " + std::to_string(folder_copies_)});
}

void Soak::CheckStore(std::vector<Check>* checks) {
  SQLite::Database db(db_path(), SQLite::OPEN_READONLY);
  std::unordered_map<std::string, int> by_sha;
  for (int i = 0; i < o_.reports; ++i) {
    const Sha256& s = corpus_.sha256(i);
    by_sha[std::string(s.begin(), s.end())] = i;
  }
  std::vector<int> rows(static_cast<std::size_t>(o_.reports), 0);
  int unknown = 0, wrong_status = 0;
  std::string first_wrong;
  SQLite::Statement q(db, "SELECT sha256, status FROM reports");
  while (q.executeStep()) {
    SQLite::Column blob = q.getColumn(0);
    std::string sha(static_cast<const char*>(blob.getBlob()), static_cast<std::size_t>(blob.getBytes()));
    auto it = by_sha.find(sha);
    if (it == by_sha.end()) {
      ++unknown;
      continue;
    }
    ++rows[static_cast<std::size_t>(it->second)];
    std::string status = q.getColumn(1).getString();
    const char* want = Corpus::Status(corpus_.plan(it->second).category);
    if (status != want) {
      if (wrong_status++ == 0) {
        first_wrong = "message " + std::to_string(it->second) + " (" +
                      CategoryName(corpus_.plan(it->second).category) + ") is " + status;
      }
    }
  }
  int missing = 0;
  for (int r : rows) {
    missing += r == 0;
    processed_ += r > 0;
    duplicated_ += r > 1 ? r - 1 : 0;  // the UNIQUE sha256 forbids it; counted all the same
  }
  lost_ = std::max(lost_, missing);
  checks->push_back({"reports table: one row per message, expected status",
                     missing == 0 && unknown == 0 && wrong_status == 0 && duplicated_ == 0,
                     "rows " + std::to_string(processed_) + "/" + std::to_string(o_.reports) +
                         ", missing " + std::to_string(missing) + ", unknown " + std::to_string(unknown) +
                         ", wrong status " + std::to_string(wrong_status) +
                         (first_wrong.empty() ? "" : " (first: " + first_wrong + ")")});

  auto expected = corpus_.ExpectedSuppressions();
  supp_expected_rows_ = static_cast<long>(expected.size());
  for (const auto& [k, e] : expected) supp_expected_sum_ += e.count;
  int mismatched = 0, extra = 0;
  std::string first_bad;
  SQLite::Statement s(db, "SELECT scope, address, reason, count FROM suppressions");
  std::set<SuppressionKey> found;
  while (s.executeStep()) {
    SuppressionKey key{s.getColumn(0).getString(), s.getColumn(1).getString()};
    std::string reason = s.getColumn(2).getString();
    int count = s.getColumn(3).getInt();
    ++supp_rows_;
    supp_sum_ += count;
    found.insert(key);
    auto it = expected.find(key);
    if (it == expected.end()) {
      if (extra++ == 0 && first_bad.empty()) first_bad = "unexpected " + key.scope + "/" + key.address;
    } else if (it->second.count != count || it->second.reason != reason) {
      if (mismatched++ == 0 && first_bad.empty()) {
        first_bad = key.scope + "/" + key.address + " " + reason + " x" + std::to_string(count) +
                    ", expected " + it->second.reason + " x" + std::to_string(it->second.count);
      }
    }
  }
  long absent = 0;
  for (const auto& [k, e] : expected) absent += found.count(k) == 0;
  checks->push_back({"suppressions exact (set, reason, count)",
                     mismatched == 0 && extra == 0 && absent == 0,
                     "rows " + std::to_string(supp_rows_) + "/" + std::to_string(supp_expected_rows_) +
                         ", sum of counts " + std::to_string(supp_sum_) + "/" +
                         std::to_string(supp_expected_sum_) + ", wrong " + std::to_string(mismatched) +
                         ", extra " + std::to_string(extra) + ", absent " + std::to_string(absent) +
                         (first_bad.empty() ? "" : " (first: " + first_bad + ")")});

  std::set<std::string> want;
  for (int i = 0; i < o_.reports; ++i) {
    for (auto& id : corpus_.Notifications(i)) want.insert(id);
  }
  notif_expected_ = static_cast<int>(want.size());
  long rows_total = 0, unexpected_rows = 0;
  SQLite::Statement o(db, "SELECT message_id, state FROM outbox");
  std::set<std::string> have;
  while (o.executeStep()) {
    ++rows_total;
    std::string id = o.getColumn(0).getString();
    std::string state = o.getColumn(1).getString();
    have.insert(id);
    unexpected_rows += want.count(id) == 0;
    outbox_stuck_ += state == "pending";
    outbox_failed_ += state == "failed";
  }
  long absent_rows = 0;
  for (const auto& id : want) absent_rows += have.count(id) == 0;
  checks->push_back({"outbox: the expected rows, all sent (none stuck or failed)",
                     absent_rows == 0 && unexpected_rows == 0 && outbox_stuck_ == 0 && outbox_failed_ == 0,
                     "rows " + std::to_string(rows_total) + "/" + std::to_string(want.size()) +
                         ", absent " + std::to_string(absent_rows) + ", unexpected " +
                         std::to_string(unexpected_rows) + ", pending " + std::to_string(outbox_stuck_) +
                         ", failed " + std::to_string(outbox_failed_)});
}

void Soak::CheckNotifications(std::vector<Check>* checks) {
  std::map<std::string, int> delivered;
  for (const fs::path& f : MaildirFiles(tmp_ / "smtp" / "Maildir")) ++delivered[MessageIdOf(f)];
  std::set<std::string> want;
  for (int i = 0; i < o_.reports; ++i) {
    for (auto& id : corpus_.Notifications(i)) want.insert(id);
  }
  for (const auto& id : want) {
    auto it = delivered.find(id);
    if (it == delivered.end()) {
      ++notif_missing_;
      continue;
    }
    ++notif_delivered_;
    notif_duplicates_ += it->second - 1;
  }
  for (const auto& [id, n] : delivered) notif_unexpected_ += want.count(id) == 0 ? n : 0;
  checks->push_back({"every notification delivered at least once",
                     notif_missing_ == 0 && notif_unexpected_ == 0,
                     "delivered " + std::to_string(notif_delivered_) + "/" + std::to_string(want.size()) +
                         ", missing " + std::to_string(notif_missing_) + ", duplicates " +
                         std::to_string(notif_duplicates_) + ", unexpected " + std::to_string(notif_unexpected_)});
}

// fbld's last life (no kill after it): its samples split in two halves by time; growth =
// max of the second half over max of the first half, for RssAnon (judged) and VmRSS (shown).
void Soak::CheckRss(std::vector<Check>* checks) {
  std::vector<RssSample> last;
  for (const RssSample& s : rss_) {
    if (s.instance == instance_) last.push_back(s);
  }
  if (last.size() < 4) {
    checks->push_back({"RSS flat over fbld's last life", false, "too few samples"});
    return;
  }
  double mid = (last.front().t + last.back().t) / 2;
  long anon1 = 0, anon2 = 0, rss1 = 0, rss2 = 0;
  for (const RssSample& s : last) {
    long& a = s.t < mid ? anon1 : anon2;
    long& r = s.t < mid ? rss1 : rss2;
    a = std::max(a, s.anon_kib);
    r = std::max(r, s.kib);
  }
  auto growth = [](long a, long b) { return 100.0 * static_cast<double>(b - a) / static_cast<double>(a); };
  double anon_growth = growth(anon1, anon2);
  checks->push_back(
      {"RssAnon flat over fbld's last life (growth <= " + Fmt("%.0f", o_.rss_growth_max_pct) + "%)",
       anon_growth <= o_.rss_growth_max_pct || kSanitized,
       std::string(kSanitized ? "not judged under AddressSanitizer (LeakSanitizer checks the exit); " : "") +
           Fmt("last life %.0f s from t=%.0f s; ", last.back().t - last.front().t, last.front().t) +
           Fmt("RssAnon max first half %.1f MiB, second half %.1f MiB (%+.1f%%); ", anon1 / 1024.0,
               anon2 / 1024.0, anon_growth) +
           Fmt("VmRSS (incl. the mmapped database) %.1f -> %.1f MiB (%+.1f%%)", rss1 / 1024.0,
               rss2 / 1024.0, growth(rss1, rss2))});
}

void Soak::CheckFaults(std::vector<Check>* checks) {
  int crashes = 0;
  for (const auto& how : unexpected_exits_) crashes += how.rfind("signal", 0) == 0;
  std::string exits;
  for (const auto& how : unexpected_exits_) exits += (exits.empty() ? "" : ", ") + how;
  checks->push_back({"fbld never crashed; final SIGTERM exit 0", crashes == 0 && final_exit_ == 0,
                     "unexpected exits: " + std::to_string(unexpected_exits_.size()) +
                         (exits.empty() ? "" : " (" + exits + ")") + ", final exit " +
                         std::to_string(final_exit_)});
  std::string notes;
  bool ok = true;
  for (const Fault& f : faults_) {
    if (!f.note.empty()) {
      ok = false;
      notes += std::string(FaultName(f.kind)) + ": " + f.note + "; ";
    }
  }
  checks->push_back({"every fault injected as scheduled", ok, notes.empty() ? "yes" : notes});
}

void Soak::PrintTable(const std::vector<Check>& checks) {
  std::printf("\n## Soak result (seed %llu, %d reports, %.0f s)\n\n",
              static_cast<unsigned long long>(o_.seed), o_.reports, run_seconds_);
  std::printf("| fault | injected | total outage | fbld log evidence |\n|---|---|---|---|\n");
  const std::pair<FaultKind, std::string> evidence[] = {
      {FaultKind::kKill, std::to_string(fbld_.starts()) + " fbld starts"},
      {FaultKind::kDovecotRestart, std::to_string(LogCount("mailbox session failed")) + " \"mailbox session failed\" (any cause)"},
      {FaultKind::kSmtpDown, std::to_string(LogCount("smtp connection failed")) + " \"smtp connection failed\""},
      {FaultKind::kDbLock, std::to_string(LogCount("database is locked")) + " \"database is locked\""},
      {FaultKind::kDiskFull, std::to_string(LogCount("disk is full")) + " \"disk is full\""},
  };
  for (const auto& [kind, ev] : evidence) {
    int n = 0;
    double total = 0;
    for (const Fault& f : faults_) {
      if (f.kind == kind && f.state == Fault::kDone) {
        ++n;
        total += f.lasted;
      }
    }
    std::printf("| %s | %d | %.1f s | %s |\n", FaultName(kind), n, total, ev.c_str());
  }
  std::printf("\n| reports in | processed | lost | duplicated (processed twice) | extra folder copies "
              "| suppressions (rows / sum of counts) | notifications expected | delivered "
              "| duplicated | stuck outbox rows |\n|---|---|---|---|---|---|---|---|---|---|\n");
  std::printf("| %d | %d | %d | %d | %d | %ld / %ld (expected %ld / %ld) | %d | %d | %d | %ld |\n\n",
              o_.reports, processed_, lost_, duplicated_, folder_copies_, supp_rows_, supp_sum_,
              supp_expected_rows_, supp_expected_sum_, notif_expected_, notif_delivered_, notif_duplicates_,
              outbox_stuck_ + outbox_failed_);
  std::printf("Mix:");
  for (int c = 0; c < kCategoryCount; ++c) {
    std::printf(" %s %d%s", CategoryName(static_cast<Category>(c)), corpus_.CountOf(static_cast<Category>(c)),
                c + 1 < kCategoryCount ? "," : "\n\n");
  }
  std::printf("| check | result | detail |\n|---|---|---|\n");
  for (const Check& c : checks) {
    std::printf("| %s | %s | %s |\n", c.name.c_str(), c.ok ? "PASS" : "FAIL", c.detail.c_str());
  }
}

int Soak::Run() {
  std::printf("soak: %d reports, seed %llu, dir %s\n", o_.reports,
              static_cast<unsigned long long>(o_.seed), tmp_.str().c_str());
  if (!SetUp()) return 2;
  auto deadline = t0_ + std::chrono::duration<double>(o_.timeout_minutes * 60);
  bool finished = false;
  while (!(finished = Finished()) && Clock::now() < deadline) {
    for (int i = 0; i < 20; ++i) {
      Tick();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  run_seconds_ = Elapsed();
  Progress(true);
  final_exit_ = fbld_.Stop();
  for (Fault& f : faults_) {
    if (f.state == Fault::kActive) End(f);
  }
  sink_.Stop();
  dovecot_.Stop();
  std::vector<Check> checks;
  checks.push_back({"finished within the time limit", finished,
                    Fmt("%.0f s of at most %.0f s", run_seconds_, o_.timeout_minutes * 60)});
  CheckFolders(&checks);
  try {
    CheckStore(&checks);
  } catch (const SQLite::Exception& e) {
    checks.push_back({"store readable", false, e.what()});
  }
  CheckNotifications(&checks);
  CheckRss(&checks);
  CheckFaults(&checks);
  PrintTable(checks);
  bool ok = std::all_of(checks.begin(), checks.end(), [](const Check& c) { return c.ok; });
  std::printf("\nsoak: %s\n", ok ? "PASS" : "FAIL");
  if (!ok || o_.keep) {
    std::string keep = "/tmp/soak-fbld-" + std::to_string(getpid()) + ".log";
    std::error_code ec;
    fs::copy_file(tmp_ / "fbld.log", keep, fs::copy_options::overwrite_existing, ec);
    std::printf("fbld log kept at %s\n", keep.c_str());
  }
  if (o_.keep) {
    std::string keep = "/tmp/soak-keep-" + std::to_string(getpid());
    testing::RunCommand({"cp", "-a", tmp_.str(), keep});
    std::printf("run directory kept at %s\n", keep.c_str());
  }
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace fbl::soak

int main(int argc, char** argv) {
  fbl::soak::Options options;
  if (!fbl::soak::ParseOptions(argc, argv, &options)) {
    std::fputs(fbl::soak::kUsage, stderr);
    return 2;
  }
  setvbuf(stdout, nullptr, _IOLBF, 0);
  fbl::soak::Soak soak(std::move(options));
  return soak.Run();
}
