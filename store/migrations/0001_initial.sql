-- Schema version 1. Forward-only: later versions add files 0002_*.sql, never edit this one.
-- Times are integer Unix seconds (UTC). Addresses: `address` is the normalised key
-- (parsers/address.h), `address_original` the spelling as first seen.

CREATE TABLE clients (
  id            TEXT PRIMARY KEY,          -- configured client id, e.g. "acme"
  name          TEXT NOT NULL DEFAULT '',
  notify_email  TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL
);

-- Domains that map a report to a client: sending (From / envelope) domains and DKIM d= domains.
CREATE TABLE client_domains (
  domain     TEXT NOT NULL,                -- lowercase IDNA A-label
  kind       TEXT NOT NULL CHECK (kind IN ('sending','dkim','list','return-path')),
  client_id  TEXT NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
  PRIMARY KEY (domain, kind)
);

CREATE TABLE reports (
  id             INTEGER PRIMARY KEY,
  sha256         BLOB NOT NULL UNIQUE,     -- of the raw message: the idempotency key
  source         TEXT NOT NULL,            -- "maildir:var/postmaster", "imap:host/INBOX", "pipe"
  received_at    INTEGER NOT NULL,
  kind           TEXT NOT NULL,            -- feedback|bounce|dmarc-aggregate|auto-reply|unknown|malformed
  provider       TEXT NOT NULL DEFAULT '',
  feedback_type  TEXT,                     -- NULL unless kind = feedback
  client_id      TEXT,                     -- attributed client, NULL when none
  status         TEXT NOT NULL CHECK (status IN
                   ('processed','quarantined','ignored','untrusted','unattributed')),
  reason         TEXT NOT NULL DEFAULT '',
  summary_json   TEXT NOT NULL DEFAULT '{}', -- the parsed report (fblctl parse JSON)
  raw_size       INTEGER NOT NULL,
  raw_zlib       BLOB,                     -- the raw message, zlib-compressed; NULL after retention
  raw_expires_at INTEGER                   -- when raw_zlib may be dropped
);
CREATE INDEX reports_received ON reports(received_at);
CREATE INDEX reports_status ON reports(status, received_at);
CREATE INDEX reports_raw_expiry ON reports(raw_expires_at) WHERE raw_zlib IS NOT NULL;

-- One row per complaining recipient of a feedback report.
CREATE TABLE complaints (
  id             INTEGER PRIMARY KEY,
  report_id      INTEGER NOT NULL REFERENCES reports(id),
  client_id      TEXT,
  address        TEXT NOT NULL,
  provider       TEXT NOT NULL DEFAULT '',
  feedback_type  TEXT NOT NULL,
  message_id     TEXT NOT NULL DEFAULT '', -- Message-ID of the reported original
  subject        TEXT NOT NULL DEFAULT '',
  arrival_at     INTEGER,
  created_at     INTEGER NOT NULL
);
CREATE INDEX complaints_client_time ON complaints(client_id, created_at);
CREATE INDEX complaints_address ON complaints(address, client_id);

-- Bounce events (hard and soft), kept so that "K soft bounces within D days" can be counted.
CREATE TABLE bounces (
  id          INTEGER PRIMARY KEY,
  report_id   INTEGER REFERENCES reports(id),
  client_id   TEXT,
  address     TEXT NOT NULL,
  class       TEXT NOT NULL CHECK (class IN ('hard','soft','unknown')),
  status      TEXT NOT NULL DEFAULT '',
  diagnostic  TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL
);
CREATE INDEX bounces_address_time ON bounces(address, created_at);

-- The list the bulk mailer reads. scope is '*' for global or a client id.
CREATE TABLE suppressions (
  id                INTEGER PRIMARY KEY,     -- monotonic: the listing cursor
  scope             TEXT NOT NULL,
  address           TEXT NOT NULL,           -- normalised key
  address_original  TEXT NOT NULL,
  reason            TEXT NOT NULL CHECK (reason IN
                      ('complaint','hard-bounce','soft-bounce','manual','unsubscribe')),
  first_seen        INTEGER NOT NULL,
  last_seen         INTEGER NOT NULL,
  count             INTEGER NOT NULL DEFAULT 1,
  source_report_id  INTEGER REFERENCES reports(id),
  expires_at        INTEGER,                 -- NULL: never
  note              TEXT NOT NULL DEFAULT '',
  UNIQUE (scope, address)
);
CREATE INDEX suppressions_address ON suppressions(address);
CREATE INDEX suppressions_last_seen ON suppressions(last_seen);

