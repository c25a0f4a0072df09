-- Room on every page of `score` for the next version of its rows. A score write updates
-- columns no index covers (only the primary key (period_id, participant) is indexed), so with
-- free space on the row's own page PostgreSQL makes it a heap-only tuple update: no new primary
-- key entry and less WAL per write. At the default fillfactor (100) a seeded page is full and
-- every update moves its row to another page and adds an index entry.
-- Existing pages keep their layout until they are rewritten (VACUUM FULL or a restore); new and
-- vacuumed pages fill to 85 %.
alter table score set (fillfactor = 85);
