import type { I18n } from '@/lib/i18n';

const named = ['never', 'daily', 'weekly', 'monthly'] as const;

/** A reset schedule in words; cron expressions are shown as they are. */
export function resetLabel(t: I18n['t'], reset: string): string {
  return (named as readonly string[]).includes(reset)
    ? t(`reset.${reset as (typeof named)[number]}`)
    : t('reset.cron', { expr: reset });
}
