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
