-- Participant profiles: a display name, a country, free metadata and an avatar. Global to the
-- install: a participant id names the same participant on every leaderboard and league. The
-- avatar is the re-encoded image itself, so a database backup covers it.
create table participant_profile (
    participant text primary key check (participant ~ '^[A-Za-z0-9_.:@-]{1,128}$'),
    display_name text check (char_length(display_name) between 1 and 100),
    -- ISO 3166-1 alpha-2, upper case (the API checks it against the ISO list).
    country text check (country ~ '^[A-Z]{2}$'),
    metadata jsonb not null default '{}' check (jsonb_typeof(metadata) = 'object'),
    -- At most 256×256 pixels once re-encoded, so well under this bound.
    avatar bytea check (octet_length(avatar) <= 1048576),
    avatar_type text check (avatar_type in ('image/png', 'image/webp')),
    -- Hex SHA-256 of `avatar`, served as its ETag.
    avatar_etag text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    constraint participant_profile_avatar_whole check (
        (avatar is null) = (avatar_type is null) and (avatar is null) = (avatar_etag is null)
    )
);
