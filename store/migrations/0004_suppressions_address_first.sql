-- Schema version 4: the suppressions table rebuilt with its uniqueness key in the other order,
-- the unique index suppressions_address_scope on (address, scope) instead of the constraint
-- UNIQUE (scope, address), so that the unique index also serves lookups by address (its
-- prefix) and the separate index suppressions_address is gone: one B-tree fewer to write per
-- new suppression. Every column, row and id is kept as it was (same names, types, constraints
-- and meaning; ids copied, so the listing cursor is unchanged). The indexes are built after the
-- copy (sorted builds: fast, and their pages full). Runs in one transaction with the version
-- bump, like every migration.
ALTER TABLE suppressions RENAME TO suppressions_v3;
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
  note              TEXT NOT NULL DEFAULT ''
);
INSERT INTO suppressions(id, scope, address, address_original, reason, first_seen, last_seen, count,
                         source_report_id, expires_at, note)
  SELECT id, scope, address, address_original, reason, first_seen, last_seen, count,
         source_report_id, expires_at, note
    FROM suppressions_v3 ORDER BY id;
DROP TABLE suppressions_v3;
CREATE UNIQUE INDEX suppressions_address_scope ON suppressions(address, scope);
CREATE INDEX suppressions_last_seen ON suppressions(last_seen);
CREATE INDEX suppressions_scope_id ON suppressions(scope, id);
