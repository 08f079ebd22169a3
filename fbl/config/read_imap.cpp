#include "fbl/config/sections.h"

namespace fbl {

void ReadImapSources(ConfigReader& root, SourcesOptions* out) {
  for (ConfigReader& r : root.TableArray("imap")) {
    ImapSourceOptions o;
    r.String("name", &o.name, 64);
    r.String("host", &o.host, 255);
    r.Int("port", &o.port, 1, 65535);
    r.Enum("tls", &o.tls, {"implicit", "starttls"});
    r.String("user", &o.user, 255);
    r.Secret("password", &o.password);
    r.StringList("mailboxes", &o.mailboxes, 100);
    if (o.host.empty()) r.Fail("host", "must not be empty");
    r.RejectUnknownKeys();
    out->imaps.push_back(std::move(o));
  }
}

}  // namespace fbl
