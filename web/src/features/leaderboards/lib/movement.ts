//! Rank movement: how many places each participant moved since a reference ranking (the
//! previous period, or what this browser saw on its last visit, kept in localStorage).
import { load, save } from '@/lib/storage';

export type Ranks = Record<string, number>;

/** Positive: moved up that many places; negative: down; null: no reference (new). */
export function movement(reference: Ranks | null, participant: string, rank: number): number | null {
  if (!reference) return null;
  const before = reference[participant];
  return before === undefined ? null : before - rank;
}

const MAX_REMEMBERED = 1000;
const key = (slug: string, period: number | null | undefined) => `podium.seen.${slug}.${period ?? 'current'}`;

export function loadLastVisit(slug: string, period: number | null | undefined): Ranks | null {
  return load<Ranks | null>(key(slug, period), null);
}

/** Merges the ranks seen now into what the next visit compares with, keeping it bounded. */
export function rememberVisit(slug: string, period: number | null | undefined, seen: Ranks): void {
  const merged = { ...(loadLastVisit(slug, period) ?? {}), ...seen };
  const entries = Object.entries(merged).sort((a, b) => a[1] - b[1]).slice(0, MAX_REMEMBERED);
  save(key(slug, period), Object.fromEntries(entries));
}
