#include "fbl/api/handlers.h"

#include <prometheus/text_serializer.h>

#include <algorithm>
#include <charconv>
#include <chrono>

#include "fbl/api/json_body.h"
#include "fbl/log/log.h"
#include "parsers/report_json.h"

namespace fbl::api {
namespace {

using nlohmann::json;

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;
constexpr std::int64_t kDefaultStatsDays = 30;
constexpr std::int64_t kMaxStatsDays = 366;

// One request on its way through a handler.
struct Call {
  const Request& req;
  ApiContext& ctx;
  const Principal& who;
  const Target& target;
  const std::vector<std::string>& params;
};

// An answer whose JSON body is already written.
Response WrittenJsonResponse(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response JsonResponse(int status, const json& body) { return WrittenJsonResponse(status, DumpJson(body)); }

Response NoContent() {
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

Response StoreFailure(const Error& e) {
  switch (e.code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kMalformed:
      return ErrorResponse(400, "bad_request", e.detail);
    case ErrorCode::kLimitExceeded:
      return ErrorResponse(413, "payload_too_large", e.detail);
    case ErrorCode::kNotFound:
      return ErrorResponse(404, "not_found", e.detail);
    case ErrorCode::kConflict:
      return ErrorResponse(409, "conflict", e.detail);
    case ErrorCode::kUnavailable:
      Log(LogLevel::kWarn, "api", "store unavailable", {{"error", e.detail}});
      return ErrorResponse(503, "unavailable", "the database is unavailable; retry");
    default:
      Log(LogLevel::kError, "api", "store error", {{"error", e.ToString()}});
      return ErrorResponse(500, "internal", "internal error");
  }
}

const std::string* QueryParam(const Target& t, const std::string& key) {
  auto it = t.query.find(key);
  return it == t.query.end() ? nullptr : &it->second;
}

bool IsScopeId(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

// The scope a write or a scoped read applies to: a client token's own client; for admin the
// given scope ("*" when absent). Error responses for a bad or foreign scope.
Result<std::string> ScopeFor(const Principal& who, const std::string* given) {
  if (!who.admin) {
    if (given != nullptr && *given != who.client_id) {
      return MakeError(ErrorCode::kInvalidArgument, "a client token acts only on its own scope");
    }
    return who.client_id;
  }
  if (given == nullptr || *given == kGlobalScope) return std::string(kGlobalScope);
  if (!IsScopeId(*given)) return MakeError(ErrorCode::kInvalidArgument, "scope must be '*' or a client id");
  return *given;
}

Response ScopeError(const Error& e) { return ErrorResponse(403, "forbidden", e.detail); }

Result<int> PageLimit(const Target& t) {
  const std::string* text = QueryParam(t, "limit");
  if (text == nullptr) return kDefaultPageSize;
  int limit = 0;
  auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
  if (ec != std::errc() || p != text->data() + text->size() || limit < 1 || limit > kMaxPageSize) {
    return MakeError(ErrorCode::kInvalidArgument, "limit must be 1.." + std::to_string(kMaxPageSize));
  }
  return limit;
}

Result<std::int64_t> Cursor(const Target& t) {
  const std::string* text = QueryParam(t, "cursor");
  if (text == nullptr || text->empty()) return std::int64_t{0};
  std::int64_t id = 0;
  auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), id);
  if (ec != std::errc() || p != text->data() + text->size() || id < 0) {
    return MakeError(ErrorCode::kInvalidArgument, "cursor is not one this API returned");
  }
  return id;
}

Result<std::optional<UnixTime>> TimeParam(const Target& t, const std::string& key) {
  const std::string* text = QueryParam(t, key);
  if (text == nullptr) return std::optional<UnixTime>();
  auto parsed = ParseTime(*text);
  if (!parsed.ok()) return MakeError(ErrorCode::kInvalidArgument, key + ": " + parsed.error().detail);
  return std::optional<UnixTime>(*parsed);
}

Response BadRequest(const Error& e) { return ErrorResponse(400, "bad_request", e.detail); }

Result<NormalizedAddress> AddressParam(const Call& c, std::size_t index = 0) {
  auto n = NormalizeAddress(c.params.at(index), *c.ctx.address);
  if (!n.ok()) return MakeError(ErrorCode::kInvalidArgument, "invalid address: " + n.error().detail);
  return n;
}

Response InvalidAddress(const Error& e) { return ErrorResponse(400, "invalid_address", e.detail); }

json OptionalTime(const std::optional<UnixTime>& t) { return t ? json(FormatTime(*t)) : json(nullptr); }

// A suppression as the JSON object {address, address_original, count, expires_at, first_seen,
// id, last_seen, note, reason, scope, source_report_id}, written directly as DumpJson would
// write it (keys in nlohmann's sorted order, strings by AppendJsonString): every lookup and
// listing answer is made of these.
void AppendSuppressionJson(std::string* out, const Suppression& s) {
  out->append("{\"address\":");
  AppendJsonString(out, s.address);
  out->append(",\"address_original\":");
  AppendJsonString(out, s.address_original);
  out->append(",\"count\":").append(std::to_string(s.count));
  out->append(",\"expires_at\":");
  if (s.expires_at) {
    AppendJsonString(out, FormatTime(*s.expires_at));
  } else {
    out->append("null");
  }
  out->append(",\"first_seen\":");
  AppendJsonString(out, FormatTime(s.first_seen));
  out->append(",\"id\":").append(std::to_string(s.id));
  out->append(",\"last_seen\":");
  AppendJsonString(out, FormatTime(s.last_seen));
  out->append(",\"note\":");
  AppendJsonString(out, s.note);
  out->append(",\"reason\":");
  AppendJsonString(out, SuppressionReasonName(s.reason));
  out->append(",\"scope\":");
  AppendJsonString(out, s.scope);
  out->append(",\"source_report_id\":");
  out->append(s.source_report_id ? std::to_string(*s.source_report_id) : std::string("null"));
  out->push_back('}');
}

// "[{...},{...}]" of AppendSuppressionJson.
void AppendSuppressionArray(std::string* out, const std::vector<Suppression>& rows) {
  out->push_back('[');
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendSuppressionJson(out, rows[i]);
  }
  out->push_back(']');
}

// Suppression or SuppressionMatch.
template <typename Row>
bool Active(const Row& s, UnixTime now) {
  return !s.expires_at || *s.expires_at > now;
}

std::vector<Suppression> Visible(std::vector<Suppression> rows, const Principal& who, UnixTime now) {
  rows.erase(std::remove_if(rows.begin(), rows.end(),
                            [&](const Suppression& s) { return !who.CanSee(s.scope) || !Active(s, now); }),
             rows.end());
  return rows;
}

AuditEntry AuditFor(const Call& c, std::string action, std::string target, std::string detail = "") {
  return AuditEntry{c.who.Actor(), std::move(action), std::move(target), std::move(detail)};
}

// ---- /healthz, /readyz, /metrics -------------------------------------------------------

Response Healthz() { return JsonResponse(200, json{{"status", "ok"}}); }

Response Readyz(ApiContext& ctx) {
  Status s = ctx.store->Ping();
  if (!s.ok()) {
    Log(LogLevel::kWarn, "api", "readiness check failed", {{"error", s.error().detail}});
    return ErrorResponse(503, "unavailable", "the database is not reachable");
  }
  return JsonResponse(200, json{{"status", "ready"}});
}

Response MetricsText(ApiContext& ctx) {
  if (ctx.metrics == nullptr) return ErrorResponse(503, "unavailable", "metrics are not enabled");
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = prometheus::TextSerializer().Serialize(ctx.metrics->registry()->Collect());
  return r;
}

// ---- suppressions ------------------------------------------------------------------------

Response GetSuppression(const Call& c) {
  auto addr = AddressParam(c);
  if (!addr.ok()) return InvalidAddress(addr.error());
  auto rows = c.ctx.store->LookupSuppressions(addr->key);
  if (!rows.ok()) return StoreFailure(rows.error());
  std::vector<Suppression> visible = Visible(std::move(*rows), c.who, c.ctx.now());
  if (visible.empty()) return ErrorResponse(404, "not_found", "the address is not suppressed");
  std::string body = "{\"address\":";
  AppendJsonString(&body, addr->key);
  body.append(",\"suppressed\":true,\"suppressions\":");
  AppendSuppressionArray(&body, visible);
  body.push_back('}');
  return WrittenJsonResponse(200, std::move(body));
}

// Rows of one scope filter, appended to *out.
Status ListScope(Store& store, SuppressionFilter filter, std::optional<std::string> scope,
                 std::vector<Suppression>* out) {
  filter.scope = std::move(scope);
  auto rows = store.ListSuppressions(filter);
  if (!rows.ok()) return rows.error();
  out->insert(out->end(), rows->begin(), rows->end());
  return OkStatus();
}

// The paging and time-window parameters every listing takes: since, until, limit, cursor.
template <typename Filter>
Status ReadPageParams(const Target& t, Filter* f) {
  auto since = TimeParam(t, "since");
  if (!since.ok()) return since.error();
  auto until = TimeParam(t, "until");
  if (!until.ok()) return until.error();
  auto limit = PageLimit(t);
  if (!limit.ok()) return limit.error();
  auto cursor = Cursor(t);
  if (!cursor.ok()) return cursor.error();
  f->since = *since;
  f->until = *until;
  f->limit = *limit;
  f->after_id = *cursor;
  return OkStatus();
}

Result<SuppressionFilter> SuppressionFilterFrom(const Target& t) {
  SuppressionFilter f;
  if (const std::string* reason = QueryParam(t, "reason")) {
    auto r = ParseSuppressionReason(*reason);
    if (!r) return MakeError(ErrorCode::kInvalidArgument, "unknown reason '" + Sanitize(*reason, 64) + "'");
    f.reason = *r;
  }
  if (Status page = ReadPageParams(t, &f); !page.ok()) return page.error();
  if (const std::string* q = QueryParam(t, "q")) f.query = q->substr(0, 320);
  return f;
}

// Cursor pagination by id: the client's view is the union of its scope and the global one,
// each fetched up to `limit` past the cursor and merged, so no row is skipped.
Response ListSuppressions(const Call& c) {
  auto filter = SuppressionFilterFrom(c.target);
  if (!filter.ok()) return BadRequest(filter.error());
  std::vector<Suppression> rows;
  Status s;
  if (c.who.admin) {
    const std::string* scope = QueryParam(c.target, "scope");
    s = ListScope(*c.ctx.store, *filter, scope ? std::optional<std::string>(*scope) : std::nullopt, &rows);
  } else {
    s = ListScope(*c.ctx.store, *filter, c.who.client_id, &rows);
    if (s.ok()) s = ListScope(*c.ctx.store, *filter, std::string(kGlobalScope), &rows);
  }
  if (!s.ok()) return StoreFailure(s.error());
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  bool more = rows.size() >= static_cast<std::size_t>(filter->limit);
  if (rows.size() > static_cast<std::size_t>(filter->limit)) rows.resize(filter->limit);
  std::string body = "{\"items\":";
  AppendSuppressionArray(&body, rows);
  body.append(",\"next_cursor\":");
  body.append(more && !rows.empty() ? "\"" + std::to_string(rows.back().id) + "\"" : std::string("null"));
  body.push_back('}');
  return WrittenJsonResponse(200, std::move(body));
}

// Reads the optional fields of a manual suppression from a JSON object.
Status ReadManualFields(const json& body, ManualSuppression* out) {
  if (body.contains("reason")) {
    if (!body["reason"].is_string()) return MakeError(ErrorCode::kInvalidArgument, "reason must be a string");
    auto r = ParseSuppressionReason(body["reason"].get<std::string>());
    if (!r) return MakeError(ErrorCode::kInvalidArgument, "unknown reason");
    out->reason = *r;
  }
  if (body.contains("note")) {
    if (!body["note"].is_string()) return MakeError(ErrorCode::kInvalidArgument, "note must be a string");
    out->note = body["note"].get<std::string>().substr(0, 1024);
  }
  if (body.contains("expires_at") && !body["expires_at"].is_null()) {
    if (!body["expires_at"].is_string()) return MakeError(ErrorCode::kInvalidArgument, "expires_at must be a string");
    auto t = ParseTime(body["expires_at"].get<std::string>());
    if (!t.ok()) return MakeError(ErrorCode::kInvalidArgument, "expires_at: " + t.error().detail);
    out->expires_at = *t;
  }
  return OkStatus();
}

const std::string* BodyScope(const json& body, std::string* holder) {
  if (!body.contains("scope")) return nullptr;
  *holder = body["scope"].is_string() ? body["scope"].get<std::string>() : std::string("\x01");
  return holder;
}

Response PutSuppression(const Call& c) {
  auto addr = AddressParam(c);
  if (!addr.ok()) return InvalidAddress(addr.error());
  auto body = ParseJsonObject(c.req.body);
  if (!body.ok()) return ErrorResponse(400, "invalid_json", body.error().detail);
  std::string holder;
  auto scope = ScopeFor(c.who, BodyScope(*body, &holder));
  if (!scope.ok()) return ScopeError(scope.error());
  ManualSuppression m;
  m.scope = *scope;
  m.address = addr->original;
  Status fields = ReadManualFields(*body, &m);
  if (!fields.ok()) return BadRequest(fields.error());
  auto added = c.ctx.store->AddSuppression(
      m, AuditFor(c, "suppression.add", m.scope + ":" + addr->key, SuppressionReasonName(m.reason)));
  if (!added.ok()) return StoreFailure(added.error());
  std::string answer;
  AppendSuppressionJson(&answer, *added);
  return WrittenJsonResponse(200, std::move(answer));
}

// DELETE of one (scope, address) row, audited as `action`; 404 with `missing` when absent.
// `remove(store, scope, address, audit)` does the store call.
template <typename Remove>
Response RemoveScoped(const Call& c, const std::string& action, const char* missing, Remove remove) {
  auto addr = AddressParam(c);
  if (!addr.ok()) return InvalidAddress(addr.error());
  auto scope = ScopeFor(c.who, QueryParam(c.target, "scope"));
  if (!scope.ok()) return ScopeError(scope.error());
  Status s = remove(*c.ctx.store, *scope, addr->key, AuditFor(c, action, *scope + ":" + addr->key));
  if (!s.ok() && s.error().code == ErrorCode::kNotFound) return ErrorResponse(404, "not_found", missing);
  if (!s.ok()) return StoreFailure(s.error());
  return NoContent();
}

Response DeleteSuppression(const Call& c) {
  return RemoveScoped(c, "suppression.remove", "the address is not suppressed",
                      [](Store& st, const std::string& scope, const std::string& address,
                         const AuditEntry& audit) { return st.RemoveSuppression(scope, address, audit); });
}

// The "addresses" (or "items") array of a check/bulk body, bounded by max_check_addresses.
Result<const json*> BoundedArray(const json& body, const char* key, int max_items) {
  if (!body.contains(key) || !body[key].is_array()) {
    return MakeError(ErrorCode::kInvalidArgument, std::string("'") + key + "' must be an array");
  }
  const json& items = body[key];
  if (items.size() > static_cast<std::size_t>(max_items)) {
    return MakeError(ErrorCode::kLimitExceeded, std::string("at most ") + std::to_string(max_items) +
                                                    " entries per call, got " + std::to_string(items.size()));
  }
  return &items;
}

Response ArrayError(const Error& e) {
  if (e.code == ErrorCode::kLimitExceeded) return ErrorResponse(413, "payload_too_large", e.detail);
  return BadRequest(e);
}

// One result of a check, written as DumpJson would write the object {address, matches,
// suppressed} (keys in nlohmann's sorted order, strings by AppendJsonString), with the rows
// `who` may see and that are active at `now`; 1,000 of these per call are the hot path.
void AppendCheckItem(std::string* out, std::string_view given, std::span<const SuppressionMatch> rows,
                     const Principal& who, UnixTime now) {
  out->append("{\"address\":");
  AppendJsonString(out, given);
  bool any = false;
  for (const SuppressionMatch& s : rows) {
    if (!who.CanSee(s.scope) || !Active(s, now)) continue;
    out->append(any ? ",{\"last_seen\":" : ",\"matches\":[{\"last_seen\":");
    any = true;
    AppendJsonString(out, FormatTime(s.last_seen));
    out->append(",\"reason\":");
    AppendJsonString(out, SuppressionReasonName(s.reason));
    out->append(",\"scope\":");
    AppendJsonString(out, s.scope);
    out->push_back('}');
  }
  out->append(any ? "],\"suppressed\":true}" : ",\"suppressed\":false}");
}

// One element of a check's "addresses": a string as given, or anything else as JSON text.
struct CheckInput {
  std::string_view text;
  bool is_string = true;
};

// The answer to a check of `inputs` (already within max_check_addresses).
Response AnswerCheck(const Call& c, const std::vector<CheckInput>& inputs) {
  std::vector<std::string> keys;
  std::vector<int> key_of;  // index into keys, -1 for invalid addresses
  keys.reserve(inputs.size());
  key_of.reserve(inputs.size());
  for (const CheckInput& in : inputs) {
    auto n = in.is_string ? NormalizeAddress(in.text, *c.ctx.address)
                          : Result<NormalizedAddress>(MakeError(ErrorCode::kInvalidArgument, "not a string"));
    key_of.push_back(n.ok() ? static_cast<int>(keys.size()) : -1);
    if (n.ok()) keys.push_back(std::move(n->key));
  }
  auto found = c.ctx.store->CheckSuppressions(keys);
  if (!found.ok()) return StoreFailure(found.error());
  UnixTime now = c.ctx.now();
  std::string body;
  body.reserve(64 + key_of.size() * 96);
  body.append("{\"results\":[");
  for (std::size_t i = 0; i < key_of.size(); ++i) {
    if (i > 0) body.push_back(',');
    if (key_of[i] < 0) {  // as DumpJson writes {"address": ..., "error": "invalid address"}
      body.append("{\"address\":");
      AppendJsonString(&body, inputs[i].text);
      body.append(",\"error\":\"invalid address\"}");
      continue;
    }
    AppendCheckItem(&body, inputs[i].text, (*found)[static_cast<std::size_t>(key_of[i])], c.who, now);
  }
  body.append("]}");
  return WrittenJsonResponse(200, std::move(body));
}

Response CheckSuppressions(const Call& c) {
  const auto max = static_cast<std::size_t>(c.ctx.options->max_check_addresses);
  if (auto plain = PlainAddressList(c.req.body); plain && plain->size() <= max) {
    std::vector<CheckInput> inputs;
    inputs.reserve(plain->size());
    for (std::string_view a : *plain) inputs.push_back({a});
    return AnswerCheck(c, inputs);
  }
  auto body = ParseJsonObject(c.req.body);
  if (!body.ok()) return ErrorResponse(400, "invalid_json", body.error().detail);
  auto items = BoundedArray(*body, "addresses", c.ctx.options->max_check_addresses);
  if (!items.ok()) return ArrayError(items.error());
  std::vector<std::string> dumped;  // the JSON text of elements that are not strings
  dumped.reserve((*items)->size());  // never reallocated: inputs hold views into it
  std::vector<CheckInput> inputs;
  inputs.reserve((*items)->size());
  for (const json& a : **items) {
    if (a.is_string()) {
      inputs.push_back({a.get_ref<const std::string&>()});
    } else {
      dumped.push_back(a.dump());
      inputs.push_back({dumped.back(), false});
    }
  }
  return AnswerCheck(c, inputs);
}

// One item of a bulk call; returns its status object.
json BulkItem(const Call& c, const json& item) {
  if (!item.is_object() || !item.contains("op") || !item.contains("address") || !item["op"].is_string() ||
      !item["address"].is_string()) {
    return json{{"status", "invalid"}, {"error", "each item needs string 'op' and 'address'"}};
  }
  std::string op = item["op"].get<std::string>();
  std::string given = item["address"].get<std::string>();
  json out{{"op", op}, {"address", given}};
  auto addr = NormalizeAddress(given, *c.ctx.address);
  if (!addr.ok()) return out.update(json{{"status", "invalid"}, {"error", addr.error().detail}}), out;
  std::string holder;
  auto scope = ScopeFor(c.who, BodyScope(item, &holder));
  if (!scope.ok()) return out.update(json{{"status", "forbidden"}, {"error", scope.error().detail}}), out;
  if (op == "add") {
    ManualSuppression m{*scope, addr->original};
    Status fields = ReadManualFields(item, &m);
    if (!fields.ok()) return out.update(json{{"status", "invalid"}, {"error", fields.error().detail}}), out;
    auto added = c.ctx.store->AddSuppression(m, AuditFor(c, "suppression.add", m.scope + ":" + addr->key, "bulk"));
    if (!added.ok()) return out.update(json{{"status", "error"}, {"error", added.error().detail}}), out;
    return out.update(json{{"status", "added"}, {"id", added->id}}), out;
  }
  if (op == "delete") {
    Status s = c.ctx.store->RemoveSuppression(*scope, addr->key,
                                              AuditFor(c, "suppression.remove", *scope + ":" + addr->key, "bulk"));
    if (!s.ok() && s.error().code == ErrorCode::kNotFound) return out.update(json{{"status", "not_found"}}), out;
    if (!s.ok()) return out.update(json{{"status", "error"}, {"error", s.error().detail}}), out;
    return out.update(json{{"status", "deleted"}}), out;
  }
  return out.update(json{{"status", "invalid"}, {"error", "op must be 'add' or 'delete'"}}), out;
}

Response BulkSuppressions(const Call& c) {
  auto body = ParseJsonObject(c.req.body);
  if (!body.ok()) return ErrorResponse(400, "invalid_json", body.error().detail);
  auto items = BoundedArray(*body, "items", c.ctx.options->max_check_addresses);
  if (!items.ok()) return ArrayError(items.error());
  json results = json::array();
  for (const json& item : **items) results.push_back(BulkItem(c, item));
  return JsonResponse(200, json{{"results", results}});
}

// ---- allowlist ---------------------------------------------------------------------------

json AllowlistJson(const AllowlistEntry& e) {
  return json{{"scope", e.scope}, {"address", e.address}, {"note", e.note}, {"created_at", FormatTime(e.created_at)}};
}

// The allowlist cursor is "<scope>/<address>" percent-encoded by the client as any value.
Response ListAllowlist(const Call& c) {
  auto limit = PageLimit(c.target);
  if (!limit.ok()) return BadRequest(limit.error());
  AllowlistFilter f;
  f.limit = *limit;
  if (c.who.admin) {
    if (const std::string* scope = QueryParam(c.target, "scope")) f.scope = *scope;
  } else {
    f.scope = c.who.client_id;
  }
  if (const std::string* cursor = QueryParam(c.target, "cursor")) {
    std::size_t cut = cursor->find('/');
    if (cut == std::string::npos) return BadRequest(MakeError(ErrorCode::kInvalidArgument, "bad cursor"));
    f.after_scope = cursor->substr(0, cut);
    f.after_address = cursor->substr(cut + 1);
  }
  auto rows = c.ctx.store->ListAllowlist(f);
  if (!rows.ok()) return StoreFailure(rows.error());
  json items = json::array();
  for (const auto& e : *rows) items.push_back(AllowlistJson(e));
  json next = rows->size() >= static_cast<std::size_t>(f.limit) && !rows->empty()
                  ? json(rows->back().scope + "/" + rows->back().address)
                  : json(nullptr);
  return JsonResponse(200, json{{"items", items}, {"next_cursor", next}});
}

Response GetAllowlist(const Call& c) {
  auto addr = AddressParam(c);
  if (!addr.ok()) return InvalidAddress(addr.error());
  auto scope = ScopeFor(c.who, QueryParam(c.target, "scope"));
  if (!scope.ok()) return ErrorResponse(404, "not_found", "the address is not allowlisted");
  auto entry = c.ctx.store->GetAllowlist(*scope, addr->key);
  if (!entry.ok()) return StoreFailure(entry.error());
  if (!*entry) return ErrorResponse(404, "not_found", "the address is not allowlisted");
  return JsonResponse(200, AllowlistJson(**entry));
}

Response PutAllowlist(const Call& c) {
  auto addr = AddressParam(c);
  if (!addr.ok()) return InvalidAddress(addr.error());
  auto body = ParseJsonObject(c.req.body);
  if (!body.ok()) return ErrorResponse(400, "invalid_json", body.error().detail);
  std::string holder;
  auto scope = ScopeFor(c.who, BodyScope(*body, &holder));
  if (!scope.ok()) return ScopeError(scope.error());
  std::string note;
  if (body->contains("note")) {
    if (!(*body)["note"].is_string()) return BadRequest(MakeError(ErrorCode::kInvalidArgument, "note must be a string"));
    note = (*body)["note"].get<std::string>().substr(0, 1024);
  }
  Status s = c.ctx.store->AddAllowlist(*scope, addr->key, note,
                                       AuditFor(c, "allowlist.add", *scope + ":" + addr->key));
  if (!s.ok()) return StoreFailure(s.error());
  return JsonResponse(200, json{{"scope", *scope}, {"address", addr->key}, {"note", note}});
}

Response DeleteAllowlist(const Call& c) {
  return RemoveScoped(c, "allowlist.remove", "the address is not allowlisted",
                      [](Store& st, const std::string& scope, const std::string& address,
                         const AuditEntry& audit) { return st.RemoveAllowlist(scope, address, audit); });
}

// ---- complaints, stats, accounts ---------------------------------------------------------

json ComplaintJson(const ComplaintRecord& r) {
  return json{{"id", r.id},
              {"report_id", r.report_id},
              {"client", r.client_id ? json(*r.client_id) : json(nullptr)},
              {"address", r.address},
              {"provider", r.provider},
              {"feedback_type", r.feedback_type},
              {"message_id", r.message_id},
              {"subject", r.subject},
              {"arrival_date", OptionalTime(r.arrival_at)},
              {"created_at", FormatTime(r.created_at)}};
}

Result<ComplaintFilter> ComplaintFilterFrom(const Target& t) {
  ComplaintFilter f;
  if (const std::string* v = QueryParam(t, "client")) f.client_id = *v;
  if (const std::string* v = QueryParam(t, "provider")) f.provider = *v;
  if (const std::string* v = QueryParam(t, "feedback_type")) f.feedback_type = *v;
  if (Status page = ReadPageParams(t, &f); !page.ok()) return page.error();
  return f;
}

// A client token sees its own complaints only; asking for another client's gives the same
// empty page as a client without complaints.
Response ListComplaints(const Call& c) {
  auto filter = ComplaintFilterFrom(c.target);
  if (!filter.ok()) return BadRequest(filter.error());
  if (!c.who.admin) {
    if (filter->client_id && *filter->client_id != c.who.client_id) {
      return JsonResponse(200, json{{"items", json::array()}, {"next_cursor", nullptr}});
    }
    filter->client_id = c.who.client_id;
  }
  auto rows = c.ctx.store->ListComplaints(*filter);
  if (!rows.ok()) return StoreFailure(rows.error());
  json items = json::array();
  for (const auto& r : *rows) items.push_back(ComplaintJson(r));
  bool more = rows->size() >= static_cast<std::size_t>(filter->limit) && !rows->empty();
  return JsonResponse(200, json{{"items", items},
                                {"next_cursor", more ? json(std::to_string(rows->back().id)) : json(nullptr)}});
}

json StatsDays(const ClientStats& stats) {
  std::map<std::int64_t, json> days;
  for (const auto& row : stats.complaints) {
    json& d = days[row.day];
    if (d.is_null()) d = json{{"complaints", 0}, {"by_provider", json::object()}};
    d["by_provider"][row.provider.empty() ? "other" : row.provider] = row.complaints;
    d["complaints"] = d["complaints"].get<std::int64_t>() + row.complaints;
  }
  for (const auto& s : stats.sent) {
    json& d = days[s.day];
    if (d.is_null()) d = json{{"complaints", 0}, {"by_provider", json::object()}};
    d["sent"] = s.sent;
  }
  json out = json::array();
  for (auto& [day, d] : days) {
    d["day"] = FormatTime(day * 86400).substr(0, 10);
    bool known = d.contains("sent") && d["sent"].get<std::int64_t>() > 0;
    if (!d.contains("sent")) d["sent"] = nullptr;
    d["complaint_rate"] = known ? json(static_cast<double>(d["complaints"].get<std::int64_t>()) /
                                       static_cast<double>(d["sent"].get<std::int64_t>()))
                                : json(nullptr);
    out.push_back(std::move(d));
  }
  return out;
}

Response ClientStatsOf(const Call& c) {
  const std::string& client = c.params.at(0);
  if (!c.who.admin && client != c.who.client_id) return ErrorResponse(404, "not_found", "no such client");
  UnixTime now = c.ctx.now();
  auto since = TimeParam(c.target, "since");
  if (!since.ok()) return BadRequest(since.error());
  auto until = TimeParam(c.target, "until");
  if (!until.ok()) return BadRequest(until.error());
  UnixTime to = until->value_or(now);
  UnixTime from = since->value_or(to - kDefaultStatsDays * 86400);
  if (from >= to || to - from > kMaxStatsDays * 86400) {
    return BadRequest(MakeError(ErrorCode::kInvalidArgument, "need since < until, at most 366 days apart"));
  }
  auto stats = c.ctx.store->GetClientStats(client, from, to);
  if (!stats.ok()) return StoreFailure(stats.error());
  std::int64_t complaints = 0;
  std::int64_t sent = 0;
  for (const auto& row : stats->complaints) complaints += row.complaints;
  for (const auto& s : stats->sent) sent += s.sent;
  return JsonResponse(200, json{{"client", client},
                                {"since", FormatTime(from)},
                                {"until", FormatTime(to)},
                                {"complaints", complaints},
                                {"sent", stats->sent.empty() ? json(nullptr) : json(sent)},
                                {"days", StatsDays(*stats)}});
}

Response ListAccounts(const Call& c) {
  if (!c.who.admin) return ErrorResponse(403, "forbidden", "accounts need an admin token");
  auto rows = c.ctx.store->ListHeldAccounts();
  if (!rows.ok()) return StoreFailure(rows.error());
  json items = json::array();
  for (const auto& a : *rows) {
    items.push_back(json{{"username", a.username}, {"held", a.held}, {"held_at", OptionalTime(a.held_at)},
                         {"held_reason", a.held_reason}, {"updated_at", FormatTime(a.updated_at)}});
  }
  return JsonResponse(200, json{{"items", items}});
}

Response ReleaseAccount(const Call& c) {
  if (!c.who.admin) return ErrorResponse(403, "forbidden", "accounts need an admin token");
  const std::string& user = c.params.at(0);
  if (user.size() > 320) return BadRequest(MakeError(ErrorCode::kInvalidArgument, "username too long"));
  Status s = c.ctx.store->ReleaseAccount(user, AuditFor(c, "account.release", user), c.ctx.now());
  if (!s.ok() && s.error().code == ErrorCode::kNotFound) return ErrorResponse(404, "not_found", "the account is not held");
  if (!s.ok()) return StoreFailure(s.error());
  return JsonResponse(200, json{{"username", user}, {"held", false}});
}

// ---- dispatch ----------------------------------------------------------------------------

Response Dispatch(RouteId id, const Call& c) {
  switch (id) {
    case RouteId::kSuppressionsList: return ListSuppressions(c);
    case RouteId::kSuppressionsCheck: return CheckSuppressions(c);
    case RouteId::kSuppressionsBulk: return BulkSuppressions(c);
    case RouteId::kSuppressionGet: return GetSuppression(c);
    case RouteId::kSuppressionPut: return PutSuppression(c);
    case RouteId::kSuppressionDelete: return DeleteSuppression(c);
    case RouteId::kAllowlistList: return ListAllowlist(c);
    case RouteId::kAllowlistGet: return GetAllowlist(c);
    case RouteId::kAllowlistPut: return PutAllowlist(c);
    case RouteId::kAllowlistDelete: return DeleteAllowlist(c);
    case RouteId::kComplaintsList: return ListComplaints(c);
    case RouteId::kClientStats: return ClientStatsOf(c);
    case RouteId::kAccountsList: return ListAccounts(c);
    case RouteId::kAccountRelease: return ReleaseAccount(c);
    default: return ErrorResponse(500, "internal", "route without handler");
  }
}

// The principal behind the request, or the response refusing it.
Result<Principal> Authenticate(const Request& req, ApiContext& ctx, Response* refusal) {
  const Error kRefused = MakeError(ErrorCode::kInvalidArgument, "refused");
  if (req.authorization.empty()) {
    if (ctx.options->allow_anonymous_reads && req.from_loopback && req.method == "GET") {
      Principal anonymous;
      anonymous.admin = true;
      return anonymous;
    }
    *refusal = ErrorResponse(401, "unauthorized", "a bearer token is required");
    refusal->headers.emplace_back("WWW-Authenticate", "Bearer");
    return kRefused;
  }
  auto bearer = ParseBearer(req.authorization);
  std::optional<ApiToken> token;
  if (bearer) {
    auto found = ctx.store->GetApiToken(bearer->id);
    if (!found.ok()) return *refusal = StoreFailure(found.error()), kRefused;
    token = std::move(*found);
  }
  if (!bearer || !token || token->revoked_at || !SecretMatches(token->secret_hash, bearer->secret) ||
      !ValidateScope(token->scope).ok()) {
    *refusal = ErrorResponse(401, "unauthorized", "invalid or revoked token");
    refusal->headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    return kRefused;
  }
  if (ctx.limiter != nullptr && !ctx.limiter->Allow(token->id, ctx.monotonic_seconds())) {
    *refusal = ErrorResponse(429, "rate_limited", "too many requests for this token");
    refusal->headers.emplace_back("Retry-After",
                                  std::to_string(ctx.limiter->RetryAfter(token->id, ctx.monotonic_seconds())));
    return kRefused;
  }
  return PrincipalFor(*token);
}

Response Serve(const Request& req, ApiContext& ctx, const Route& route, const Target& target,
               const std::vector<std::string>& params) {
  switch (route.id) {
    case RouteId::kHealthz: return Healthz();
    case RouteId::kReadyz: return Readyz(ctx);
    case RouteId::kMetrics: return MetricsText(ctx);
    default: break;
  }
  // One snapshot for the token and the data of a read; writes take their own transactions.
  std::unique_ptr<ReadSnapshot> snapshot = route.writes ? nullptr : ctx.store->BeginReadSnapshot();
  Response refusal;
  auto who = Authenticate(req, ctx, &refusal);
  if (!who.ok()) return refusal;
  if (route.writes && !who->writable) return ErrorResponse(403, "forbidden", "the token is read-only");
  return Dispatch(route.id, Call{req, ctx, *who, target, params});
}

RoutedRequest MatchRequest(const Request& req) {
  RoutedRequest out;
  out.start = std::chrono::steady_clock::now();
  auto target = ParseTarget(req.target);
  if (!target.ok()) {
    out.refusal = ErrorResponse(400, "bad_request", target.error().detail);
    return out;
  }
  RouteMatch m = MatchRoute(req.method, target->segments);
  if (m.route == nullptr && m.allow.empty()) {
    out.refusal = ErrorResponse(404, "not_found", "no such resource");
  } else if (m.route == nullptr) {
    Response r = ErrorResponse(405, "method_not_allowed", "method not allowed on this resource");
    std::string allow;
    for (auto method : m.allow) allow += (allow.empty() ? "" : ", ") + std::string(method);
    r.headers.emplace_back("Allow", allow);
    out.refusal = std::move(r);
  } else {
    out.route = m.route;
    out.target = std::move(*target);
    out.params = std::move(m.params);
  }
  return out;
}

void Record(ApiContext& ctx, const Route* route, int status, double seconds) {
  if (ctx.metrics == nullptr) return;
  const auto route_index = route == nullptr ? 0 : static_cast<std::uint64_t>(route - RouteTable().data()) + 1;
  const std::uint64_t key = (route_index << 16) | static_cast<std::uint16_t>(status);
  auto it = ctx.metric_children.find(key);
  if (it == ctx.metric_children.end()) {
    std::string label(route ? route->path : std::string_view("unmatched"));
    auto* requests = &ctx.metrics->api_requests.Add({{"route", label}, {"code", std::to_string(status)}});
    auto* latency = &ctx.metrics->api_latency.Add({{"route", label}}, LatencyBuckets());
    it = ctx.metric_children.emplace(key, std::make_pair(requests, latency)).first;
  }
  it->second.first->Increment();
  it->second.second->Observe(seconds);
}

}  // namespace

Response ErrorResponse(int status, std::string_view code, std::string_view message) {
  Response r;
  r.status = status;
  r.body = "{\"error\":{\"code\":";  // as DumpJson writes {"error":{"code":..,"message":..}}
  AppendJsonString(&r.body, code);
  r.body.append(",\"message\":");
  AppendJsonString(&r.body, message);
  r.body.append("}}");
  return r;
}

RoutedRequest RouteRequest(const Request& request) {
  try {
    return MatchRequest(request);
  } catch (const std::exception& e) {
    // The standard library (bad_alloc): nothing of ours throws here.
    Log(LogLevel::kError, "api", "routing failed", {{"error", e.what()}});
    RoutedRequest out;
    out.start = std::chrono::steady_clock::now();
    out.refusal = ErrorResponse(500, "internal", "internal error");
    return out;
  }
}

bool IsQuick(const RoutedRequest& routed) {
  if (routed.route == nullptr) return true;  // a refusal: already written
  switch (routed.route->id) {
    case RouteId::kHealthz:
    case RouteId::kSuppressionGet:
    case RouteId::kAllowlistGet:
      return true;
    default:
      return false;
  }
}

Response HandleRouted(const Request& request, const RoutedRequest& routed, ApiContext& context) {
  Response response;
  if (routed.refusal) {
    response = *routed.refusal;
  } else {
    try {
      response = Serve(request, context, *routed.route, routed.target, routed.params);
    } catch (const std::exception& e) {
      // nlohmann or the standard library (bad_alloc): the boundary of third-party code.
      Log(LogLevel::kError, "api", "request failed", {{"error", e.what()}});
      response = ErrorResponse(500, "internal", "internal error");
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - routed.start).count();
  Record(context, routed.route, response.status, seconds);
  return response;
}

Response HandleRequest(const Request& request, ApiContext& context) {
  return HandleRouted(request, RouteRequest(request), context);
}

}  // namespace fbl::api
