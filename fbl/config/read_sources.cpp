#include "fbl/config/sections.h"

namespace fbl {

void ReadSourcesOptions(ConfigReader& root, SourcesOptions* out) {
  for (ConfigReader& r : root.TableArray("maildir")) {
    MaildirSourceOptions m;
    r.String("path", &m.path);
    r.Int("poll_interval_ms", &m.poll_interval_ms, 50, 3600000);
    r.Int("batch_size", &m.batch_size, 1, 1000);
    r.Int("retry_max_ms", &m.retry_max_ms, 100, 3600000);
    if (m.path.empty()) r.Fail("path", "must not be empty");
    r.RejectUnknownKeys();
    out->maildirs.push_back(std::move(m));
  }
  ReadImapSources(root, out);
}

}  // namespace fbl
