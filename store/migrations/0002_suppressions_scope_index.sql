-- Schema version 2: listing and exporting one scope in id order (cursor pagination) without
-- scanning every row of the other scopes.
CREATE INDEX suppressions_scope_id ON suppressions(scope, id);
