import { hasRole } from './roles';

describe('hasRole', () => {
  it('accepts the role itself and every stronger one', () => {
    expect(hasRole('editor', 'editor')).toBe(true);
    expect(hasRole('owner', 'admin')).toBe(true);
  });
  it('refuses weaker roles and nobody', () => {
    expect(hasRole('viewer', 'editor')).toBe(false);
    expect(hasRole('editor', 'admin')).toBe(false);
    expect(hasRole(null, 'viewer')).toBe(false);
  });
});
