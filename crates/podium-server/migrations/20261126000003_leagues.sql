-- Skill leagues: definitions, participants, matches (the source of truth), the rating history
-- derived from them, seasons, and background jobs. Current ratings are recomputed in memory
-- from the matches at start-up; the history is the durable record of every rating change.
create table league (
    id bigint generated always as identity primary key,
    slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    name text not null check (char_length(name) between 1 and 200),
    system text not null check (system in ('elo', 'glicko2', 'trueskill', 'weng_lin', 'points')),
    -- Effective parameters, defaults filled in.
    params jsonb not null,
    season integer not null default 1 check (season >= 1),
    -- Bumped by every change to the league or its matches; processes compare it to know
    -- whether their in-memory ratings are current.
    version bigint not null default 0,
    -- The next dense participant number.
    next_num integer not null default 0,
    metadata jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

-- Participants get a dense per-league number, which the rating engine uses.
create table league_participant (
    league_id bigint not null references league (id) on delete cascade,
    num integer not null check (num >= 0),
    participant text not null check (participant ~ '^[A-Za-z0-9_.:@-]{1,128}$'),
    created_at timestamptz not null default now(),
    primary key (league_id, num),
    unique (league_id, participant)
);

create table league_season (
    league_id bigint not null references league (id) on delete cascade,
    season integer not null,
    started_at timestamptz not null,
    ended_at timestamptz,
    -- Final standings of a closed season: [{participant, rank, display, ...}].
    final_standings jsonb,
    primary key (league_id, season)
);

create table league_match (
    id bigint generated always as identity primary key,
    league_id bigint not null references league (id) on delete cascade,
    season integer not null,
    played_at timestamptz not null,
    external_id text check (char_length(external_id) between 1 and 200),
    -- Flattened teams: participant numbers, the team index of each, and per team its rank
    -- (1 = winner, equal = draw) and optional score.
    participants integer[] not null,
    team_of smallint[] not null,
    team_rank smallint[] not null,
    team_score double precision[],
    metadata jsonb not null default '{}'::jsonb,
    voided_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    unique (league_id, external_id)
);
create index league_match_order_idx on league_match (league_id, season, played_at, id);
create index league_match_participants_idx on league_match using gin (participants);

-- Rating after each rated match, per participant.
create table rating_history (
    league_id bigint not null,
    match_id bigint not null references league_match (id) on delete cascade,
    num integer not null,
    season integer not null,
    played_at timestamptz not null,
    -- The participant's standing before and after the match (Standing, as JSON-free columns
    -- so a full recompute can COPY millions of rows quickly).
    display_before double precision not null,
    display_after double precision not null,
    rating_before double precision not null,
    rating_after double precision not null,
    deviation_before double precision not null,
    deviation_after double precision not null,
    volatility_before double precision not null,
    volatility_after double precision not null,
    mu_before double precision not null,
    mu_after double precision not null,
    sigma_before double precision not null,
    sigma_after double precision not null,
    points_before bigint not null,
    points_after bigint not null,
    primary key (match_id, num)
);
create index rating_history_participant_idx on rating_history (league_id, num, played_at, match_id);

create table job (
    id uuid primary key,
    kind text not null,
    league_id bigint references league (id) on delete cascade,
    state text not null check (state in ('queued', 'running', 'succeeded', 'failed')),
    progress double precision not null default 0,
    done bigint not null default 0,
    total bigint not null default 0,
    error text,
    created_at timestamptz not null default now(),
    started_at timestamptz,
    finished_at timestamptz,
    updated_at timestamptz not null default now()
);

alter table change_log drop constraint change_log_kind_check;
alter table change_log add constraint change_log_kind_check
    check (kind in ('score', 'erase', 'leaderboard', 'leaderboard_deleted', 'period', 'league', 'league_deleted'));
