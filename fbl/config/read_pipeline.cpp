#include "fbl/config/sections.h"

namespace fbl {

void ReadPipelineOptions(ConfigReader& root, PipelineOptions* out) {
  ConfigReader trust = root.Table("trust");
  trust.String("authserv_id", &out->authserv_id, 255);
  trust.RejectUnknownKeys();
  ConfigReader fbl_id = root.Table("fbl_id");
  fbl_id.String("header", &out->fbl_id_header, 128);
  for (ConfigReader& r : fbl_id.TableArray("key")) {
    FblIdKeyOptions k;
    r.String("id", &k.id, 16);
    r.Secret("secret", &k.secret);
    if (k.id.empty()) r.Fail("id", "must not be empty");
    if (k.secret.size() < 16) r.Fail("secret", "must be at least 16 bytes");
    r.RejectUnknownKeys();
    out->fbl_id_keys.push_back(std::move(k));
  }
  fbl_id.RejectUnknownKeys();
  for (ConfigReader& r : root.TableArray("provider")) {
    ProviderOptions p;
    r.String("name", &p.name, 64);
    r.StringList("domains", &p.domains);
    r.Enum("trust", &p.trust, {"authentication-results", "none"});
    if (p.name.empty()) r.Fail("name", "must not be empty");
    r.RejectUnknownKeys();
    out->providers.push_back(std::move(p));
  }
  for (ConfigReader& r : root.TableArray("client")) {
    ClientOptions c;
    r.String("id", &c.id, 64);
    r.String("name", &c.name, 256);
    r.String("notify_email", &c.notify_email, 254);
    r.StringList("domains", &c.domains);
    r.StringList("dkim_domains", &c.dkim_domains);
    r.Enum("notify", &c.notify, {"immediate", "digest", "off", "webhook"});
    if (c.id.empty()) r.Fail("id", "must not be empty");
    r.RejectUnknownKeys();
    out->clients.push_back(std::move(c));
  }
}

}  // namespace fbl
