//! Loading, error and empty states shared by every page.
import { ApiError } from '@/lib/api-client';
import { useI18n } from '@/lib/i18n';

export function Loading({ label }: { label?: string }) {
  const { t } = useI18n();
  return (
    <p className="loading" role="status" aria-live="polite">
      {label ?? t('common.loading')}
    </p>
  );
}

export function ErrorMessage({ error }: { error: unknown }) {
  const { t } = useI18n();
  let text = t('error.generic');
  if (error instanceof ApiError) {
    if (error.status === 404) text = t('error.not_found');
    else if (error.status === 401) text = t('error.unauthorized');
    else if (error.status === 403) text = t('error.forbidden');
    else if (error.status >= 500) text = t('error.server');
    else text = error.message;
  }
  return (
    <div className="error" role="alert">
      <p>{text}</p>
      {error instanceof ApiError && error.fieldErrors.length > 0 && (
        <ul>
          {error.fieldErrors.map((f, i) => (
            <li key={i}>
              {f.line != null ? `${t('common.line')} ${f.line} · ` : ''}
              <code>{f.field}</code>: {f.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function ProgressBar({ value, label }: { value: number; label: string }) {
  const { percent } = useI18n();
  const v = Math.max(0, Math.min(1, value));
  return (
    <div className="progress">
      <progress max={1} value={v} aria-label={label} />
      <span aria-hidden="true">{percent(v)}</span>
    </div>
  );
}
