import { Avatar } from '@/components/Avatar';
import { useI18n } from '@/lib/i18n';
import type { Entry } from '@/lib/api-types';
import { Movement } from './Movement';

/** The profile's display name, else a name in the entry's metadata, else the participant id. */
export function displayName(e: Pick<Entry, 'participant' | 'metadata' | 'display_name'>): string {
  if (e.display_name) return e.display_name;
  const m = e.metadata as Record<string, unknown> | null | undefined;
  const n = m?.display_name ?? m?.name;
  return typeof n === 'string' && n ? n : e.participant;
}

export function EntriesTable({
  entries,
  caption,
  moveOf,
  highlight,
  flashed,
  compact,
}: {
  entries: Entry[];
  caption: string;
  moveOf?: (e: Entry) => number | null;
  highlight?: string | null;
  flashed?: Set<string>;
  compact?: boolean;
}) {
  const { t, number } = useI18n();
  return (
    <div className="table-wrap">
      <table className="ranking">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" className="num">
              {t('table.rank')}
            </th>
            {moveOf && (
              <th scope="col">
                <span className="visually-hidden">{t('table.movement')}</span>
              </th>
            )}
            <th scope="col">{t('table.participant')}</th>
            <th scope="col" className="num">
              {t('table.score')}
            </th>
            {!compact && (
              <th scope="col" className="num hide-sm">
                {t('table.submissions')}
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr
              key={e.participant}
              data-participant={e.participant}
              className={[e.participant === highlight ? 'highlight' : '', flashed?.has(e.participant) ? 'flash' : '']
                .join(' ')
                .trim() || undefined}
            >
              <td className="num rank">{number(e.rank)}</td>
              {moveOf && (
                <td className="move-cell">
                  <Movement delta={moveOf(e)} />
                </td>
              )}
              <td>
                <span className="who">
                  <Avatar id={e.participant} name={displayName(e)} src={e.avatar_url} />
                  {displayName(e)}
                  {displayName(e) !== e.participant && <span className="muted participant-id">{e.participant}</span>}
                </span>
              </td>
              <td className="num score">{number(e.score)}</td>
              {!compact && <td className="num hide-sm">{number(e.num_submissions)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
