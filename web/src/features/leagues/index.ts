export { LeagueList } from './components/LeagueList';
export { LeaguePage } from './components/LeaguePage';
export { ParticipantPage } from './components/ParticipantPage';
