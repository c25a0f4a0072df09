export { LeaderboardsAdmin, LeaguesAdmin } from './components/RankingsAdmin';
