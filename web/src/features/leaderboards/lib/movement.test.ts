import { loadLastVisit, movement, rememberVisit } from './movement';

describe('movement', () => {
  it('counts places gained as positive and lost as negative', () => {
    const ref = { ann: 3, bob: 1 };
    expect(movement(ref, 'ann', 1)).toBe(2);
    expect(movement(ref, 'bob', 2)).toBe(-1);
  });

  it('has nothing to say about a newcomer or without a reference', () => {
    expect(movement({ ann: 1 }, 'cy', 4)).toBeNull();
    expect(movement(null, 'ann', 1)).toBeNull();
  });

  it('remembers the last visit per leaderboard and period, merging what was seen', () => {
    localStorage.clear();
    rememberVisit('speed', 7, { ann: 1, bob: 2 });
    rememberVisit('speed', 7, { bob: 1 });
    expect(loadLastVisit('speed', 7)).toEqual({ ann: 1, bob: 1 });
    expect(loadLastVisit('speed', 8)).toBeNull();
  });
});
