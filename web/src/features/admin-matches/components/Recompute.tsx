import { useState } from 'react';
import { ErrorMessage, ProgressBar } from '@/components/Feedback';
import { useI18n } from '@/lib/i18n';
import { useJob, useNewSeason, useRecompute } from '../api/matches';

/** Starts a recompute and follows its job to the end with a progress bar. */
export function Recompute({ slug }: { slug: string }) {
  const { t, number } = useI18n();
  const [job, setJob] = useState<string | null>(null);
  const start = useRecompute(slug);
  const status = useJob(job);
  const season = useNewSeason(slug);
  const j = status.data;
  return (
    <section className="stack" aria-labelledby="recompute-title">
      <h2 id="recompute-title">{t('recompute.title')}</h2>
      <p className="muted">{t('recompute.help')}</p>
      <div className="inline-form">
        <button type="button" onClick={() => start.mutate(undefined, { onSuccess: (r) => setJob(r.job) })} disabled={start.isPending || (!!j && (j.state === 'queued' || j.state === 'running'))}>
          {t('recompute.start')}
        </button>
        <button type="button" onClick={() => { if (window.confirm(t('season.confirm'))) season.mutate(); }} disabled={season.isPending}>
          {t('season.start')}
        </button>
      </div>
      {start.isError && <ErrorMessage error={start.error} />}
      {season.isError && <ErrorMessage error={season.error} />}
      {season.isSuccess && <p className="success" role="status">{t('season.started', { n: season.data.season })}</p>}
      {j && (
        <div>
          <ProgressBar value={j.progress} label={t('recompute.progress')} />
          <p role="status">
            {t(`job.${j.state}` as 'job.running')} · {number(j.done)} / {number(j.total)}
            {j.duration_seconds != null && ` · ${t('job.took', { s: number(j.duration_seconds, { maximumFractionDigits: 2 }) })}`}
          </p>
          {j.error && <p className="error" role="alert">{j.error}</p>}
        </div>
      )}
    </section>
  );
}
