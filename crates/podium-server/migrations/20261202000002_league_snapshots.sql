-- A process starts a league from its latest snapshot (every standing after the last match it
-- covers, encoded by podium-core) and rates only the matches after it, instead of replaying
-- every match the league ever had.
--
-- A snapshot holds only while no change since it re-rated matches it covers. Such a change (a
-- late match, an edit or a void, a recompute, new parameters, a new season) records its version
-- here, in the same transaction; a snapshot older than that version is passed over. Appending
-- matches after the last one rated, or renaming the league, leaves snapshots valid.
alter table league add column rewound_version bigint not null default 0;

create table league_snapshot (
    league_id bigint primary key references league (id) on delete cascade,
    -- The league version whose ratings it holds.
    version bigint not null,
    -- The league's shape it was rated under: a snapshot of another shape is passed over.
    season integer not null,
    system text not null,
    params jsonb not null,
    -- For operators (podium league list, the logs): matches of the season it covers, and
    -- participants it holds.
    matches bigint not null,
    participants integer not null,
    body bytea not null,
    taken_at timestamptz not null default now()
);
-- Floats compress badly and a snapshot is written whole: skip compression, store out of line.
alter table league_snapshot alter column body set storage external;
