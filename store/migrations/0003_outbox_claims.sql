-- Schema version 3: several fbld instances drain one outbox. A row is taken by one instance
-- (claimed_by) until claim_until (Unix seconds); a lease that runs out (the instance died)
-- makes the row claimable again. Both are NULL when nobody holds the row.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claim_until INTEGER;
