import { useParams } from 'react-router-dom';
import { LeaderboardPage } from '@/features/leaderboards';
import { LeaguePage, ParticipantPage } from '@/features/leagues';

export function LeaderboardRoute() {
  const { slug = '' } = useParams();
  return <LeaderboardPage key={slug} slug={slug} />;
}
export function LeagueRoute() {
  const { slug = '' } = useParams();
  return <LeaguePage key={slug} slug={slug} />;
}
export function ParticipantRoute() {
  const { slug = '', participant = '' } = useParams();
  return <ParticipantPage key={`${slug}/${participant}`} slug={slug} participant={participant} />;
}
