-- Rating history is derived data, rewritten in bulk by recomputes: no per-row check against
-- the match table (voided matches delete their rows explicitly); it goes with its league.
-- Of the "before" picture only the display rating is kept: the rest is the previous row.
alter table rating_history drop constraint rating_history_match_id_fkey;
alter table rating_history add constraint rating_history_league_id_fkey
    foreign key (league_id) references league (id) on delete cascade;
alter table rating_history
    drop column rating_before,
    drop column deviation_before,
    drop column volatility_before,
    drop column mu_before,
    drop column sigma_before,
    drop column points_before;
