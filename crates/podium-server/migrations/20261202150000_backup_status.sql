-- The newest backup of each type as the backup tooling last found it in its repositories
-- (deploy/scripts/backup writes it after every backup and on its timer, only when it changed),
-- so the System page shows real figures. Rows come from pgBackRest, never from Podium.
create table backup_status (
    backup_type text primary key check (backup_type in ('full', 'diff', 'incr')),
    finished_at timestamptz not null,
    size_bytes bigint not null check (size_bytes >= 0),
    repository text not null,
    label text not null,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);
