#include "fbl/config/sections.h"

namespace fbl {

namespace {

bool PrintableAscii(const std::string& s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) return false;
  }
  return true;
}

void ReadFolders(ConfigReader& r, ImapSourceOptions* o) {
  r.StringList("mailboxes", &o->mailboxes, 100);
  r.String("folder_parent", &o->folder_parent, 255);
  r.String("processed_folder", &o->processed_folder, 255);
  r.String("quarantine_folder", &o->quarantine_folder, 255);
  r.String("ignored_folder", &o->ignored_folder, 255);
  if (o->mailboxes.empty()) r.Fail("mailboxes", "must name at least one mailbox");
  for (const std::string& m : o->mailboxes) {
    if (m.empty() || !PrintableAscii(m)) r.Fail("mailboxes", "names must be printable ASCII");
  }
  for (const std::string* f : {&o->folder_parent, &o->processed_folder, &o->quarantine_folder,
                               &o->ignored_folder}) {
    if (!PrintableAscii(*f)) r.Fail("folders", "names must be printable ASCII (modified UTF-7)");
  }
  if (o->processed_folder.empty() || o->quarantine_folder.empty() || o->ignored_folder.empty()) {
    r.Fail("processed_folder", "folder names must not be empty");
  }
}

void ReadTimings(ConfigReader& r, ImapSourceOptions* o) {
  r.Bool("idle", &o->idle);
  r.Int("idle_renew_s", &o->idle_renew_s, 60, 1740);
  r.Int("poll_interval_s", &o->poll_interval_s, 1, 86400);
  r.Int("rescan_interval_s", &o->rescan_interval_s, 1, 86400);
  r.Int("batch_size", &o->batch_size, 1, 1000);
  r.Size("max_batch_bytes", &o->max_batch_bytes, std::size_t{1} << 20, std::size_t{1} << 30);
  r.Size("max_message_bytes", &o->max_message_bytes, 1024, std::size_t{1} << 30);
  r.Size("max_line_bytes", &o->max_line_bytes, 1024, std::size_t{64} << 20);
  r.Int("connect_timeout_ms", &o->connect_timeout_ms, 100, 600000);
  r.Int("command_timeout_ms", &o->command_timeout_ms, 100, 3600000);
  r.Int("fetch_timeout_ms", &o->fetch_timeout_ms, 100, 3600000);
  r.Int("reconnect_min_ms", &o->reconnect_min_ms, 10, 3600000);
  r.Int("reconnect_max_ms", &o->reconnect_max_ms, 10, 3600000);
  if (o->reconnect_max_ms < o->reconnect_min_ms) {
    r.Fail("reconnect_max_ms", "must be >= reconnect_min_ms");
  }
}

}  // namespace

void ReadImapSources(ConfigReader& root, SourcesOptions* out) {
  for (ConfigReader& r : root.TableArray("imap")) {
    ImapSourceOptions o;
    r.String("name", &o.name, 64);
    r.String("host", &o.host, 255);
    r.Int("port", &o.port, 1, 65535);
    r.Enum("tls", &o.tls, {"implicit", "starttls"});
    r.String("ca_file", &o.ca_file);
    r.Bool("insecure_skip_verify", &o.insecure_skip_verify);
    r.String("user", &o.user, 255);
    r.Secret("password", &o.password);
    r.Enum("auth", &o.auth, {"auto", "plain", "login"});
    r.Bool("use_move", &o.use_move);
    ReadFolders(r, &o);
    ReadTimings(r, &o);
    if (o.host.empty()) r.Fail("host", "must not be empty");
    if (o.user.empty()) r.Fail("user", "must not be empty");
    if (o.name.empty()) o.name = o.user + "@" + o.host;
    r.RejectUnknownKeys();
    out->imaps.push_back(std::move(o));
  }
}

}  // namespace fbl
