#include "fbl/policy/maillog_service.h"

#include <chrono>
#include <ctime>

#include "alerts/rate_detector.h"
#include "fbl/log/log.h"
#include "parsers/postfix_log.h"

namespace fbl {

MaillogService::MaillogService(MaillogOptions options, const std::vector<ClientOptions>& clients,
                               PolicyServer::StoreFactory store_factory, PolicyServer* policy)
    : options_(std::move(options)), factory_(std::move(store_factory)), policy_(policy) {
  for (const auto& c : clients) {
    for (const auto& d : c.domains) client_by_domain_[AsciiLower(d)] = c.id;
  }
}

MaillogService::~MaillogService() { Stop(); }

int MaillogService::Year() const {
  if (options_.year != 0) return options_.year;
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return tm.tm_year + 1900;
}

Status MaillogService::Start() {
  if (options_.path.empty()) return MakeError(ErrorCode::kInvalidArgument, "maillog.path is empty");
  if (factory_) {
    auto store = factory_();
    if (!store.ok()) return store.error();
    store_ = std::move(store.value());
  }
  tailer_ = std::make_unique<LogTailer>(options_.path, options_.start_at_end);
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
  Log(LogLevel::kInfo, "maillog", "following the Postfix log", {{"path", options_.path}});
  return OkStatus();
}

void MaillogService::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MaillogService::Run() {
  std::vector<std::string> lines;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    lines.clear();
    Status s = tailer_->Poll(&lines);
    if (!s.ok()) Log(LogLevel::kWarn, "maillog", "reading the log failed", {{"error", s.error().ToString()}});
    if (auto problem = tailer_->TakeOpenProblem()) {
      Log(LogLevel::kWarn, "maillog", "the Postfix log cannot be opened; retrying every poll",
          {{"error", *problem}, {"path", options_.path}});
    }
    ProcessLines(lines);
    lock.lock();
    if (lines.empty()) cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_milliseconds), [this] { return stop_; });
  }
}

void MaillogService::ProcessLines(const std::vector<std::string>& lines) {
  int year = Year();
  std::vector<MaillogEvent> events;
  for (const auto& line : lines) {
    ++lines_;
    auto record = ParsePostfixLogLine(line, year);
    if (!record.ok()) continue;
    events.clear();
    tracker_.Feed(*record, &events);
    for (const auto& e : events) OnEvent(e);
  }
}

void MaillogService::OnEvent(const MaillogEvent& e) {
  if (e.kind == MaillogEvent::Kind::kOutcome) {
    if (policy_ && !e.account.empty()) policy_->OnDeliveryOutcome(e.account, e.time, e.bounced);
    return;
  }
  if (e.kind != MaillogEvent::Kind::kCompleted || !store_) return;
  if (!e.message_id.empty() && !e.recipients.empty()) {
    Status s = store_->RecordOutbound(e.message_id, e.recipients, e.account, e.time);
    if (!s.ok()) Log(LogLevel::kWarn, "maillog", "recording an outbound message failed", {{"error", s.error().ToString()}});
  }
  std::size_t at = e.sender.rfind('@');
  if (at == std::string::npos) return;
  auto client = client_by_domain_.find(AsciiLower(e.sender.substr(at + 1)));
  if (client == client_by_domain_.end()) return;
  Status s = store_->AddClientSent(client->second, e.time / 86400, 1);
  if (!s.ok()) Log(LogLevel::kWarn, "maillog", "counting a sent message failed", {{"error", s.error().ToString()}});
}

}  // namespace fbl
