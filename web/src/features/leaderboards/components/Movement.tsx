import { useI18n } from '@/lib/i18n';

/** ▲n / ▼n / – with a text alternative for screen readers. */
export function Movement({ delta }: { delta: number | null }) {
  const { t } = useI18n();
  if (delta === null) return <span className="move new">{t('movement.new')}</span>;
  if (delta === 0)
    return (
      <span className="move same" title={t('movement.same')}>
        –<span className="visually-hidden">{t('movement.same')}</span>
      </span>
    );
  const up = delta > 0;
  const label = t(up ? 'movement.up' : 'movement.down', { n: Math.abs(delta) });
  return (
    <span className={`move ${up ? 'up' : 'down'}`} title={label}>
      <span aria-hidden="true">
        {up ? '▲' : '▼'}
        {Math.abs(delta)}
      </span>
      <span className="visually-hidden">{label}</span>
    </span>
  );
}
