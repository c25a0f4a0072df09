-- How the matches recorded during the measured wrk run were committed (scripts/league-bench.sh;
-- run with psql -v slug=… -v after_id=… -v upto_id=…: the league's highest match id before and
-- after the run).
-- A transaction stamps its matches with one created_at (now()), so a created_at is one commit
-- of Podium's group commit. A match is late when it was played before a match committed in an
-- earlier transaction: Podium then rewinds to a checkpoint and replays (rewriting history).
-- Prints: commits|matches|late matches|commits with a late match|largest commit
\set ON_ERROR_STOP on
with run as (
    select m.created_at, m.played_at
    from league_match m join league l on l.id = m.league_id
    where l.slug = :'slug' and m.id > :after_id and m.id <= :upto_id
), commits as (
    select created_at, max(played_at) as newest, count(*) as n from run group by created_at
), before as (
    select created_at, n,
           max(newest) over (order by created_at rows between unbounded preceding and 1 preceding) as newest_before
    from commits
)
select count(distinct b.created_at),
       count(*),
       count(*) filter (where r.played_at < b.newest_before),
       count(distinct b.created_at) filter (where r.played_at < b.newest_before),
       coalesce(max(b.n), 0)
from run r join before b using (created_at);