-- Addresses that are never suppressed. scope as above.
CREATE TABLE allowlist (
  scope       TEXT NOT NULL,
  address     TEXT NOT NULL,
  note        TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (scope, address)
);

-- Notifications waiting to be sent (email or webhook). Delivered at least once.
CREATE TABLE outbox (
  id               INTEGER PRIMARY KEY,
  client_id        TEXT,                   -- NULL for admin notifications
  channel          TEXT NOT NULL CHECK (channel IN ('email','webhook','maildir')),
  kind             TEXT NOT NULL,          -- complaint | digest | admin-untrusted | admin-unattributed | alert
  report_id        INTEGER REFERENCES reports(id),
  payload_json     TEXT NOT NULL,
  message_id       TEXT NOT NULL UNIQUE,   -- stable across resends
  state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','sent','failed')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  created_at       INTEGER NOT NULL,
  due_at           INTEGER NOT NULL,       -- not before (digest windows, retry backoff)
  sent_at          INTEGER,
  last_error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox(state, due_at);

-- Submission accounts seen by the policy service / maillog.
CREATE TABLE accounts (
  username     TEXT PRIMARY KEY,           -- sasl_username
  state        TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active','held')),
  held_at      INTEGER,
  held_reason  TEXT NOT NULL DEFAULT '',
  released_at  INTEGER,
  released_by  TEXT NOT NULL DEFAULT '',
  updated_at   INTEGER NOT NULL
);

-- Opaque per-account detector state (learned baselines), so restarts keep what was learned.
CREATE TABLE detector_state (
  username    TEXT PRIMARY KEY,
  state_blob  BLOB NOT NULL,
  updated_at  INTEGER NOT NULL
);

CREATE TABLE alerts (
  id            INTEGER PRIMARY KEY,
  time          INTEGER NOT NULL,
  account       TEXT NOT NULL,
  detector      TEXT NOT NULL,
  action        TEXT NOT NULL,
  reason        TEXT NOT NULL,
  window_count  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX alerts_time ON alerts(time);

-- Every manual change (CLI, API): who, what, when.
CREATE TABLE audit_log (
  id        INTEGER PRIMARY KEY,
  time      INTEGER NOT NULL,
  actor     TEXT NOT NULL,                 -- "cli:root", "token:<id>"
  action    TEXT NOT NULL,                 -- "suppression.add", "account.release", ...
  target    TEXT NOT NULL DEFAULT '',
  detail    TEXT NOT NULL DEFAULT ''
);

-- IMAP progress per mailbox.
CREATE TABLE mailbox_state (
  mailbox      TEXT PRIMARY KEY,           -- "imap://user@host/INBOX"
  uidvalidity  INTEGER NOT NULL,
  last_uid     INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL
);

-- API bearer tokens, stored as SHA-256 of the secret.
CREATE TABLE api_tokens (
  id          TEXT PRIMARY KEY,            -- public id, part of the token
  secret_hash BLOB NOT NULL,
  scope       TEXT NOT NULL,               -- "admin" | "client:<id>"
  writable    INTEGER NOT NULL DEFAULT 0,
  note        TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER
);

-- Messages sent per client per day (from the maillog), for complaint rates.
CREATE TABLE client_sent_daily (
  client_id  TEXT NOT NULL,
  day        INTEGER NOT NULL,             -- Unix day number
  sent       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (client_id, day)
);

-- Outbound Message-ID -> recipients, learned from the maillog, for redacted complaints.
CREATE TABLE outbound_messages (
  message_id  TEXT NOT NULL,
  recipient   TEXT NOT NULL,
  account     TEXT NOT NULL DEFAULT '',
  sent_at     INTEGER NOT NULL,
  PRIMARY KEY (message_id, recipient)
);
CREATE INDEX outbound_messages_time ON outbound_messages(sent_at);
