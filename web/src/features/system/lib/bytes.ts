//! Byte counts in the largest unit that keeps the number at least 1, formatted for a locale
//! (`1,5 MB` in pt-BR). Units are decimal (1 kB = 1000 bytes), as Intl names them.
const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

export function formatBytes(n: number, locale: string): string {
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: units[i],
    unitDisplay: 'short',
    maximumFractionDigits: i === 0 ? 0 : 1,
  }).format(v);
}
