export { LeagueAdminPage } from './components/LeagueAdminPage';
