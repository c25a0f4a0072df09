export { LeaderboardList } from './components/LeaderboardList';
export { LeaderboardPage } from './components/LeaderboardPage';
export { EmbedLeaderboard } from './components/EmbedLeaderboard';
