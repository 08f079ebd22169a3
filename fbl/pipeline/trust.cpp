#include "fbl/pipeline/trust.h"

#include <algorithm>
#include <cctype>

namespace fbl {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// ---- Tokenizer (RFC 8601 section 2.2, with RFC 5322 comments and quoted strings) ----------

struct Token {
  enum class Type { kWord, kSemicolon, kEquals } type = Type::kWord;
  std::string text;
};

// Skips a comment starting at s[i] == '('; comments nest and may contain quoted pairs.
std::size_t SkipComment(std::string_view s, std::size_t i) {
  int depth = 0;
  for (; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '(') {
      ++depth;
    } else if (s[i] == ')' && --depth == 0) {
      return i + 1;
    }
  }
  return s.size();  // an unterminated comment swallows the rest
}

std::size_t ReadQuoted(std::string_view s, std::size_t i, std::string* out) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      out->push_back(s[++i]);
    } else if (s[i] == '"') {
      return i + 1;
    } else {
      out->push_back(s[i]);
    }
  }
  return s.size();
}

bool IsWordChar(char c) {
  return !std::isspace(static_cast<unsigned char>(c)) && c != ';' && c != '=' && c != '(' &&
         c != '"';
}

std::vector<Token> Tokenize(std::string_view s) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '(') {
      i = SkipComment(s, i);
    } else if (c == ';' || c == '=') {
      tokens.push_back({c == ';' ? Token::Type::kSemicolon : Token::Type::kEquals, {}});
      ++i;
    } else if (c == '"') {
      Token t;
      i = ReadQuoted(s, i, &t.text);
      tokens.push_back(std::move(t));
    } else {
      Token t;
      while (i < s.size() && IsWordChar(s[i])) t.text.push_back(s[i++]);
      tokens.push_back(std::move(t));
    }
  }
  return tokens;
}

bool IsWord(const std::vector<Token>& t, std::size_t i) {
  return i < t.size() && t[i].type == Token::Type::kWord;
}
bool IsEquals(const std::vector<Token>& t, std::size_t i) {
  return i < t.size() && t[i].type == Token::Type::kEquals;
}

// Parses one resinfo (the tokens between two semicolons). Returns nullopt when it is not
// "method = result ...".
std::optional<AuthMethodResult> ParseResinfo(const std::vector<Token>& t) {
  if (!IsWord(t, 0) || !IsEquals(t, 1) || !IsWord(t, 2)) return std::nullopt;
  AuthMethodResult r;
  std::string method = Lower(t[0].text);
  r.method = method.substr(0, method.find('/'));
  r.result = Lower(t[2].text);
  // Unquoted values may contain '=' (base64 header.b): resynchronise on "word = word".
  for (std::size_t i = 3; i < t.size();) {
    if (!IsWord(t, i) || !IsEquals(t, i + 1) || !IsWord(t, i + 2)) {
      ++i;
      continue;
    }
    std::string key = Lower(t[i].text);
    if (key == "reason") {
      r.reason = t[i + 2].text;
    } else {
      r.properties.emplace(key, t[i + 2].text);
    }
    i += 3;
  }
  return r;
}

std::string_view StripFieldName(std::string_view value) {
  constexpr std::string_view kName = "authentication-results:";
  if (value.size() >= kName.size() && Lower(value.substr(0, kName.size())) == kName) {
    value.remove_prefix(kName.size());
  }
  return value;
}

std::string DomainOf(std::string_view address_or_domain) {
  std::string_view s = address_or_domain;
  while (!s.empty() && (s.front() == '<' || s.front() == ' ')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == '>' || s.back() == ' ')) s.remove_suffix(1);
  std::size_t at = s.rfind('@');
  return Lower(at == std::string_view::npos ? s : s.substr(at + 1));
}

bool InDomains(std::string_view domain, const std::vector<std::string>& domains) {
  return !domain.empty() && std::any_of(domains.begin(), domains.end(), [&](const std::string& d) {
           return DomainMatches(domain, d);
         });
}

std::string Property(const AuthMethodResult& r, const std::string& key) {
  auto it = r.properties.find(key);
  return it == r.properties.end() ? std::string() : it->second;
}

