//! Every route of the UI. Public pages are split per page; the admin console is one lazy chunk
//! that a visitor never downloads.
import { lazy, Suspense, useEffect } from 'react';
import { Route, Routes, useLocation, useParams } from 'react-router-dom';
import { Layout } from '@/components/Layout';
import { Loading } from '@/components/Feedback';
import { UserMenu } from '@/features/auth';
import { useI18n } from '@/lib/i18n';
import { Home } from './Home';

const LeaderboardRoute = lazy(() => import('./public').then((m) => ({ default: m.LeaderboardRoute })));
const LeagueRoute = lazy(() => import('./public').then((m) => ({ default: m.LeagueRoute })));
const ParticipantRoute = lazy(() => import('./public').then((m) => ({ default: m.ParticipantRoute })));
const EmbedRoute = lazy(() => import('./embed'));
const AdminRoutes = lazy(() => import('./admin'));
const LoginRoute = lazy(() => import('./login'));

function NotFound() {
  const { t } = useI18n();
  return <h1>{t('error.page_not_found')}</h1>;
}

function ScrollAndFocus() {
  const { pathname } = useLocation();
  useEffect(() => {
    window.scrollTo(0, 0);
  }, [pathname]);
  return null;
}

function Embed() {
  const { slug = '' } = useParams();
  return <EmbedRoute slug={slug} />;
}

export function AppRoutes() {
  return (
    <Suspense fallback={<Loading />}>
      <Routes>
        <Route path="/embed/leaderboards/:slug" element={<Embed />} />
        <Route
          path="*"
          element={
            <Layout userSlot={<UserMenu />}>
              <ScrollAndFocus />
              <Suspense fallback={<Loading />}>
                <Routes>
                  <Route path="/" element={<Home />} />
                  <Route path="/leaderboards/:slug" element={<LeaderboardRoute />} />
                  <Route path="/leagues/:slug" element={<LeagueRoute />} />
                  <Route path="/leagues/:slug/participants/:participant" element={<ParticipantRoute />} />
                  <Route path="/login" element={<LoginRoute />} />
                  <Route path="/admin/*" element={<AdminRoutes />} />
                  <Route path="*" element={<NotFound />} />
                </Routes>
              </Suspense>
            </Layout>
          }
        />
      </Routes>
    </Suspense>
  );
}
