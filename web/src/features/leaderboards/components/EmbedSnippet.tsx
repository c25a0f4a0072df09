import { CopyButton } from '@/components/CopyButton';
import { useI18n } from '@/lib/i18n';

export function embedSnippet(origin: string, slug: string): string {
  return `<iframe src="${origin}/embed/leaderboards/${encodeURIComponent(slug)}" title="Podium leaderboard" width="360" height="480" style="border:0" loading="lazy"></iframe>`;
}

/** The iframe snippet to copy, shown on the leaderboard page. */
export function EmbedSnippet({ slug }: { slug: string }) {
  const { t } = useI18n();
  const code = embedSnippet(window.location.origin, slug);
  return (
    <details className="embed-snippet">
      <summary>{t('embed.title')}</summary>
      <p>{t('embed.help')}</p>
      <pre tabIndex={0}>
        <code>{code}</code>
      </pre>
      <CopyButton text={code} label={t('embed.copy')} />
    </details>
  );
}
