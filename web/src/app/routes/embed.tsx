import { EmbedLeaderboard } from '@/features/leaderboards';

export default function EmbedRoute({ slug }: { slug: string }) {
  return <EmbedLeaderboard slug={slug} />;
}
