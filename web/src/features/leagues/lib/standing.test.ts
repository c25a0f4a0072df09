import { streakLabel, uncertainty } from './standing';

describe('standing helpers', () => {
  it('prefers the deviation, then sigma, for uncertainty', () => {
    expect(uncertainty({ deviation: 50, sigma: 2 })).toBe(50);
    expect(uncertainty({ deviation: null, sigma: 2 })).toBe(2);
    expect(uncertainty({})).toBeNull();
  });
  it('labels streaks', () => {
    expect(streakLabel(3)).toBe('W3');
    expect(streakLabel(-2)).toBe('L2');
    expect(streakLabel(0)).toBe('–');
  });
});
