-- PostgreSQL schema version 3 (SQLite 0004_suppressions_address_first.sql): the uniqueness of
-- (scope, address) is enforced by a unique index on (address, scope), which also serves
-- lookups by address, and the separate index suppressions_address is dropped (one index fewer
-- to write per new suppression). No column, row or id changes; ON CONFLICT (scope, address)
-- infers the new index (the columns of a unique index match in any order).
CREATE UNIQUE INDEX suppressions_address_scope ON suppressions(address, scope);
ALTER TABLE suppressions DROP CONSTRAINT suppressions_scope_address_key;
DROP INDEX suppressions_address;
