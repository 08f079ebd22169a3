#include "alerts/maillog_tracker.h"

#include <algorithm>

namespace fbl {

namespace {

void AddUnique(std::vector<std::string>* list, const std::string& value, std::size_t cap) {
  if (list->size() >= cap) return;
  if (std::find(list->begin(), list->end(), value) == list->end()) list->push_back(value);
}

constexpr std::size_t kMaxRecipientsPerMessage = 10000;

}  // namespace

MaillogEvent MaillogTracker::Base(MaillogEvent::Kind kind, std::int64_t time,
                                  const std::string& qid, const Pending& p) const {
  MaillogEvent e;
  e.kind = kind;
  e.time = time;
  e.queue_id = qid;
  e.account = p.account;
  e.client_ip = p.client_ip;
  e.sender = p.sender;
  e.message_id = p.message_id;
  e.nrcpt = p.nrcpt;
  return e;
}

void MaillogTracker::Expire(std::int64_t now) {
  if (now - last_expire_ < 60 && pending_.size() < max_pending_) return;
  last_expire_ = now;
  std::erase_if(pending_, [&](const auto& kv) {
    bool old = kv.second.first_seen < now - max_age_;
    dropped_ += old ? 1 : 0;
    return old;
  });
  while (pending_.size() >= max_pending_) {
    auto oldest = std::min_element(pending_.begin(), pending_.end(), [](const auto& a, const auto& b) {
      return a.second.first_seen < b.second.first_seen;
    });
    pending_.erase(oldest);
    ++dropped_;
  }
}

void MaillogTracker::Feed(const PostfixRecord& r, std::vector<MaillogEvent>* out) {
  if (r.queue_id.empty()) return;
  Expire(r.time);
  auto it = pending_.find(r.queue_id);
  if (it == pending_.end()) {
    // Only a submission (smtpd client=) or pickup/qmgr line starts tracking a message.
    if (r.kind != PostfixRecordKind::kSmtpdClient && r.kind != PostfixRecordKind::kMessageId &&
        r.kind != PostfixRecordKind::kQmgrFrom) {
      return;
    }
    it = pending_.emplace(r.queue_id, Pending{}).first;
    it->second.first_seen = r.time;
  }
  Pending& p = it->second;
  switch (r.kind) {
    case PostfixRecordKind::kSmtpdClient:
      p.account = r.sasl_username;
      p.client_ip = r.client_ip;
      break;
    case PostfixRecordKind::kMessageId:
      p.message_id = r.message_id;
      break;
    case PostfixRecordKind::kQmgrFrom:
      p.sender = r.from;
      p.nrcpt = r.nrcpt;
      if (!p.queued) {
        p.queued = true;
        out->push_back(Base(MaillogEvent::Kind::kQueued, r.time, r.queue_id, p));
      }
      break;
    case PostfixRecordKind::kDelivery: {
      AddUnique(&p.recipients, r.to, kMaxRecipientsPerMessage);
      bool final = r.status == DeliveryStatus::kSent || r.status == DeliveryStatus::kBounced ||
                   r.status == DeliveryStatus::kExpired;
      if (!final) break;
      AddUnique(&p.finished, r.to, kMaxRecipientsPerMessage);
      MaillogEvent e = Base(MaillogEvent::Kind::kOutcome, r.time, r.queue_id, p);
      e.recipient = r.to;
      e.bounced = r.status != DeliveryStatus::kSent;
      out->push_back(std::move(e));
      if (p.nrcpt > 0 && p.finished.size() >= static_cast<std::size_t>(p.nrcpt)) {
        MaillogEvent done = Base(MaillogEvent::Kind::kCompleted, r.time, r.queue_id, p);
        done.recipients = p.recipients;
        out->push_back(std::move(done));
        pending_.erase(it);
      }
      break;
    }
    case PostfixRecordKind::kRemoved: {
      if (p.queued) {
        MaillogEvent done = Base(MaillogEvent::Kind::kCompleted, r.time, r.queue_id, p);
        done.recipients = p.recipients;
        out->push_back(std::move(done));
      }
      pending_.erase(it);
      break;
    }
    default:
      break;
  }
}

}  // namespace fbl
