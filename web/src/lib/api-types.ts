//! Short names for the generated schema types (src/lib/api-schema.d.ts is generated from the
//! server's OpenAPI document by `npm run typegen`; never edit it by hand).
import type { components } from './api-schema';

type S = components['schemas'];
export type Leaderboard = S['LeaderboardView'];
export type LeaderboardList = S['LeaderboardList'];
export type CreateLeaderboard = S['CreateLeaderboard'];
export type UpdateLeaderboard = S['UpdateLeaderboard'];
export type Entry = S['EntryView'];
export type EntryPage = S['EntryPage'];
export type AroundPage = S['AroundPage'];
export type Period = S['PeriodView'];
export type PeriodList = S['PeriodList'];
export type League = S['LeagueView'];
export type LeagueList = S['LeagueList'];
export type CreateLeague = S['CreateLeague'];
export type UpdateLeague = S['UpdateLeague'];
export type Standing = S['StandingView'];
export type StandingsPage = S['StandingsPage'];
export type HistoryPage = S['HistoryPage'];
export type HistoryPoint = S['HistoryPoint'];
export type Match = S['MatchView'];
export type MatchPage = S['MatchPage'];
export type MatchBody = S['MatchBody'];
export type HeadToHead = S['HeadToHead'];
export type Prediction = S['PredictionView'];
export type PredictBody = S['PredictBody'];
export type ImportResult = S['ImportResult'];
export type JobStarted = S['JobStarted'];
export type Job = S['JobView'];
export type SeasonView = S['SeasonView'];
export type Role = S['Role'];
export type LoginBody = S['LoginBody'];
/** Who is signed in (`GET /api/v1/auth/me`, and the answer to signing in). */
export type SessionUser = S['UserView'];
export type User = S['UserRecord'];
export type UserList = S['UserList'];
export type CreateUser = S['CreateUser'];
export type UpdateUser = S['UpdateUser'];
export type Scope = S['Scope'];
export type ApiKey = S['KeyView'];
export type KeyList = S['KeyList'];
export type CreateKey = S['CreateKey'];
export type CreatedKey = S['CreatedKey'];
export type Flag = S['Flag'];
export type FlagList = S['FlagList'];
export type CreateFlag = S['CreateFlag'];
export type UpdateFlag = S['UpdateFlag'];
/** One audit record (the server's schema is named `Entry`). */
export type AuditEntry = S['Entry'];
export type AuditPage = S['AuditPage'];
export type StandingRow = S['StandingRow'];
export type SystemView = S['SystemView'];
export type LeaderboardIndex = S['LeaderboardIndex'];
export type LeagueIndex = S['LeagueIndex'];
export type Profile = S['ProfileView'];
