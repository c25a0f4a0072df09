import { useI18n } from '@/lib/i18n';

/** Previous/next buttons for cursor pagination. */
export function Pager({
  page,
  hasNext,
  onPrev,
  onNext,
}: {
  page: number;
  hasNext: boolean;
  onPrev: () => void;
  onNext: () => void;
}) {
  const { t } = useI18n();
  return (
    <nav className="pager" aria-label={t('pager.label')}>
      <button type="button" onClick={onPrev} disabled={page === 0}>
        ← {t('pager.prev')}
      </button>
      <span>{t('pager.page', { n: page + 1 })}</span>
      <button type="button" onClick={onNext} disabled={!hasNext}>
        {t('pager.next')} →
      </button>
    </nav>
  );
}
