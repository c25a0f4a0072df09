-- Score leaderboards: definitions, their periods and the kept score of each participant.
create table leaderboard (
    id bigint generated always as identity primary key,
    slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    name text not null check (char_length(name) between 1 and 200),
    sort_order text not null check (sort_order in ('desc', 'asc')),
    operator text not null check (operator in ('best', 'latest', 'increment', 'decrement')),
    reset_schedule text not null default 'never',
    timezone text not null default 'UTC',
    metadata jsonb not null default '{}'::jsonb,
    -- Periods begin no earlier than this instant; moved forward when the schedule changes,
    -- so a new schedule never overlaps a period already played.
    period_anchor timestamptz not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create table leaderboard_period (
    id bigint generated always as identity primary key,
    leaderboard_id bigint not null references leaderboard (id) on delete cascade,
    starts_at timestamptz not null,
    ends_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (leaderboard_id, starts_at)
);

create table score (
    period_id bigint not null references leaderboard_period (id) on delete cascade,
    participant text not null check (participant ~ '^[A-Za-z0-9_.:@-]{1,128}$'),
    score bigint not null,
    subscore bigint not null,
    num_submissions bigint not null check (num_submissions > 0),
    metadata jsonb,
    -- When the kept (score, subscore) pair was first reached: the tie-breaker after subscore.
    reached_at timestamptz not null,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    primary key (period_id, participant)
);
