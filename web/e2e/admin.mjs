// End-to-end tests of the admin console's account pages (users, API keys, feature flags, the
// audit log) and the System page, plus participant profiles on ranking rows. Imported by
// run.mjs, which owns the browser, the server and the result lines.
import { deflateSync } from 'node:zlib';

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
};

/** A `size`×`size` PNG: a filled disc of `rgb` on white, so a loaded avatar is visible. */
export function discPng(size, [r, g, b]) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = [];
  const c = (size - 1) / 2;
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3);
    for (let x = 0; x < size; x++) {
      const inside = (x - c) ** 2 + (y - c) ** 2 <= (size / 2) ** 2;
      row.set(inside ? [r, g, b] : [255, 255, 255], 1 + x * 3);
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Gives participants profiles (a display name and an avatar) through the API. */
export async function seedProfiles({ API, call, token }, people) {
  for (const [id, name, rgb] of people) {
    await call('PUT', `/api/v1/participants/${id}/profile`, { display_name: name });
    const res = await fetch(`${API}/api/v1/participants/${id}/avatar`, {
      method: 'PUT',
      headers: { 'Content-Type': 'image/png', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: discPng(64, rgb),
    });
    if (!res.ok) throw new Error(`avatar of ${id} → ${res.status} ${await res.text()}`);
  }
}

/** Waits until an <img> has loaded real pixels (a broken avatar URL fails here). */
async function loadedImage(locator, what) {
  await locator.waitFor();
  const ok = await locator.evaluate((img) =>
    img.complete ? img.naturalWidth > 0 : new Promise((res) => { img.onload = () => res(img.naturalWidth > 0); img.onerror = () => res(false); }));
  if (!ok) throw new Error(`${what}: the avatar image did not load`);
}

export function profileTests({ test, newPage, shot, expect, BASE, board, league }) {
  test('leaderboard and league rows show participants\' avatars and display names', async () => {
    const { ctx, page } = await newPage();
    await page.goto(`${BASE}/leaderboards/${board}`);
    const ann = page.locator('table.ranking tbody tr[data-participant="ann-0"]');
    await ann.getByText('Ann Lee').waitFor();
    await loadedImage(ann.locator('img.avatar'), 'leaderboard row of ann-0');
    expect((await ann.locator('.participant-id').textContent()) === 'ann-0', 'the id is not shown beside the name');
    // A participant without a profile keeps initials.
    const cy = page.locator('table.ranking tbody tr[data-participant="cy-0"]');
    expect((await cy.locator('img').count()) === 0, 'cy-0 has no avatar but shows an image');
    await page.goto(`${BASE}/leagues/${league}`);
    await page.getByLabel('Show provisional participants').check();
    const row = page.locator('table.ranking tbody tr', { has: page.getByRole('link', { name: 'Bob Stone' }) });
    await loadedImage(row.locator('img.avatar'), 'standings row of bob');
    await shot(page, 'league-avatars');
    await ctx.close();
  });
}

export function adminTests({ test, newPage, login, shot, expect, call, BASE, API, run, board, league }) {
  const email = `ed-${run}@e2e.test`;
  const keyName = `ci-${run}`;
  const flagKey = `checkout-${run}`;
  let keyPrefix = null;

  test('admin creates a user', async () => {
    const { ctx, page } = await newPage();
    await login(page);
    await page.getByRole('link', { name: 'Users' }).click();
    const form = page.getByRole('form', { name: 'New user' });
    await form.getByLabel('Email').fill(email);
    await form.getByLabel('Password').fill('a long e2e password 42');
    await form.getByLabel('Role').selectOption('editor');
    await form.getByRole('button', { name: 'Create' }).click();
    await page.getByText(`Created the account ${email}.`).waitFor();
    const role = page.getByLabel(`Role of ${email}`);
    await role.waitFor();
    expect((await role.inputValue()) === 'editor', 'the new user is not an editor');
    await shot(page, 'admin-users');
    // The account really exists: it can sign in.
    await ctx.close();
    const other = await newPage();
    await other.page.goto(`${BASE}/login`);
    await other.page.getByLabel('Email').fill(email);
    await other.page.getByLabel('Password').fill('a long e2e password 42');
    await other.page.getByRole('button', { name: 'Sign in' }).click();
    await other.page.waitForURL(/\/admin/);
    await other.ctx.close();
  });

  test('admin creates an API key: the secret is shown once and the copy button copies it', async () => {
    const { ctx, page } = await newPage();
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(BASE).origin });
    await login(page);
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Name', { exact: true }).fill(keyName);
    await page.getByRole('checkbox', { name: 'admin' }).check();
    await page.getByRole('button', { name: 'Create' }).click();
    const secret = (await page.getByTestId('secret').textContent()).trim();
    expect(/^pk_[0-9a-f]{8}_\S+$/.test(secret), `unexpected secret ${secret}`);
    keyPrefix = secret.split('_')[1];
    // The secret part may itself hold '_': everything after `pk_<prefix>_`.
    const secretPart = secret.slice(`pk_${keyPrefix}_`.length);
    await page.getByRole('button', { name: /Copy key/ }).click();
    await page.getByText('Copied').waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied === secret, 'the clipboard does not hold the secret');
    await shot(page, 'admin-keys');
    // The secret works: it reads the key list as an admin key.
    const res = await fetch(`${API}/api/v1/keys`, { headers: { Authorization: `Bearer ${secret}` } });
    expect(res.status === 200, `the new key got ${res.status}`);
    const listed = (await res.json()).keys.find((k) => k.name === keyName);
    expect(listed && listed.prefix === keyPrefix && !JSON.stringify(listed).includes(secretPart), 'key list is wrong or leaks the secret');
    // Shown once: after a reload only the prefix is left.
    await page.reload();
    const row = page.locator('tr', { hasText: keyName });
    await row.getByText(`pk_${keyPrefix}_…`).waitFor();
    expect((await page.getByTestId('secret').count()) === 0, 'the secret is shown again after reload');
    expect(!(await page.content()).includes(secret), 'the page still holds the secret');
    await ctx.close();
  });

  test('admin creates a feature flag, moves its rollout slider, and the change persists after reload', async () => {
    const { ctx, page } = await newPage();
    await login(page);
    await page.getByRole('link', { name: 'Feature flags' }).click();
    const create = page.getByRole('form', { name: 'New flag' });
    await create.getByLabel('Key').fill(flagKey);
    await create.getByLabel('Description').fill('The new checkout');
    await create.getByLabel('Enabled').check();
    await create.getByRole('button', { name: 'Create' }).click();
    const form = page.getByRole('form', { name: `Flag ${flagKey}` });
    await form.waitFor();
    const slider = form.getByRole('slider');
    expect((await slider.inputValue()) === '0', 'a new flag should start at 0%');
    await slider.focus();
    await slider.fill('35');
    for (let i = 0; i < 5; i++) await slider.press('ArrowRight'); // the keyboard moves it too
    await form.getByText('40%').waitFor();
    const saved = page.waitForResponse((r) => r.url().includes(`/api/v1/flags/${flagKey}`) && r.request().method() === 'PATCH');
    await form.getByRole('button', { name: 'Save' }).click();
    expect((await saved).status() === 200, 'saving the flag failed');
    await page.reload();
    const again = page.getByRole('form', { name: `Flag ${flagKey}` }).getByRole('slider');
    await again.waitFor();
    expect((await again.inputValue()) === '40', `after reload the slider shows ${await again.inputValue()}`);
    const stored = (await call('GET', '/api/v1/flags')).flags.find((f) => f.key === flagKey);
    expect(stored?.rollout_percentage === 40 && stored.enabled, `stored flag is ${JSON.stringify(stored)}`);
    await shot(page, 'admin-flags');
    await ctx.close();
  });

  test('admin finds those writes in the audit log with its filters', async () => {
    const { ctx, page } = await newPage();
    await login(page);
    await page.getByRole('link', { name: 'Audit log' }).click();
    const filters = page.getByRole('search', { name: 'Audit log filters' });
    const rows = page.locator('table.audit tbody tr');
    /** Waits (bounded) until every row shown passes `ok`, and at least one row is shown. */
    const settle = async (ok, what) => {
      let seen = [];
      for (let i = 0; i < 50; i++) {
        seen = await rows.evaluateAll((trs) => trs.map((tr) => ({ action: tr.dataset.action, actor: tr.children[1]?.textContent, text: tr.textContent })));
        if (seen.length > 0 && seen.every(ok)) return;
        await page.waitForTimeout(200);
      }
      throw new Error(`${what}: rows shown ${JSON.stringify(seen.map((r) => r.action))}`);
    };
    /** Clicks Filter and waits for the audit read that carries these query parameters. */
    const filter = async (params) => {
      const read = page.waitForResponse((r) => {
        const u = new URL(r.url());
        return u.pathname === '/api/v1/audit' && Object.entries(params).every(([k, v]) => u.searchParams.get(k) === v);
      });
      await filters.getByRole('button', { name: 'Filter', exact: true }).click();
      expect((await read).status() === 200, 'the filtered audit read failed');
    };
    const only = async (action, target) => {
      await filters.getByLabel('Action').fill(action);
      await filters.getByLabel('Target').fill(target);
      await filter({ action, target });
      await settle((r) => r.action === action && r.text.includes(target), `filter ${action} ${target}`);
      return rows.first();
    };
    const user = await only('user.create', `user:${email}`);
    expect((await user.textContent()).includes('user:admin@e2e.test'), 'user.create lacks its actor');
    await only('key.create', `key:pk_${keyPrefix}`);
    await only('flag.create', `flag:${flagKey}`);
    const update = await only('flag.update', `flag:${flagKey}`);
    await update.getByText('Changes').click();
    await update.getByText(/"rollout_percentage": 40/).waitFor();
    // The actor filter: everything this admin did, and nothing by anyone else.
    await filters.getByLabel('Action').fill('');
    await filters.getByLabel('Target').fill('');
    await filters.getByLabel('Actor').fill('user:admin@e2e.test');
    await filter({ actor: 'user:admin@e2e.test', action: null, target: null });
    // Both flag writes (create and update) show at once, so the new rows are in.
    await rows.filter({ hasText: `flag:${flagKey}` }).nth(1).waitFor();
    await settle((r) => r.actor === 'user:admin@e2e.test', 'actor filter');
    // A time window before these writes finds none of them.
    await filters.getByLabel('Actor').fill('');
    await filters.getByLabel('Until').fill('2020-01-01T00:00');
    await filters.getByRole('button', { name: 'Filter', exact: true }).click();
    await page.getByText('No audit records match.').waitFor();
    await filters.getByRole('button', { name: 'Clear filters' }).click();
    await rows.first().waitFor();
    await shot(page, 'admin-audit');
    await ctx.close();
  });

  test('admin reads the System page: version, readiness, database, index sizes, backups', async () => {
    const { ctx, page } = await newPage();
    await login(page);
    await page.getByRole('link', { name: 'System' }).click();
    const version = await call('GET', '/version');
    await page.getByTestId('version').getByText(version.version).waitFor();
    expect((await page.getByTestId('ready').textContent()).includes('yes'), 'not ready');
    expect(/\d+(\.\d)? MB/.test(await page.getByTestId('db-size').textContent()), 'database size missing');
    expect(/\d+ in use of \d+ open \(at most \d+\)/.test(await page.getByTestId('pool').textContent()), 'pool use missing');
    const sys = await call('GET', '/api/v1/system');
    const lb = sys.leaderboards.find((l) => l.slug === board);
    expect(lb && lb.entries >= 100, `leaderboard index ${JSON.stringify(lb)}`);
    const row = page.getByTestId('leaderboard-indexes').locator(`tr[data-slug="${lb.slug}"]`);
    expect((await row.textContent()).includes(lb.entries.toLocaleString('en-US')), 'the entries count is not shown');
    await page.getByTestId('league-indexes').locator(`tr[data-slug="${league}"]`).waitFor();
    expect((await page.getByTestId('last-backup').textContent()).includes('not reported to Podium yet'), 'backup line');
    await shot(page, 'admin-system');
    // Same page in pt-BR: numbers and text follow the language.
    await page.getByLabel('Language').selectOption('pt-BR');
    await page.getByRole('heading', { name: 'Índices dos rankings' }).waitFor();
    expect((await page.getByTestId('last-backup').textContent()).includes('ainda não informado'), 'pt-BR backup line');
    await ctx.close();
  });
}
