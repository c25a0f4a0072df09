export { FlagsAdmin } from './components/FlagsAdmin';
