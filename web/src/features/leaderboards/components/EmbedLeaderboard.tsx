//! The compact widget served at /embed/leaderboards/{slug} for iframes: top entries, live.
import { useCallback } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { ErrorMessage, Loading } from '@/components/Feedback';
import { useI18n } from '@/lib/i18n';
import { useEventSource } from '@/lib/use-event-source';
import { eventsUrl, leaderboardKeys, useEntries, useLeaderboard } from '../api/leaderboards';
import { EntriesTable } from './EntriesTable';

export function EmbedLeaderboard({ slug, limit = 10 }: { slug: string; limit?: number }) {
  const { t } = useI18n();
  const board = useLeaderboard(slug);
  const entries = useEntries(slug, { limit });
  const qc = useQueryClient();
  const onEntry = useCallback(() => void qc.invalidateQueries({ queryKey: leaderboardKeys.entries(slug) }), [qc, slug]);
  useEventSource(eventsUrl(slug), 'entry', onEntry);
  if (board.isPending || entries.isPending) return <Loading />;
  if (board.isError) return <ErrorMessage error={board.error} />;
  if (entries.isError) return <ErrorMessage error={entries.error} />;
  return (
    <div className="embed">
      <h1>
        <a href={`/leaderboards/${encodeURIComponent(slug)}`} target="_blank" rel="noopener">
          {board.data.name}
        </a>
      </h1>
      {entries.data.entries.length === 0 ? (
        <p className="muted">{t('leaderboard.empty')}</p>
      ) : (
        <EntriesTable entries={entries.data.entries} caption={board.data.name} compact />
      )}
      <p className="muted small">{t('embed.powered')}</p>
    </div>
  );
}
