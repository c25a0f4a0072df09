export { KeysAdmin } from './components/KeysAdmin';
