// Options of the pipeline: who is trusted, which client a report belongs to.
// Read from [trust], [[provider]], [[client]] (fbl/config/read_pipeline.cpp).
#pragma once

#include <string>
#include <vector>

namespace fbl {

// A feedback-loop provider whose reports are acted on.
struct ProviderOptions {
  std::string name;                     // "yahoo", "aol", "microsoft", ...
  std::vector<std::string> domains;     // reporter domains (From of the report), lowercase
  // "authentication-results" (default: our MTA's A-R shows dkim=pass or spf=pass for one of
  // `domains`), or "none" (trust without authentication: only for local testing).
  std::string trust = "authentication-results";
};

struct ClientOptions {
  std::string id;
  std::string name;
  std::string notify_email;
  std::vector<std::string> domains;       // sending (From / envelope) domains
  std::vector<std::string> dkim_domains;  // DKIM d= domains
  std::string notify = "immediate";       // immediate | digest | off | webhook
  // Values of PipelineOptions::identifier_header that name this client (its id always does).
  std::vector<std::string> identifiers;
  // Notifications (read by fbl/notify/notifier.cpp; docs/notifications.md). With a window,
  // the first complaint is mailed at once and later ones wait for one digest when the window
  // closes. 0 = the mode's default: none for "immediate", notify.digest_window_minutes for
  // "digest".  [0, 10080]
  int digest_window_minutes = 0;
  std::string webhook_url;     // notify = "webhook": http:// or https:// URL of the POST
  std::string webhook_secret;  // HMAC-SHA256 key of X-FBL-Signature (>= 16 bytes)
};

struct FblIdKeyOptions {
  std::string id;      // short key id carried in tokens, e.g. "k1"
  std::string secret;  // >= 16 bytes; via secret / secret_env / secret_file
};

struct PipelineOptions {
  std::string authserv_id;  // our MTA's authserv-id in Authentication-Results
  // Feedback identifiers ([fbl_id]): header carrying the token, and keys (first one issues).
  std::string fbl_id_header = "X-FBL-ID";
  std::vector<FblIdKeyOptions> fbl_id_keys;
  std::vector<ProviderOptions> providers;
  std::vector<ClientOptions> clients;
  // [attribution]: a header of the original whose value names the client ("" = unused), and
  // the VERP prefix of envelope senders "<prefix>local=domain@host" ("" = unused).
  std::string identifier_header;
  std::string verp_prefix;
};

}  // namespace fbl
