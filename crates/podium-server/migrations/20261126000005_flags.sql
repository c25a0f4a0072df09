-- Feature flags: on/off, a sticky percentage rollout and an allow-list of subjects. Every
-- process caches them and reloads when the change log carries a `flag` record.
create table feature_flag (
    key text primary key check (key ~ '^[a-z0-9][a-z0-9_.-]{0,99}$'),
    description text not null default '' check (char_length(description) <= 1000),
    enabled boolean not null default false,
    rollout_percentage integer not null default 0 check (rollout_percentage between 0 and 100),
    allow_list text[] not null default '{}',
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
