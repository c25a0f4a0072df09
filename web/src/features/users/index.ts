export { UsersAdmin } from './components/UsersAdmin';
