import { useI18n } from '@/lib/i18n';
import { splitDuration, useNow } from '@/lib/use-now';

/** Time left until `endsAt` (the next reset), ticking every second. */
export function Countdown({ endsAt }: { endsAt: string }) {
  const { t, dateTime } = useI18n();
  const now = useNow();
  const { d, h, m, s } = splitDuration(new Date(endsAt).getTime() - now);
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    <p className="countdown">
      {t('leaderboard.resets_in')}{' '}
      <time dateTime={endsAt} title={dateTime(endsAt)}>
        {d > 0 ? `${t('time.days', { n: d })} ` : ''}
        {pad(h)}:{pad(m)}:{pad(s)}
      </time>
    </p>
  );
}
