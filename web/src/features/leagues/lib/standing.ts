import type { Standing } from '@/lib/api-types';

/** The uncertainty a league's system reports: Glicko-2 deviation or TrueSkill/Weng-Lin sigma. */
export function uncertainty(s: Pick<Standing, 'deviation' | 'sigma'>): number | null {
  return s.deviation ?? s.sigma ?? null;
}

/** "W3", "L2" or "–" for a streak of wins (+), losses (−) or none. */
export function streakLabel(streak: number): string {
  if (streak > 0) return `W${streak}`;
  if (streak < 0) return `L${-streak}`;
  return '–';
}
