#include <algorithm>
#include <set>

#include "fbl/config/sections.h"

namespace fbl {

namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

void LowerAll(std::vector<std::string>* v) {
  for (auto& s : *v) s = Lower(s);
}

void ReadFblId(ConfigReader& root, PipelineOptions* out) {
  ConfigReader fbl_id = root.Table("fbl_id");
  fbl_id.String("header", &out->fbl_id_header, 128);
  std::set<std::string> ids;
  for (ConfigReader& r : fbl_id.TableArray("key")) {
    FblIdKeyOptions k;
    r.String("id", &k.id, 16);
    r.Secret("secret", &k.secret);
    if (k.id.empty()) r.Fail("id", "must not be empty");
    if (!ids.insert(k.id).second) r.Fail("id", "duplicate key id");
    if (k.secret.size() < 16) r.Fail("secret", "must be at least 16 bytes");
    r.RejectUnknownKeys();
    out->fbl_id_keys.push_back(std::move(k));
  }
  fbl_id.RejectUnknownKeys();
}

void ReadProviders(ConfigReader& root, PipelineOptions* out) {
  std::set<std::string> names;
  for (ConfigReader& r : root.TableArray("provider")) {
    ProviderOptions p;
    r.String("name", &p.name, 64);
    r.StringList("domains", &p.domains);
    r.Enum("trust", &p.trust, {"authentication-results", "none"});
    LowerAll(&p.domains);
    if (p.name.empty()) r.Fail("name", "must not be empty");
    if (!p.name.empty() && !names.insert(p.name).second) r.Fail("name", "duplicate provider");
    if (p.domains.empty()) r.Fail("domains", "must list at least one reporter domain");
    r.RejectUnknownKeys();
    out->providers.push_back(std::move(p));
  }
}

void ReadClients(ConfigReader& root, PipelineOptions* out) {
  std::set<std::string> ids;
  for (ConfigReader& r : root.TableArray("client")) {
    ClientOptions c;
    r.String("id", &c.id, 64);
    r.String("name", &c.name, 256);
    r.String("notify_email", &c.notify_email, 254);
    r.StringList("domains", &c.domains);
    r.StringList("dkim_domains", &c.dkim_domains);
    r.Enum("notify", &c.notify, {"immediate", "digest", "off", "webhook"});
    r.StringList("identifiers", &c.identifiers, 1000);
    r.Int("digest_window_minutes", &c.digest_window_minutes, 0, 10080);  // notify's keys
    r.String("webhook_url", &c.webhook_url, 2048);
    r.Secret("webhook_secret", &c.webhook_secret);
    if (c.notify == "webhook" && c.webhook_url.rfind("http://", 0) != 0 &&
        c.webhook_url.rfind("https://", 0) != 0) {
      r.Fail("webhook_url", "notify = \"webhook\" needs an http:// or https:// URL");
    }
    if (c.notify == "webhook" && c.webhook_secret.size() < 16) {
      r.Fail("webhook_secret", "notify = \"webhook\" needs a secret of at least 16 bytes");
    }
    LowerAll(&c.domains);
    LowerAll(&c.dkim_domains);
    if (c.id.empty()) r.Fail("id", "must not be empty");
    if (c.id == "*") r.Fail("id", "\"*\" is the global scope, not a client id");
    if (!c.id.empty() && !ids.insert(c.id).second) r.Fail("id", "duplicate client id");
    r.RejectUnknownKeys();
    out->clients.push_back(std::move(c));
  }
}

}  // namespace

void ReadPipelineOptions(ConfigReader& root, PipelineOptions* out) {
  ConfigReader trust = root.Table("trust");
  trust.String("authserv_id", &out->authserv_id, 255);
  ReadFblId(root, out);
  ReadProviders(root, out);
  ReadClients(root, out);
  ConfigReader attribution = root.Table("attribution");
  attribution.String("identifier_header", &out->identifier_header, 128);
  attribution.String("verp_prefix", &out->verp_prefix, 64);
  attribution.RejectUnknownKeys();
  bool needs_authserv = std::any_of(out->providers.begin(), out->providers.end(),
                                    [](const ProviderOptions& p) { return p.trust != "none"; });
  if (needs_authserv && out->authserv_id.empty()) {
    trust.Fail("authserv_id", "must be set when a [[provider]] uses trust = \"authentication-results\"");
  }
  trust.RejectUnknownKeys();
}

}  // namespace fbl
