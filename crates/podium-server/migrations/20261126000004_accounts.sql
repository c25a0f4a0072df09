-- Accounts, sessions, API keys, login throttling, the append-only audit log, and visibility of
-- leaderboards and leagues.
create table app_user (
    id bigint generated always as identity primary key,
    email text not null unique check (email = lower(email) and char_length(email) between 3 and 254),
    password_hash text not null,
    role text not null check (role in ('owner', 'admin', 'editor', 'viewer')),
    disabled_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

-- Server-side sessions; the cookie holds a random id, the table only its SHA-256.
create table user_session (
    id_hash bytea primary key,
    user_id bigint not null references app_user (id) on delete cascade,
    ip text,
    user_agent text,
    created_at timestamptz not null,
    last_seen_at timestamptz not null,
    expires_at timestamptz not null
);
create index user_session_user_idx on user_session (user_id);

-- API keys: `pk_<prefix>_<secret>`; the prefix is visible, the secret stored as SHA-256.
create table api_key (
    id bigint generated always as identity primary key,
    name text not null check (char_length(name) between 1 and 100),
    prefix text not null unique,
    secret_hash bytea not null,
    scopes text[] not null,
    -- Limits to named resources (null: every one).
    leaderboards text[],
    leagues text[],
    expires_at timestamptz,
    last_used_at timestamptz,
    revoked_at timestamptz,
    created_by text not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

-- Failed logins per account and per address, for exponential back-off.
create table login_throttle (
    key text primary key,
    failures integer not null,
    locked_until timestamptz,
    updated_at timestamptz not null default now()
);

create table audit_log (
    id bigint generated always as identity primary key,
    at timestamptz not null default now(),
    -- `user:<email>`, `key:<prefix>`, `cli`, `anonymous`.
    actor text not null,
    ip text,
    user_agent text,
    request_id text,
    action text not null,
    target text,
    before jsonb,
    after jsonb
);
create index audit_log_at_idx on audit_log (at, id);
create index audit_log_actor_idx on audit_log (actor, at);
create index audit_log_action_idx on audit_log (action, at);
create index audit_log_target_idx on audit_log (target, at);

-- Append-only in the database itself: no role, not even the table's owner, may change or
-- remove a row through ordinary statements. (The runtime role should additionally hold only
-- SELECT and INSERT on it: see docs/operations.md, "Database roles".)
create function audit_log_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'audit_log is append-only: % is not allowed', tg_op
        using errcode = 'insufficient_privilege';
end
$$;
create trigger audit_log_no_change before update or delete on audit_log
    for each row execute function audit_log_append_only();
create trigger audit_log_no_truncate before truncate on audit_log
    for each statement execute function audit_log_append_only();
revoke update, delete, truncate on audit_log from public;

alter table leaderboard add column visibility text not null default 'public'
    check (visibility in ('public', 'private'));
alter table league add column visibility text not null default 'public'
    check (visibility in ('public', 'private'));

alter table change_log drop constraint change_log_kind_check;
alter table change_log add constraint change_log_kind_check
    check (kind in ('score', 'erase', 'leaderboard', 'leaderboard_deleted', 'period', 'league',
                    'league_deleted', 'api_key', 'flag'));