// The evidence in one result that the provider authenticated, or "".
std::string PassEvidence(const AuthMethodResult& r, const ProviderOptions& provider) {
  if (r.result != "pass") return "";
  if (r.method == "dkim") {
    std::string d = DomainOf(Property(r, "header.d"));
    if (d.empty()) d = DomainOf(Property(r, "header.i"));
    if (InDomains(d, provider.domains)) return "dkim=pass header.d=" + d;
  }
  if (r.method == "spf") {
    std::string d = DomainOf(Property(r, "smtp.mailfrom"));
    if (InDomains(d, provider.domains)) return "spf=pass smtp.mailfrom=" + d;
  }
  return "";
}

// Our MTA's results: the first A-R header from the top with our authserv-id and the ones
// directly below it that also carry it.
std::vector<AuthenticationResults> OurResults(const std::vector<std::string>& headers,
                                              const std::string& authserv_id) {
  std::vector<AuthenticationResults> ours;
  std::string want = Lower(authserv_id);
  for (const auto& h : headers) {
    auto parsed = ParseAuthenticationResults(h);
    bool mine = parsed.ok() && parsed->authserv_id == want;
    if (!mine && !ours.empty()) break;
    if (mine) ours.push_back(std::move(parsed.value()));
  }
  return ours;
}

}  // namespace

Result<AuthenticationResults> ParseAuthenticationResults(std::string_view value) {
  std::vector<Token> tokens = Tokenize(StripFieldName(value));
  if (!IsWord(tokens, 0)) {
    return MakeError(ErrorCode::kMalformed, "Authentication-Results without an authserv-id");
  }
  AuthenticationResults out;
  out.authserv_id = Lower(tokens[0].text);
  std::vector<Token> current;
  bool in_resinfo = false;
  for (std::size_t i = 1; i <= tokens.size(); ++i) {
    bool end = i == tokens.size() || tokens[i].type == Token::Type::kSemicolon;
    if (!end) {
      if (in_resinfo) current.push_back(tokens[i]);
      continue;
    }
    if (in_resinfo) {
      if (auto r = ParseResinfo(current)) out.results.push_back(std::move(*r));
    }
    current.clear();
    in_resinfo = true;
  }
  return out;
}

bool DomainMatches(std::string_view domain, std::string_view parent) {
  std::string d = Lower(domain), p = Lower(parent);
  while (!d.empty() && d.back() == '.') d.pop_back();
  while (!p.empty() && p.back() == '.') p.pop_back();
  if (d.empty() || p.empty()) return false;
  if (d == p) return true;
  return d.size() > p.size() && d.compare(d.size() - p.size(), p.size(), p) == 0 &&
         d[d.size() - p.size() - 1] == '.';
}

const ProviderOptions* FindProvider(const std::vector<ProviderOptions>& providers,
                                    std::string_view reporter) {
  std::string domain = DomainOf(reporter);
  for (const auto& p : providers) {
    if (InDomains(domain, p.domains)) return &p;
  }
  return nullptr;
}

TrustDecision EvaluateTrust(const Report& report, const PipelineOptions& options) {
  TrustDecision d;
  const ProviderOptions* provider = FindProvider(options.providers, report.reporter);
  if (provider == nullptr) {
    d.reason = report.reporter.empty() ? "report has no From address"
                                       : "reporter domain is not a configured provider";
    return d;
  }
  d.provider = provider->name;
  if (provider->trust == "none") {
    d.trusted = true;
    d.reason = "provider " + provider->name + " has trust = none";
    return d;
  }
  if (options.authserv_id.empty()) {
    d.reason = "trust.authserv_id is not configured";
    return d;
  }
  auto ours = OurResults(report.outer_authentication_results, options.authserv_id);
  if (ours.empty()) {
    d.reason = "no Authentication-Results from " + options.authserv_id;
    return d;
  }
  for (const auto& ar : ours) {
    for (const auto& r : ar.results) {
      std::string evidence = PassEvidence(r, *provider);
      if (!evidence.empty()) {
        d.trusted = true;
        d.reason = evidence;
        return d;
      }
    }
  }
  d.reason = "no dkim=pass or spf=pass for a domain of provider " + provider->name;
  return d;
}

}  // namespace fbl
