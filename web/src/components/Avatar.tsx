/** The participant's avatar image when their profile has one, else initials on a colour derived from the id. */
export function Avatar({ id, name, src }: { id: string; name: string; src?: string | null }) {
  if (src) return <img className="avatar" src={src} alt="" width="28" height="28" loading="lazy" />;
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const initials = name
    .split(/[\s_.-]+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');
  return (
    <span className="avatar" aria-hidden="true" style={{ backgroundColor: `hsl(${h % 360} 45% 38%)` }}>
      {initials || '?'}
    </span>
  );
}
