-- Profiles are held in memory by every process (reads never touch PostgreSQL): a change of a
-- display name or an avatar is carried by the change log like any other change. The
-- `participant` column names the participant; `payload` holds the parts a ranking row shows.
alter table change_log drop constraint change_log_kind_check;
alter table change_log add constraint change_log_kind_check
    check (kind in ('score', 'erase', 'leaderboard', 'leaderboard_deleted', 'period', 'league',
                    'league_deleted', 'api_key', 'flag', 'profile'));
