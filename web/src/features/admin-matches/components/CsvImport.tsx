//! CSV import: pick or paste a file, preview it (parsed here), upload with a progress bar, and
//! show the server's per-row errors against the preview's lines.
import { useMemo, useState, type ChangeEvent } from 'react';
import { ErrorMessage, ProgressBar } from '@/components/Feedback';
import { ApiError } from '@/lib/api-client';
import { countMatches, parseCsv } from '@/lib/csv';
import { useI18n } from '@/lib/i18n';
import { useImport } from '../api/matches';

const PREVIEW_ROWS = 20;
const REQUIRED = ['match', 'played_at', 'participants'];

export function CsvImport({ slug }: { slug: string }) {
  const { t, number } = useI18n();
  const [text, setText] = useState('');
  const [progress, setProgress] = useState(0);
  const imp = useImport(slug, setProgress);
  const table = useMemo(() => (text ? parseCsv(text) : null), [text]);
  const missing = table
    ? [...REQUIRED.filter((c) => !table.header.includes(c)), ...(table.header.includes('rank') || table.header.includes('score') ? [] : ['rank|score'])]
    : [];
  const errors = imp.error instanceof ApiError ? imp.error.fieldErrors : [];
  const badLines = new Set(errors.map((e) => e.line).filter((l): l is number => l != null));
  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    if (f) {
      imp.reset();
      setText(await f.text());
    }
  };
  return (
    <section className="stack" aria-labelledby="import-title">
      <h2 id="import-title">{t('import.title')}</h2>
      <p className="muted">{t('import.help')}</p>
      <label>
        {t('import.file')}
        <input type="file" accept=".csv,text/csv" onChange={onFile} data-testid="csv-file" />
      </label>
      <label>
        {t('import.paste')}
        <textarea rows={5} value={text} onChange={(e) => { imp.reset(); setText(e.target.value); }} spellCheck={false} />
      </label>
      {table && (
        <>
          <p role="status">
            {t('import.summary', { rows: number(table.rows.length), matches: number(countMatches(table)) })}
          </p>
          {missing.length > 0 && <p className="error" role="alert">{t('import.missing', { cols: missing.join(', ') })}</p>}
          <div className="table-wrap">
            <table className="admin-table preview" aria-label={t('import.preview')}>
              <thead>
                <tr>
                  <th scope="col">{t('common.line')}</th>
                  {table.header.map((h) => <th scope="col" key={h}>{h}</th>)}
                </tr>
              </thead>
              <tbody>
                {table.rows.slice(0, PREVIEW_ROWS).map((r) => (
                  <tr key={r.line} className={badLines.has(r.line) ? 'bad' : undefined}>
                    <td>{r.line}</td>
                    {table.header.map((_h, i) => <td key={i}>{r.cells[i] ?? ''}</td>)}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {table.rows.length > PREVIEW_ROWS && <p className="muted">{t('import.more', { n: number(table.rows.length - PREVIEW_ROWS) })}</p>}
          <button type="button" className="primary" disabled={imp.isPending || missing.length > 0} onClick={() => { setProgress(0); imp.mutate(text); }}>
            {t('import.submit')}
          </button>
        </>
      )}
      {imp.isPending && <ProgressBar value={progress} label={t('import.progress')} />}
      {imp.isSuccess && (
        <p className="success" role="status">
          {t('import.done', { imported: number(imp.data.imported), skipped: number(imp.data.already_recorded) })}
        </p>
      )}
      {imp.isError && <ErrorMessage error={imp.error} />}
    </section>
  );
}
