-- Seeds a league created through the API with synthetic 1v1 matches, straight into the tables
-- (scripts/league-bench.sh; run with psql -v slug=… -v matches=… -v participants=…):
-- participants p0 … p{participants-1} numbered densely from 0, then `matches` matches of season 1
-- between two distinct participants drawn uniformly at random, played_at evenly spread over
-- 2025 (increasing with the match id), a random winner (team rank 1 or 2). No rating history:
-- `podium recompute` writes it. Idempotent: the league's previous participants, matches and
-- history are removed first.
\set ON_ERROR_STOP on
begin;
select id as league_id from league where slug = :'slug' and season = 1 \gset
delete from rating_history where league_id = :league_id;
delete from league_match where league_id = :league_id;
delete from league_participant where league_id = :league_id;

insert into league_participant (league_id, num, participant)
select :league_id, n, 'p' || n
from generate_series(0, :participants - 1) as n;

update league set next_num = :participants, version = version + 1, updated_at = now()
where id = :league_id;

insert into league_match (league_id, season, played_at, participants, team_of, team_rank)
select :league_id, 1,
       timestamptz '2025-01-01 00:00:00+00' + make_interval(secs => i * (31536000.0 / :matches)),
       array[a, case when b >= a then b + 1 else b end],
       '{0,1}'::smallint[],
       case when w then '{1,2}'::smallint[] else '{2,1}'::smallint[] end
from (
    select i,
           floor(random() * :participants)::int as a,
           floor(random() * (:participants - 1))::int as b,
           random() < 0.5 as w
    from generate_series(0, :matches - 1) as i
) as pairs
order by i;
commit;
