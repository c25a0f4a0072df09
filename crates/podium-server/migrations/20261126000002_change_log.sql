-- The change feed that keeps every Podium process's in-memory rank index in step.
-- Writers take the counter row's lock just before commit, so sequence numbers are gap-free and
-- ordered as the commits are: a reader that has applied seq N has seen every change up to N.
create table change_counter (
    id boolean primary key default true check (id),
    last_seq bigint not null
);
insert into change_counter (id, last_seq) values (true, 0);

create table change_log (
    seq bigint primary key,
    kind text not null check (kind in ('score', 'erase', 'leaderboard', 'leaderboard_deleted', 'period')),
    leaderboard_id bigint not null,
    period_id bigint,
    participant text,
    score bigint,
    subscore bigint,
    num_submissions bigint,
    metadata jsonb,
    -- Leaderboard definition or period bounds for the kinds that carry one.
    payload jsonb,
    reached_at timestamptz,
    updated_at timestamptz,
    created_at timestamptz not null default now()
);
create index change_log_created_at_idx on change_log (created_at);
