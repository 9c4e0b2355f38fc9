import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSeatwise, type Seatwise } from '../src/compose.ts';
import { type RunningEmulator, startEmulator } from '../src/emulator/server.ts';
import { freePort, startServe } from './helpers/cli.ts';
import { createTestDatabase, type TestDatabase } from './helpers/databases.ts';
import { expectedAccess } from './helpers/expectedAccess.ts';
import { oidcEnv, type RunningProvider, startProviderFor } from './helpers/oidcProvider.ts';
import { shapeAccount } from './helpers/seatEconomics.ts';

const CHROMIUM = '/usr/bin/chromium';
const root = fileURLToPath(new URL('..', import.meta.url));
/** Screenshots of each step, to look at after a run. */
const shots = join(tmpdir(), 'seatwise-ui-screens');

// The UI as it is in this tree, built the way npm ci builds it (once, for every describe in this file).
beforeAll(async () => {
  await build({ configFile: join(root, 'web/vite.config.ts'), logLevel: 'warn' });
}, 120_000);

const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe('the web UI in Chromium', { timeout: 60_000 }, () => {
  let emulator: RunningEmulator;
  let db: TestDatabase;
  let server: ChildProcess;
  let base: string;
  let adminKey: string;
  let browser: Browser;
  let page: Page;
  const consoleSaid: string[] = [];
  const account = () => emulator.accounts[0]!;
  const connectionId = async () =>
    (
      (await fetch(`${base}/api/connections`, { headers: { authorization: `Bearer ${adminKey}` } }).then(
        (r) => r.json(),
      )) as { connections: { id: string }[] }
    ).connections[0]!.id;

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    mkdirSync(shots, { recursive: true });
    emulator = await startEmulator({ users: 300, plan: 'enterprise', seed: 404 });
    db = await createTestDatabase('sqlite');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const started = await startServe({
      ...db.env,
      SEATWISE_ALLOWED_ENDPOINTS: new URL(emulator.graphqlUrl).origin,
      SEATWISE_PORT: String(port),
      LOG_LEVEL: 'info',
    });
    server = started.child;
    adminKey = /\n {4}(sw_\S+)\n/.exec(started.err())![1]!;
    expect(started.err()).toContain(`Sign in at ${base}/`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs });
    // Less motion: charts are drawn at once, so screenshots show them whole.
    page = await browser.newPage({ viewport: { width: 1366, height: 900 }, reducedMotion: 'reduce' });
    page.setDefaultTimeout(20_000);
    // What the browser says of every page: a refused resource (CSP) or an error is a defect.
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning')
        consoleSaid.push(`${m.type()}: ${m.text()} (${page.url()})`);
    });
    page.on('pageerror', (e) => consoleSaid.push(`pageerror: ${e.message} (${page.url()})`));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
    await db?.cleanup();
    await emulator?.close();
  });

  const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  const dialog = () => page.getByRole('dialog');
  /** The docs' screenshots: written into docs/images when SEATWISE_DOCS_SCREENSHOTS=1. */
  const docsShot = (name: string) =>
    process.env.SEATWISE_DOCS_SCREENSHOTS === '1'
      ? page.screenshot({ path: join(root, 'docs/images', `${name}.png`) })
      : Promise.resolve();

  it('signs in with a key, and says so when the key is wrong', async () => {
    await page.goto(base);
    await page.getByRole('heading', { name: 'Sign in to Seatwise' }).waitFor();
    await page.getByLabel('API key').fill('sw_not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => page.locator('#key-error').textContent())
      .toBe('That API key is not valid or was revoked.');
    await page.getByLabel('API key').fill(adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Integrations' }).waitFor();
    await page.getByRole('button', { name: 'Try with a demo account' }).waitFor();
    await shot('01-integrations-empty');
  });

  it('connects an emulator account through the form: a bad token is refused at its field, then the card turns green', async () => {
    await page.getByRole('button', { name: 'Connect monday.com' }).first().click();
    await page.getByRole('heading', { name: 'Connect monday.com' }).waitFor();
    await page.getByRole('radio', { name: /Read and Take action/ }).check();
    await page.getByText('Advanced: other endpoints').click();
    await page.getByLabel('API endpoint').fill(emulator.graphqlUrl);
    await page.getByLabel('SCIM endpoint').fill(emulator.scimUrl);
    await page.getByLabel('2. API v2 Token').fill('not-a-real-token');
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await expect
      .poll(() => page.locator('#token-error').textContent())
      .toContain('monday rejected the API token');
    await expect(page.getByLabel('2. API v2 Token').getAttribute('aria-invalid')).resolves.toBe('true');
    await shot('02-connect-bad-token');

    await page.getByLabel('2. API v2 Token').fill(account().tokens.admin);
    await page.getByLabel(/SCIM Provisioning Token/).fill(account().scimToken!);
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByRole('heading', { name: 'Integrations' }).waitFor();
    const card = page.getByRole('article').filter({ hasText: account().name });
    await card.locator('.status.ok', { hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    await expect(card.textContent()).resolves.toContain('300');
    await shot('03-integrations-connected');
  });

  it('opens the capabilities table', async () => {
    await page.getByRole('link', { name: 'Capabilities' }).click();
    await page.getByRole('heading', { name: /Integration Capabilities/ }).waitFor();
    const scimRow = page.getByRole('row', { name: /Deactivate user \(SCIM\)/ });
    await expect(scimRow.textContent()).resolves.toContain('Available');
    await expect(page.getByRole('row', { name: /Invite user/ }).textContent()).resolves.toContain(
      'Available',
    );
    await shot('04-capabilities');
  });

  it('shows the version, the day’s calls and the service users, and revokes a token with monday’s word after', async () => {
    await expect(page.locator('main').textContent()).resolves.toContain(
      'monday API version: follows current (2026-10)',
    );
    await expect(
      page.getByRole('row', { name: /Revoke service user tokens/ }).textContent(),
    ).resolves.toContain('Available');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
    const card = page.getByRole('article').filter({ hasText: account().name });
    await expect(card.textContent()).resolves.toMatch(/API versionfollows current \(2026-10\)/);
    await expect(card.textContent()).resolves.toMatch(/Calls today\d[\d,]* of 25,000/);
    await card.getByRole('link', { name: 'Service users' }).click();
    await page.getByRole('heading', { name: /^Service users: / }).waitFor();
    const mine = account().users.filter((u) => u.kind === 'service_user');
    const holder = mine.find((u) => u.serviceToken)!;
    for (const u of mine) await page.getByRole('row', { name: new RegExp(u.id) }).waitFor();
    const row = page.getByRole('row', { name: new RegExp(holder.id) });
    await expect(row.textContent()).resolves.toContain('never');
    await shot('04b-service-users');
    await row.getByRole('button', { name: 'Revoke tokens' }).click();
    await dialog().getByText('Plan: revoke every API token').waitFor();
    expect(holder.serviceToken).not.toBeNull();
    await dialog().getByRole('button', { name: 'Revoke every token' }).click();
    await dialog().getByText('Revoked: monday shows no token now').waitFor();
    await shot('04c-service-user-revoked');
    expect(holder.serviceToken).toBeNull();
    await dialog().getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => row.locator('td').nth(1).textContent()).toBe('No');
    await expect(row.getByRole('button', { name: 'Revoke tokens' }).count()).resolves.toBe(0);
  });

  it('changes the sync schedule in the settings, refusing one that is not cron', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
    await page.getByRole('main').getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: /^Settings: / }).waitFor();
    await page.getByLabel('Sync schedule').fill('every day');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => page.locator('#syncSchedule-error').textContent()).toContain('cron expression');
    await page.getByLabel('Sync schedule').fill('0 3 * * *');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    const connections = (await (
      await fetch(`${base}/api/connections`, { headers: { authorization: `Bearer ${adminKey}` } })
    ).json()) as { connections: { syncSchedule: string }[] };
    expect(connections.connections[0]!.syncSchedule).toBe('0 3 * * *');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
    await expect
      .poll(() => page.getByRole('article').first().textContent())
      .toMatch(/Next sync(in \d+ (h|min)|scheduled|due now)/);
  });

  it('filters users on the server, and counts them as monday does', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    const filters = page.getByRole('form', { name: 'Filter users' });
    await filters.getByLabel('Account').selectOption({ label: account().name });
    await filters.getByLabel('Role').selectOption('member');
    await filters.getByLabel('Status').selectOption('active');
    // Choices apply at once: no Apply button to find.
    const expected = account().users.filter((u) => u.kind === 'member' && u.status === 'ACTIVE').length;
    await expect
      .poll(() => page.locator('.count').textContent())
      .toBe(`${expected} users match${expected > 50 ? ` · page 1 of ${Math.ceil(expected / 50)}` : ''}`);
    const rows = page.locator('table.grid tbody tr');
    await expect.poll(() => rows.count()).toBe(Math.min(expected, 50));
    const roles = await rows.locator('td:nth-child(4)').allTextContents();
    const statuses = await rows.locator('td:nth-child(5)').allTextContents();
    expect(new Set(roles)).toEqual(new Set(['Member']));
    expect(new Set(statuses)).toEqual(new Set(['active']));
    await shot('05-users-filtered');
  });

  it('invites a user through the dialog: plan, confirm, result', async () => {
    await page.getByRole('button', { name: 'Invite users…' }).click();
    // A refusal speaks of the form: the second email, not the API's 0-based path.
    await dialog().getByLabel('Email addresses').fill('ok.person@example.com, bob@');
    await dialog().getByRole('button', { name: 'Preview' }).click();
    const refusal = dialog().getByRole('alert');
    await refusal.waitFor();
    await expect(refusal.textContent()).resolves.toMatch(/^Email 2 "bob@" /);
    await expect(refusal.textContent()).resolves.not.toContain('emails.1');
    await dialog().getByLabel('Email addresses').fill('new.hire@example.com');
    await dialog().getByLabel('Invite as').selectOption('member');
    await dialog().getByRole('button', { name: 'Preview' }).click();
    await dialog().getByRole('cell', { name: 'Will change', exact: true }).waitFor();
    await shot('06-invite-plan');
    await dialog().getByRole('button', { name: 'Confirm: invite users' }).click();
    await dialog()
      .getByText(/^Done\. /)
      .waitFor();
    await expect(dialog().textContent()).resolves.toContain('1 changed, 0 already there, 0 failed');
    expect(account().usersByEmail.get('new.hire@example.com')).toMatchObject({
      status: 'PENDING',
      kind: 'member',
    });
    await dialog().getByRole('button', { name: 'Close' }).click();
  });

  it('creates a user through SCIM from the users page: plan, confirm, and monday has them active', async () => {
    await page.getByRole('button', { name: 'Create user…' }).click();
    await dialog().getByLabel('Email address').fill('made.here@example.com');
    await dialog().getByLabel('Name').fill('Made Here');
    await dialog().getByLabel('Role').selectOption('viewer');
    await dialog().getByRole('button', { name: 'Preview' }).click();
    await dialog().getByRole('cell', { name: 'Will change', exact: true }).waitFor();
    expect(account().usersByEmail.get('made.here@example.com')).toBeUndefined();
    await dialog()
      .getByRole('button', { name: /^Confirm: create user/ })
      .click();
    await dialog()
      .getByText(/^Done\. /)
      .waitFor();
    await expect(dialog().textContent()).resolves.toContain('1 changed, 0 already there, 0 failed');
    await shot('06b-create-result');
    expect(account().usersByEmail.get('made.here@example.com')).toMatchObject({
      status: 'ACTIVE',
      kind: 'view_only',
      name: 'Made Here',
      invitationMethod: 'SCIM',
    });
    await dialog().getByRole('button', { name: 'Close' }).click();
  });

  it('deactivates a SCIM-provisioned member through the dialog', async () => {
    const target = account().users.find(
      (u, i) => i > 2 && u.kind === 'member' && u.status === 'ACTIVE' && u.invitationMethod === 'SCIM',
    )!;
    const filters = page.getByRole('form', { name: 'Filter users' });
    // Typing filters after a short pause.
    await filters.getByLabel('Search').fill(target.email);
    await expect.poll(() => page.locator('.count').textContent()).toBe('1 user matches');
    await page.getByLabel(`Select ${target.name}`).check();
    await page.getByRole('button', { name: 'Deactivate…' }).click();
    await expect(dialog().getByLabel('Through').inputValue()).resolves.toBe('scim');
    await dialog().getByRole('button', { name: 'Preview' }).click();
    await dialog().getByRole('cell', { name: 'Will change', exact: true }).waitFor();
    // The plan says what the deactivation breaks in monday before anyone confirms.
    await expect(dialog().locator('.footprint').textContent()).resolves.toMatch(
      /^This change (switches off|leaves|breaks nothing monday showed)/,
    );
    await dialog().getByRole('button', { name: 'Confirm: deactivate users' }).click();
    await dialog()
      .getByText(/^Done\. /)
      .waitFor();
    await shot('07-deactivate-result');
    expect(account().users.find((u) => u.id === target.id)?.status).toBe('INACTIVE');
    await dialog().getByRole('button', { name: 'Close' }).click();
    // The copy changed at once: the member is no longer among the active ones.
    await expect.poll(() => page.locator('.count').textContent()).toBe('0 users match');
    await page.getByRole('form', { name: 'Filter users' }).getByLabel('Status').selectOption('deactivated');
    await expect.poll(() => page.locator('.count').textContent()).toBe('1 user matches');
  });

  it('finds both actions in the audit log', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    const invite = page.getByRole('row', { name: /Invite/ }).filter({ hasText: 'new.hire@example.com' });
    await expect(invite.textContent()).resolves.toContain('succeeded');
    // Who asked is the key's name; whom it touched is an email, with what monday did.
    await expect(invite.textContent()).resolves.toContain('initial admin key (API key)');
    const deactivate = page.getByRole('row', { name: /Deactivate/ }).filter({ hasText: 'succeeded' });
    await expect(deactivate.count()).resolves.toBe(1);
    await expect(deactivate.textContent()).resolves.toMatch(/@\S+: changed/);
    // Previews are kept apart: none among the actions sent, all of them when asked for.
    await expect(page.getByText('preview', { exact: true }).count()).resolves.toBe(0);
    await page.getByLabel('Show').selectOption({ label: 'Previews (dry runs)' });
    await expect.poll(() => page.getByText('preview', { exact: true }).count()).toBeGreaterThanOrEqual(2);
    await page.getByLabel('Show').selectOption({ label: 'Actions sent to monday' });
    const csv = await page.request.get(
      `${base}${await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href')}`,
    );
    expect(csv.headers()['content-type']).toContain('text/csv');
    expect(await csv.text()).toContain('new.hire@example.com');
    await shot('08-audit');
  });

  it('shows the dashboard and the sync history', async () => {
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByText('Paid seats', { exact: true }).waitFor();
    await page.getByRole('img', { name: /Last activity of active people/ }).waitFor();
    await shot('09-dashboard');
    await docsShot('dashboard');
    await page.getByRole('link', { name: 'Sync history' }).click();
    await page
      .getByRole('row', { name: /succeeded/ })
      .first()
      .waitFor();
    // The API reference opens in the same session.
    const docs = await page.request.get(`${base}/docs/json`);
    expect(docs.status()).toBe(200);
    expect((await docs.json()).info.title).toBe('Seatwise API');
  });

  it('shows teams on the users list, a user page and the Teams pages, and adds and removes a member', async () => {
    const a = account();
    const design = a.teams.find((t) => t.name === 'Design')!;
    const inDesign = () => a.users.filter((u) => u.teamIds.includes(design.id));
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Users', exact: true })
      .click();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    const filters = page.getByRole('form', { name: 'Filter users' });
    await filters.getByLabel('Team').selectOption({ label: 'Design' });
    const expected = inDesign().length;
    await expect.poll(() => page.locator('.count').textContent()).toBe(`${expected} users match`);
    const teamCells = await page.locator('table.grid tbody tr td:nth-child(8)').allTextContents();
    expect(teamCells).toHaveLength(expected);
    expect(teamCells.every((cell) => cell.includes('Design'))).toBe(true);
    await shot('19-users-by-team');

    // A user in two teams: both on their page, each a link to the team.
    const several = a.users.find((u, i) => i > 2 && u.teamIds.length >= 2 && u.status === 'ACTIVE')!;
    await page.goto(`${base}/users/${await connectionId()}/${several.id}`);
    await page.getByRole('heading', { name: several.name }).waitFor();
    for (const teamId of several.teamIds) {
      const name = a.teams.find((t) => t.id === teamId)!.name;
      await page.locator('dd .inline-list').getByRole('link', { name, exact: true }).waitFor();
    }
    await shot('20-user-teams');

    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Teams', exact: true })
      .click();
    await page.getByRole('heading', { name: 'Teams', exact: true }).waitFor();
    const rows = page.locator('table.grid tbody tr');
    await expect.poll(() => rows.count()).toBe(a.teams.length);
    const people = rows.filter({ has: page.getByRole('link', { name: 'People', exact: true }) });
    await expect(people.locator('td').nth(1).textContent()).resolves.toBe('0');
    const partners = rows.filter({ has: page.getByRole('link', { name: 'Partners', exact: true }) });
    await expect(partners.locator('td').first().textContent()).resolves.toBe('Guest team');
    const engineering = rows.filter({ has: page.getByRole('link', { name: 'Engineering', exact: true }) });
    await expect(engineering.locator('td').first().textContent()).resolves.toBe('Managed through SCIM');
    await shot('21-teams');

    await page.getByRole('link', { name: 'Design', exact: true }).click();
    await page.getByRole('heading', { name: 'Design', exact: true }).waitFor();
    await expect.poll(() => page.locator('table.grid tbody tr').count()).toBe(expected);
    const owner = a.users.find((u) => u.id === design.ownerIds[0])!;
    await page.locator('dl.facts').getByRole('link', { name: owner.name }).waitFor();
    await shot('22-team');

    // Add someone through the dialog on the Users page: plan, confirm, monday's word.
    const joiner = a.users.find(
      (u, i) => i > 2 && u.kind === 'member' && u.status === 'ACTIVE' && !u.teamIds.includes(design.id),
    )!;
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Users', exact: true })
      .click();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('form', { name: 'Filter users' }).getByLabel('Search').fill(joiner.email);
    await expect.poll(() => page.locator('.count').textContent()).toBe('1 user matches');
    await page.getByLabel(`Select ${joiner.name}`).check();
    await page.getByRole('button', { name: 'Add to team…' }).click();
    await dialog().getByLabel('Team').selectOption({ label: 'Design' });
    await dialog().getByRole('button', { name: 'Preview' }).click();
    await dialog().getByRole('cell', { name: 'will be added to team Design' }).waitFor();
    await dialog().getByRole('button', { name: 'Confirm: add to team' }).click();
    await dialog()
      .getByText(/^Done\. /)
      .waitFor();
    await dialog().getByRole('cell', { name: 'added to team Design' }).waitFor();
    await shot('23-add-to-team-result');
    expect(joiner.teamIds).toContain(design.id);
    await dialog().getByRole('button', { name: 'Close' }).click();
    await expect
      .poll(() => page.locator('table.grid tbody tr td:nth-child(8)').first().textContent())
      .toContain('Design');

    // And out again from the team's page.
    await page.goto(`${base}/teams/${await connectionId()}/${design.id}`);
    await page.getByLabel(`Select ${joiner.name}`).check();
    await page.getByRole('button', { name: 'Remove from team…' }).click();
    await dialog().getByText('Team: Design').waitFor();
    await dialog().getByRole('button', { name: 'Preview' }).click();
    await dialog().getByRole('button', { name: 'Confirm: remove from team' }).click();
    await dialog()
      .getByText(/^Done\. /)
      .waitFor();
    await shot('24-remove-from-team-result');
    expect(joiner.teamIds).not.toContain(design.id);
    await dialog().getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => page.locator('table.grid tbody tr').count()).toBe(inDesign().length);
  });

  it('adds a policy, previews it, and approves and rejects its proposals after a sync', async () => {
    const stale = account().users.filter(
      (u) =>
        u.id !== account().tokenOwners.admin &&
        u.kind === 'member' &&
        u.status === 'ACTIVE' &&
        // Inactive: last active, or joined if never active, more than 200 days ago.
        Date.now() - (u.lastActivity ?? u.createdAt).getTime() > 200 * 86_400_000,
    );
    expect(stale.length).toBeGreaterThan(2);
    await page.getByRole('link', { name: 'Policies' }).click();
    await page.getByRole('heading', { name: 'Policies' }).waitFor();
    await page.getByRole('button', { name: 'Add a policy' }).click();
    await dialog().getByLabel('Rule').selectOption('inactive_members_to_viewer');
    await dialog().getByLabel('Days (N)').fill('200');
    await dialog().getByLabel('Never touch (emails or domains)').fill(stale[0]!.email);
    await dialog().getByRole('button', { name: 'Add policy' }).click();
    await page
      .getByRole('cell', { name: 'members inactive for 200 days → change role to viewer', exact: true })
      .waitFor();
    await page.getByRole('button', { name: 'Preview' }).click();
    await dialog()
      .getByText(`It would propose ${stale.length - 1} changes now:`, { exact: false })
      .waitFor();
    await shot('11-policy-preview');
    // However long the list, the dialog's button is in view without scrolling.
    const close = await dialog().getByRole('button', { name: 'Close' }).boundingBox();
    expect(close!.y + close!.height).toBeLessThanOrEqual(900);
    await dialog().getByRole('button', { name: 'Close' }).click();

    // After the next sync the policy proposes; nothing changes before someone approves.
    const synced = await fetch(`${base}/api/connections/${await connectionId()}/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(synced.status).toBe(201);
    await page.reload();
    // Sorted by user, the first proposals are the alphabetically first of those the policy may touch.
    await page.getByLabel('Sort by').selectOption({ label: 'User' });
    const proposed = stale.slice(1).sort((a, b) => a.email.localeCompare(b.email));
    const [approve, ...reject] = proposed.slice(0, 3) as [(typeof stale)[0], ...typeof stale];
    await expect
      .poll(() => page.locator('table.grid').last().locator('tbody tr td:nth-child(2)').first().textContent())
      .toBe(approve.email);
    // Approving acts on monday: it asks first, naming whom and what.
    await page.getByRole('button', { name: `Approve for ${approve.email}` }).click();
    await dialog().getByRole('cell', { name: approve.email }).waitFor();
    await shot('12-approve-confirm');
    expect(account().users.find((u) => u.id === approve.id)?.kind).toBe('member');
    await dialog().getByRole('button', { name: 'Approve and apply 1 proposal' }).click();
    await page.getByText('Approved 1 proposal: 1 applied.').waitFor();
    // Several at once: chosen, then rejected behind one confirmation that lists them.
    for (const user of reject) await page.getByLabel(`Choose the proposal for ${user.email}`).check();
    await page.getByRole('button', { name: 'Reject chosen…' }).click();
    for (const user of reject) await dialog().getByRole('cell', { name: user.email }).waitFor();
    await dialog().getByRole('button', { name: 'Reject 2 proposals' }).click();
    await page.getByText('Rejected 2 proposals: 2 rejected.').waitFor();
    await shot('12-proposals');
    expect(account().users.find((u) => u.id === approve.id)?.kind).toBe('view_only');
    for (const user of reject) expect(account().users.find((u) => u.id === user.id)?.kind).toBe('member');
    expect(account().users.find((u) => u.id === stale[0]!.id)?.kind).toBe('member');
  });

  it('offboards a person: finds them, shows the plan, asks, and shows the receipt', async () => {
    const leaver = account().users.find(
      (u, i) =>
        i > 10 &&
        u.id !== account().tokenOwners.admin &&
        u.kind === 'member' &&
        u.status === 'ACTIVE' &&
        u.invitationMethod === 'SCIM',
    )!;
    await page.getByRole('link', { name: 'Offboard' }).click();
    await page.getByRole('heading', { name: 'Offboard', exact: true }).waitFor();
    // One of the emails is nobody's in monday: it still gets its row, in the plan and on the receipt.
    const unknown = 'nobody.here@unknown.example';
    await page.getByLabel('Emails of the people leaving').fill(`${leaver.email.toUpperCase()}\n${unknown}`);
    await page.getByRole('button', { name: 'Find and plan' }).click();
    await page.getByRole('cell', { name: 'Deactivate (SCIM)', exact: true }).waitFor();
    await page.getByRole('cell', { name: 'will be deactivated through SCIM' }).waitFor();
    await page
      .getByRole('row', { name: new RegExp(`${unknown}.*not found in monday \\(checked now\\)`) })
      .waitFor();
    expect(leaver.status).toBe('ACTIVE');
    // What deactivating them breaks in monday, read for the plan.
    await expect(page.locator('.footprint').first().textContent()).resolves.toMatch(
      /^Deactivating them (switches off|leaves|breaks nothing monday showed)/,
    );
    await shot('13-offboard-plan');
    await page.getByRole('button', { name: 'Offboard: deactivate 1 user in 1 account' }).click();
    await dialog().getByText(`${leaver.email} will be deactivated in`).waitFor();
    await dialog().getByRole('button', { name: 'Deactivate' }).click();
    await page.getByRole('heading', { name: /^Receipt off_/ }).waitFor();
    const receipt = page.getByRole('region', { name: /^Receipt off_/ });
    await receipt.getByRole('cell', { name: 'member, deactivated' }).waitFor();
    await receipt.getByRole('cell', { name: 'Deactivated (SCIM)', exact: true }).waitFor();
    await receipt.getByText(/: done\./).waitFor();
    await receipt.getByRole('row', { name: new RegExp(`${unknown}.*not found in monday`) }).waitFor();
    expect(account().users.find((u) => u.id === leaver.id)?.status).toBe('INACTIVE');
    await shot('14-offboard-receipt');
    // The printable receipt, from the link on the page.
    const href = await receipt.getByRole('link', { name: 'Printable receipt' }).getAttribute('href');
    const printable = await fetch(`${base}${href}`, { headers: { authorization: `Bearer ${adminKey}` } });
    expect(printable.status).toBe(200);
    const printed = await printable.text();
    expect(printed).toContain(leaver.email);
    expect(printed).toMatch(
      /<td>nobody\.here@unknown\.example<\/td>[\s\S]*?not found in monday \(checked now\)/,
    );
    // And it is listed among the recent ones.
    await page
      .getByRole('button', { name: /^Show off_/ })
      .first()
      .waitFor();
  });

  it('shows removals a sync held for review, who they are, and removes them once confirmed', async () => {
    const owners = new Set(Object.values(account().tokenOwners));
    const leaving = account()
      .users.filter((u, i) => i > 100 && !owners.has(u.id))
      .slice(0, 80);
    for (const user of leaving) {
      account().users.splice(account().users.indexOf(user), 1);
      account().usersById.delete(user.id);
    }
    const id = await connectionId();
    const synced = await fetch(`${base}/api/connections/${id}/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}` },
    }).then((r) => r.json() as Promise<{ removed: number; removalsHeld: number }>);
    expect(synced).toMatchObject({ removed: 0, removalsHeld: 80 });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
    const card = page.getByRole('article').filter({ hasText: account().name });
    await card.getByText('80 removals held for review.').waitFor();
    await card.getByRole('button', { name: 'Review held removals' }).click();
    await dialog().getByRole('cell', { name: leaving[0]!.email.toLowerCase() }).waitFor();
    await expect(dialog().locator('tbody tr').count()).resolves.toBe(80);
    await shot('15-held-removals');
    await dialog().getByRole('button', { name: 'Confirm: remove those monday does not show' }).click();
    await expect.poll(() => card.getByText('removals held for review').count(), { timeout: 30_000 }).toBe(0);
    await card.locator('.status.ok', { hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    const users = await fetch(`${base}/api/users?connectionId=${id}&total=true&limit=1`, {
      headers: { authorization: `Bearer ${adminKey}` },
    }).then((r) => r.json() as Promise<{ total: number }>);
    expect(users.total).toBe(account().users.length);
  });

  it('opens the users a dashboard card counts', async () => {
    await page.getByRole('link', { name: 'Dashboard' }).click();
    // Fresh figures, not the ones kept from the last visit.
    await page.reload();
    const tile = page.getByRole('link', { name: /^Pending invites/ });
    const counted = Number((await tile.locator('.tile-value').textContent())!.replace(/\D/g, ''));
    await tile.click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await expect
      .poll(() => page.locator('.count').textContent())
      .toMatch(new RegExp(`^${counted} users? match`));
    expect(new URL(page.url()).searchParams.get('status')).toBe('pending');
    // "Guests and viewers" opens both, as many as its two figures say.
    await page.getByRole('link', { name: 'Dashboard' }).click();
    const free = page.getByRole('link', { name: /^Guests and viewers/ });
    const [guests, viewers] = (await free.locator('.tile-value').textContent())!
      .split('·')
      .map((n) => Number(n.replace(/\D/g, '')));
    await free.click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await expect
      .poll(() => page.locator('.count').textContent())
      .toMatch(new RegExp(`^${guests! + viewers!} users? match`));
    expect(new URL(page.url()).searchParams.get('license')).toBe('guest,viewer');
  });

  it('turns the card from green when a sync fails, keeps it after a reload, and lists the run', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
    const card = page.getByRole('article').filter({ hasText: account().name });
    await card.locator('.status.ok').waitFor();
    emulator.setFaults({ revokeTokenAfter: 0 });
    try {
      await card.getByRole('button', { name: 'Sync now' }).click();
      await card.getByText('Needs attention').waitFor({ timeout: 30_000 });
      await page.reload();
      await card.getByText('Needs attention').waitFor();
      await expect(card.textContent()).resolves.toContain('monday did not accept the API token');
      await expect(card.locator('.status.ok').count()).resolves.toBe(0);
      await shot('16-sync-failed-card');
      await card.getByRole('link', { name: 'History' }).click();
      await page.getByRole('heading', { name: 'Sync history' }).waitFor();
      await page
        .getByRole('row', { name: /failed/ })
        .first()
        .waitFor();
      await expect(
        page
          .getByRole('row', { name: /failed/ })
          .first()
          .textContent(),
      ).resolves.toContain('monday did not accept the API token');
    } finally {
      emulator.setFaults({ revokeTokenAfter: null });
    }
  });

  it('starts one sync for a double click on Sync now, and shows no error', async () => {
    const id = await connectionId();
    const runsBefore = await fetch(`${base}/api/runs?connectionId=${id}&limit=500`, {
      headers: { authorization: `Bearer ${adminKey}` },
    }).then((r) => r.json() as Promise<{ runs: unknown[] }>);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
    const card = page.getByRole('article').filter({ hasText: account().name });
    await card.getByRole('button', { name: 'Sync now' }).dblclick();
    await card.locator('.status.ok', { hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    const runsAfter = await fetch(`${base}/api/runs?connectionId=${id}&limit=500`, {
      headers: { authorization: `Bearer ${adminKey}` },
    }).then((r) => r.json() as Promise<{ runs: { status: string }[] }>);
    expect(runsAfter.runs.length).toBe(runsBefore.runs.length + 1);
    expect(runsAfter.runs[0]!.status).toBe('succeeded');
    await expect(card.locator('.field-error').count()).resolves.toBe(0);
  });

  /** Every page of the navigation, and a user's page, with what each must show. */
  const pages = [
    ['Integrations', 'Integrations'],
    ['Dashboard', 'Dashboard'],
    ['Savings', 'Savings'],
    ['Users', 'Users'],
    ['Teams', 'Teams'],
    ['Policies', 'Policies'],
    ['Offboard', 'Offboard'],
    ['Reviews', 'Access reviews'],
    ['My reviews', 'My reviews'],
    ['Sync history', 'Sync history'],
    ['Audit log', 'Audit log'],
    ['Settings', 'Organisation settings'],
  ] as const;

  it('walks every page as an admin, with the controls an admin uses', async () => {
    for (const [link, heading] of pages) {
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: link, exact: true })
        .click();
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await page.locator('.loading').first().waitFor({ state: 'detached' });
      await shot(`admin-${link.toLowerCase().replace(/ /g, '-')}`);
    }
    await page.getByLabel("Your organisation's email domains").fill('dunder.com\nnot_a_domain');
    await page.getByRole('button', { name: 'Save domains' }).click();
    await page.getByText('orgDomains.1 "not_a_domain" is not a domain such as example.com').waitFor();
    await page.getByLabel("Your organisation's email domains").fill('dunder.com');
    await page.getByRole('button', { name: 'Save domains' }).click();
    await page.getByText('Saved: dunder.com.').waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
    for (const name of ['Connect monday.com', 'Sync now', 'Disconnect'])
      await expect(page.getByRole('button', { name }).first().isVisible()).resolves.toBe(true);
    await expect(page.getByRole('note').count()).resolves.toBe(0);
  });

  it('walks every page as a viewer: reads everything, and is offered nothing it cannot do', async () => {
    const created = await fetch(`${base}/api/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'viewer', name: 'auditor' }),
    }).then((r) => r.json() as Promise<{ key: string }>);
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const viewer = await context.newPage();
    viewer.setDefaultTimeout(20_000);
    try {
      await viewer.goto(base);
      await viewer.getByLabel('API key').fill(created.key);
      await viewer.getByRole('button', { name: 'Sign in' }).click();
      await viewer.getByRole('heading', { name: 'Integrations' }).waitFor();
      for (const [link, heading] of pages) {
        await viewer
          .getByRole('navigation', { name: 'Main' })
          .getByRole('link', { name: link, exact: true })
          .click();
        await viewer.getByRole('heading', { name: heading, exact: true }).waitFor();
        await viewer.locator('.loading').first().waitFor({ state: 'detached' });
        // Said once on every page, instead of a refusal after the click.
        await viewer.getByRole('note').getByText('viewer', { exact: true }).waitFor();
        await viewer.screenshot({
          path: join(shots, `viewer-${link.toLowerCase().replace(/ /g, '-')}.png`),
          fullPage: true,
        });
      }
      const absent = [
        'Connect monday.com',
        'Sync now',
        'Disconnect',
        'Try with a demo account',
        'Change role…',
        'Deactivate…',
        'Invite users…',
        'Add to team…',
        'Remove from team…',
        'Add a policy',
        'Evaluate now',
        'Save domains',
        'Create proposals',
      ];
      const visibleButtons = async () =>
        (await viewer.getByRole('button').allTextContents()).map((t) => t.trim());
      for (const [link] of pages) {
        await viewer
          .getByRole('navigation', { name: 'Main' })
          .getByRole('link', { name: link, exact: true })
          .click();
        await viewer.locator('.loading').first().waitFor({ state: 'detached' });
        const shown = await visibleButtons();
        for (const name of absent) expect(shown, `${name} on ${link}`).not.toContain(name);
      }
      await expect(
        viewer.getByLabel("Your organisation's email domains").getAttribute('readonly'),
      ).resolves.not.toBeNull();
      // A user's page: every field, no actions.
      await viewer
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Users', exact: true })
        .click();
      await viewer.locator('table.grid tbody tr a').first().click();
      await viewer.getByText('Why this license').waitFor();
      await expect(viewer.getByRole('heading', { name: 'Actions' }).count()).resolves.toBe(0);
      await viewer.screenshot({ path: join(shots, 'viewer-user.png'), fullPage: true });
      // The offboarding form is there to plan, not to run.
      await viewer
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Offboard', exact: true })
        .click();
      await expect(viewer.getByRole('button', { name: /^Offboard: / }).count()).resolves.toBe(0);
    } finally {
      await context.close();
    }
  });

  it('lets an admin invite people, give them a role and disable them, but never take the last admin away', async () => {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'People', exact: true })
      .click();
    await page.getByRole('heading', { name: 'People', exact: true }).waitFor();
    const form = page.getByRole('form', { name: 'Invite a person' });
    await form.getByLabel('Email').fill('ops.lead@example.com');
    await form.getByLabel('Role').selectOption('operator');
    await form.getByRole('button', { name: 'Invite' }).click();
    await page.getByRole('status').getByText('Invited ops.lead@example.com as operator.').waitFor();
    await form.getByLabel('Email').fill('it.admin@example.com');
    await form.getByLabel('Role').selectOption('admin');
    await form.getByRole('button', { name: 'Invite' }).click();
    await page.getByRole('status').getByText('Invited it.admin@example.com as admin.').waitFor();
    // The only admin person cannot become a viewer.
    await page.getByLabel('Role of it.admin@example.com').selectOption('viewer');
    await page
      .getByRole('alert')
      .getByText('it.admin@example.com is the last active admin: give someone else the admin role first')
      .waitFor();
    await page.getByLabel('Role of ops.lead@example.com').selectOption('reviewer');
    await page.getByRole('status').getByText('ops.lead@example.com is reviewer.').waitFor();
    const row = page.getByRole('row').filter({ hasText: 'ops.lead@example.com' });
    await row.getByRole('button', { name: 'Disable' }).click();
    await page.getByRole('status').getByText('ops.lead@example.com is disabled.').waitFor();
    await expect.poll(() => row.getByRole('cell', { name: 'disabled', exact: true }).count()).toBe(1);
    await shot('25-people');
    const people = await fetch(`${base}/api/people`, {
      headers: { authorization: `Bearer ${adminKey}` },
    }).then((r) => r.json() as Promise<{ people: { email: string; role: string; disabled: boolean }[] }>);
    expect(people.people.map((p) => [p.email, p.role, p.disabled])).toEqual([
      ['it.admin@example.com', 'admin', false],
      ['ops.lead@example.com', 'reviewer', true],
    ]);
  });

  it('offers an operator the sync and the actions but not the connections or settings, and a reviewer only their reviews', async () => {
    const admin = (method: string, path: string, body: unknown) =>
      fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<any>);
    // A reviewer key belongs to a person: Rhea, whose reviews it opens.
    await admin('POST', '/api/people', { email: 'rhea@acme.test', role: 'reviewer', name: 'Rhea' });
    const key = async (role: string) =>
      (
        await admin('POST', '/api/keys', {
          role,
          name: `${role} in the browser`,
          ...(role === 'reviewer' ? { forEmail: 'rhea@acme.test' } : {}),
        })
      ).key as string;
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const other = await context.newPage();
    other.setDefaultTimeout(20_000);
    try {
      await other.goto(base);
      await other.getByLabel('API key').fill(await key('operator'));
      await other.getByRole('button', { name: 'Sign in' }).click();
      await other.getByRole('heading', { name: 'Integrations' }).waitFor();
      await other.getByRole('button', { name: 'Sync now' }).first().waitFor();
      await expect(
        other.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'People' }).count(),
      ).resolves.toBe(0);
      await expect(other.getByRole('note').count()).resolves.toBe(0);
      for (const name of ['Connect monday.com', 'Disconnect'])
        await expect(other.getByRole('button', { name }).count()).resolves.toBe(0);
      await other
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Users', exact: true })
        .click();
      await other.getByRole('button', { name: 'Change role…' }).waitFor();
      await other
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Settings', exact: true })
        .click();
      await other.getByRole('heading', { name: 'Organisation settings' }).waitFor();
      await expect(other.getByRole('button', { name: 'Save domains' }).count()).resolves.toBe(0);
      await other.screenshot({ path: join(shots, 'operator-settings.png'), fullPage: true });
      // A connection's settings: readable, not changeable, and no Save button the server would refuse.
      const [connection] = (await admin('GET', '/api/connections', undefined)).connections;
      await other.goto(`${base}/connections/${connection.id}/settings`);
      await other.getByRole('note').getByText('Only an admin can change these settings').first().waitFor();
      await expect(other.getByRole('button', { name: /^Save/ }).count()).resolves.toBe(0);
      await expect(other.getByLabel('Read', { exact: true }).isDisabled()).resolves.toBe(true);
      await other.screenshot({ path: join(shots, 'operator-connection-settings.png'), fullPage: true });
      await other.getByRole('button', { name: 'Sign out' }).click();

      await other.getByLabel('API key').fill(await key('reviewer'));
      await other.getByRole('button', { name: 'Sign in' }).click();
      await other.getByRole('heading', { name: 'My reviews' }).waitFor();
      await other.getByRole('note').getByText('reviewer', { exact: true }).waitFor();
      // The header names whose key it is, not only its role.
      await expect.poll(() => other.locator('header .who').textContent()).toContain('Rhea · Reviewer');
      // A reviewer's one page: their reviews.
      await expect
        .poll(() => other.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents())
        .toEqual(['My reviews']);
      await other.screenshot({ path: join(shots, 'reviewer-home.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });

  it('shows two accounts side by side: the demo marked as sample data, totals that name thresholds and currencies', async () => {
    const admin = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
    const demo = await fetch(`${base}/api/demo`, {
      method: 'POST',
      headers: { authorization: admin.authorization },
    }).then((r) => r.json() as Promise<{ id: string }>);
    const tyrell = await connectionId();
    for (const [id, settings] of [
      [tyrell, { seatPrice: 10, currency: 'EUR', inactiveDays: 60 }],
      [demo.id, { seatPrice: 12, currency: 'USD', inactiveDays: 90 }],
    ] as const) {
      const res = await fetch(`${base}/api/connections/${id}`, {
        method: 'PATCH',
        headers: admin,
        body: JSON.stringify(settings),
      });
      expect(res.status).toBe(200);
    }
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Integrations' }).click();
    // Added through the API meanwhile: a reload shows it.
    await page.reload();
    const card = page.getByRole('article').filter({ hasText: 'Sample data' });
    await card.locator('.status.ok', { hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    // Why the demo has no next sync, and what becomes of what is done in it.
    await expect(card.textContent()).resolves.toContain(
      'not scheduled: the demo account syncs when the server starts, and on Sync now',
    );
    await expect(card.textContent()).resolves.toContain(
      'what you do in it is kept across restarts; disconnect it to start afresh',
    );
    await shot('17-two-accounts');

    const per = (
      (await fetch(`${base}/api/insights`, { headers: admin }).then((r) => r.json())) as {
        connections: { inactivePaidSeats: number; cost: { monthlyWaste: number; currency: string } }[];
      }
    ).connections;
    expect(per).toHaveLength(2);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    await page.reload();
    const inactive = page.locator('.tile').filter({ hasText: 'Inactive paid seats' });
    await expect
      .poll(() => inactive.locator('.tile-value').textContent())
      .toBe(per.reduce((n, c) => n + c.inactivePaidSeats, 0).toLocaleString('en-US'));
    await expect(inactive.textContent()).resolves.toContain("account's own days (60, 90)");
    const note = (await inactive.textContent()) ?? '';
    expect(note).toContain('€');
    expect(note).toContain('$');
    expect(note).not.toContain('Set a price');
    // The pending invites of both accounts say whose they are.
    await page.getByRole('columnheader', { name: 'Account' }).waitFor();
    await shot('18-dashboard-two-accounts');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
    await page.getByRole('columnheader', { name: 'Account' }).waitFor();
    await page
      .getByRole('form', { name: 'Filter users' })
      .getByLabel('Account')
      .selectOption({ label: account().name });
    await expect.poll(() => page.getByRole('columnheader', { name: 'Account' }).count()).toBe(0);
  });

  it('returns to sign-in with a message when the session key is revoked', async () => {
    const created = await fetch(`${base}/api/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'viewer', name: 'browser' }),
    }).then((r) => r.json() as Promise<{ id: string; key: string }>);
    await page.getByRole('link', { name: 'Sync history' }).click();
    await page.getByRole('heading', { name: 'Sync history' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').fill(created.key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // Signed in again, on the page it was on.
    await page.getByRole('heading', { name: 'Sync history' }).waitFor();
    await expect(page.getByText('Viewer', { exact: false }).first().isVisible()).resolves.toBe(true);
    await page.getByRole('note').getByText('viewer', { exact: true }).waitFor();
    const revoked = await fetch(`${base}/api/keys/${created.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${adminKey}` },
    });
    expect(revoked.status).toBe(204);
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Sign in to Seatwise' }).waitFor();
    await page
      .getByText(
        'Your session has ended: it expired, or your access (or its API key) was taken away. Sign in again.',
      )
      .waitFor();
    await shot('10-signed-out');
  });

  it('showed every page without the browser refusing anything (CSP) or a script failing', () => {
    // Refused API calls (a wrong key, a form's 400) are the pages' own answers; nothing else may be reported.
    const refusedCalls = /Failed to load resource: the server responded with a status of (4\d\d)/;
    expect(consoleSaid.filter((m) => !refusedCalls.test(m))).toEqual([]);
  });
});

describe('single sign-on in Chromium against a real OpenID provider', { timeout: 60_000 }, () => {
  let provider: RunningProvider;
  let db: TestDatabase;
  let server: ChildProcess;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
    mkdirSync(shots, { recursive: true });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    provider = await startProviderFor(base, {
      ada: { email: 'ada@acme.test', name: 'Ada Admin', groups: ['seatwise-admins'] },
      otto: { email: 'otto@acme.test', name: 'Otto Ops', groups: ['it-ops'] },
      rita: { email: 'rita@acme.test', name: 'Rita Reviewer', groups: ['managers'] },
      eve: { email: 'eve@elsewhere.test', name: 'Eve Outsider', groups: ['seatwise-admins'] },
    });
    db = await createTestDatabase('sqlite');
    const started = await startServe({
      ...db.env,
      SEATWISE_PORT: String(port),
      LOG_LEVEL: 'info',
      ...oidcEnv(provider, base, {
        SEATWISE_OIDC_ROLE_GROUPS: 'admin=seatwise-admins;operator=it-ops;reviewer=managers',
        SEATWISE_OIDC_NAME: 'Acme SSO',
      }),
    });
    server = started.child;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.kill('SIGTERM');
    await db?.cleanup();
    await provider?.close();
  });

  /** A browser of its own (cookies and all), signed in at the provider as `login`. */
  const signIn = async (login: string, path = '/') => {
    const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${base}${path}`);
    await page.getByRole('link', { name: 'Sign in with Acme SSO' }).click();
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    return page;
  };
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  it('signs in with the provider: the header names the person and the role their groups give', async () => {
    const page = await signIn('ada', '/people');
    await page.getByRole('heading', { name: 'People' }).waitFor();
    await expect
      .poll(() => page.locator('header .who').textContent())
      .toContain('Ada Admin · Admin (from your identity provider)');
    const row = page.getByRole('row', { name: /ada@acme\.test/ });
    await expect.poll(() => row.textContent()).toContain("from the identity provider's groups");
    await shot(page, 'sso-01-admin-people');
    await page.context().close();
  });

  it('keeps a reviewer out of the Users page', async () => {
    const page = await signIn('rita', '/users');
    await page.getByRole('heading', { name: 'My reviews' }).waitFor();
    await expect.poll(() => page.locator('header .who').textContent()).toContain('Rita Reviewer · Reviewer');
    expect(await page.getByRole('link', { name: 'Users' }).count()).toBe(0);
    expect(await page.getByRole('heading', { name: 'Users' }).count()).toBe(0);
    // The API refuses her too, whatever the page shows.
    const status = await page.evaluate(async () => (await fetch('/api/users')).status);
    expect(status).toBe(403);
    await shot(page, 'sso-02-reviewer');
    await page.context().close();
  });

  it("ends a disabled person's session at once", async () => {
    const otto = await signIn('otto', '/users');
    await otto.getByRole('heading', { name: 'Users' }).waitFor();
    const admin = await signIn('ada', '/people');
    const row = admin.getByRole('row', { name: /otto@acme\.test/ });
    await row.getByRole('button', { name: 'Disable' }).click();
    await expect.poll(() => row.textContent()).toContain('disabled');
    await otto.getByRole('link', { name: 'Teams' }).click();
    await otto
      .getByText(
        'Your session has ended: it expired, or your access (or its API key) was taken away. Sign in again.',
      )
      .waitFor();
    await shot(otto, 'sso-03-disabled-signed-out');
    // Signing in again is refused, with the reason.
    await otto.getByRole('link', { name: 'Sign in with Acme SSO' }).click();
    await otto.getByText('Your access to Seatwise is disabled. Ask an admin.').waitFor();
    await otto.context().close();
    // The admin finds both in the audit log, named.
    await admin.getByRole('link', { name: 'Audit log' }).click();
    await admin.getByLabel('Show').selectOption('');
    await admin.getByText('otto@acme.test is disabled in Seatwise').waitFor();
    await shot(admin, 'sso-04-audit');
    await admin.context().close();
  });

  it('refuses a domain that is not allowed, and an ID token with another issuer, audience or nonce', async () => {
    const eve = await signIn('eve');
    await eve.getByText("Your email's domain is not allowed to sign in to Seatwise.").waitFor();
    await shot(eve, 'sso-05-domain-refused');
    await eve.context().close();
    for (const bend of [
      (c: Record<string, unknown>) => ({ ...c, iss: 'https://evil.example' }),
      (c: Record<string, unknown>) => ({ ...c, aud: 'another-client' }),
      (c: Record<string, unknown>) => ({ ...c, nonce: 'not-the-nonce' }),
    ]) {
      provider.tamper = bend;
      try {
        const page = await signIn('ada');
        await page
          .getByText("The identity provider's answer could not be verified", { exact: false })
          .waitFor();
        expect(await page.locator('header .who').count()).toBe(0);
        await page.context().close();
      } finally {
        provider.tamper = null;
      }
    }
  });
});

/**
 * What a browser test with a prepared organisation runs against: an emulator, a SQLite database Seatwise set
 * up with one read_and_act connection to the emulator's first account (`prepare` does the rest, syncing
 * included), `seatwise serve` on that database, and Chromium.
 */
async function startPrepared(
  emulatorOptions: Parameters<typeof startEmulator>[0],
  prepare: (app: Seatwise, connectionId: string, emulator: RunningEmulator) => Promise<void>,
) {
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`).toBe(true);
  mkdirSync(shots, { recursive: true });
  const emulator = await startEmulator(emulatorOptions);
  const db = await createTestDatabase('sqlite');
  const env = { ...db.env, SEATWISE_ALLOWED_ENDPOINTS: new URL(emulator.graphqlUrl).origin };
  const app = await createSeatwise({
    ...db.config,
    SEATWISE_ALLOWED_ENDPOINTS: env.SEATWISE_ALLOWED_ENDPOINTS,
  });
  const connection = await app.connections.add({
    token: emulator.accounts[0]!.tokens.admin,
    apiUrl: emulator.graphqlUrl,
    permission: 'read_and_act',
  });
  await prepare(app, connection.id, emulator);
  await app.close();
  const port = await freePort();
  const server = (await startServe({ ...env, SEATWISE_PORT: String(port), LOG_LEVEL: 'info' })).child;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs });
  return {
    emulator,
    base: `http://127.0.0.1:${port}`,
    browser,
    close: async () => {
      await browser.close();
      server.kill('SIGTERM');
      await db.cleanup();
      await emulator.close();
    },
  };
}

describe('an access review in Chromium: a reviewer works through their inbox', { timeout: 60_000 }, () => {
  let emulator: RunningEmulator;
  let base: string;
  let browser: Browser;
  const keys = { admin: '', rita: '' };
  const ids = { campaign: '', bob: '' };
  const emuUser = (id: string) => emulator.accounts[0]!.users.find((u) => u.id === id)!;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${keys.admin}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return (await res.json()) as any;
  };

  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    // The organisation as an admin left it: an account connected and synced, two reviewers with keys of their own.
    const started = await startPrepared(
      { users: 60, plan: 'enterprise', seed: 505 },
      async (app, connectionId) => {
        await app.connections.update(connectionId, { seatPrice: 16, currency: 'EUR' });
        expect((await app.sync.sync(connectionId)).status).toBe('succeeded');
        const rita = await app.people.invite(
          { email: 'rita@acme.test', role: 'reviewer', name: 'Rita Reviewer' },
          'cli',
        );
        const bob = await app.people.invite(
          { email: 'bob@acme.test', role: 'reviewer', name: 'Bob Builder' },
          'cli',
        );
        ids.bob = bob.id;
        keys.admin = (await app.keys.create('admin', 'admin')).key;
        keys.rita = (await app.keys.create('reviewer', 'rita', { actor: 'cli', ownerPersonId: rita.id })).key;
        const campaign = await app.reviews.create(
          {
            name: 'Members, Q4',
            scope: { connectionIds: [connectionId], roles: ['member'], statuses: ['active'] },
            reviewers: { kind: 'people', personIds: [rita.id, bob.id] },
            dueAt: new Date(Date.now() + 14 * 86_400_000).toISOString(),
            closeDefault: 'none',
            leavers: [],
          },
          { actor: 'cli', via: 'cli' },
        );
        ids.campaign = campaign.id;
      },
    );
    ({ emulator, base, browser } = started);
    stop = started.close;
  }, 120_000);

  afterAll(async () => {
    await stop?.();
  });

  it('an admin issues Bob a key on the People page; Bob signs in as himself, and his raise waits for an operator', async () => {
    const context = await browser.newContext({ viewport: { width: 1500, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    try {
      await page.goto(base);
      await page.getByLabel('API key').fill(keys.admin);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'People' }).click();
      await page
        .getByRole('row')
        .filter({ hasText: 'bob@acme.test' })
        .getByRole('button', { name: 'Create key' })
        .click();
      const issued = page.getByRole('status').filter({ hasText: 'A key for bob@acme.test' });
      await issued.waitFor();
      const bobKey = (await issued.locator('code').textContent())!.trim();
      expect(bobKey).toMatch(/^sw_/);
      await shot('review-00-key-for-bob');
      await page.getByRole('button', { name: 'Sign out' }).click();

      // Bob signs in with his key: the header names him, and only his reviews are offered.
      await page.getByLabel('API key').fill(bobKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'My reviews' }).waitFor();
      await expect.poll(() => page.locator('header .who').textContent()).toContain('Bob Builder · Reviewer');
      const inbox = (
        (await (
          await fetch(`${base}/api/reviews/inbox`, { headers: { authorization: `Bearer ${bobKey}` } })
        ).json()) as any
      ).items as { id: string; email: string; userId: string }[];
      expect(inbox.length).toBeGreaterThan(0);
      const raised = inbox[0]!;
      const row = page.getByRole('row').filter({ hasText: raised.email });
      await row.getByLabel(`Change the role of ${raised.email}`).selectOption('admin');
      await expect.poll(() => row.textContent()).toContain('Decided, not submitted');
      await row.getByRole('button', { name: 'Submit', exact: true }).click();
      // Asked first: a raise is not carried out on a reviewer's word.
      const ask = page.getByRole('dialog', { name: 'Submit these decisions?' });
      await expect
        .poll(() => ask.textContent())
        .toContain(
          'Nothing changes in monday now. 1 decision would raise access: it waits for an operator to approve.',
        );
      expect(expectedAccess(emuUser(raised.userId)).role).toBe('member');
      await ask.getByRole('button', { name: 'Submit 1 decision' }).click();
      await expect
        .poll(() => row.textContent())
        .toContain('Waiting for an operator to approve (raises access)');
      expect(expectedAccess(emuUser(raised.userId)).role).toBe('member');
      await shot('review-00-raise-waits');
      await page.getByRole('button', { name: 'Sign out' }).click();

      // The admin approves it on the campaign page: carried out, and done as monday shows it.
      await page.getByLabel('API key').fill(keys.admin);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.goto(`${base}/reviews/${ids.campaign}`);
      const waiting = page.getByRole('region', { name: 'Raises waiting for approval' });
      await waiting.getByText(raised.email).waitFor();
      await shot('review-00-approve');
      await waiting.getByRole('button', { name: 'Approve' }).click();
      await page.getByRole('status').getByText('Approved 1 raise.').waitFor();
      expect(expectedAccess(emuUser(raised.userId)).role).toBe('admin');
      const items = (await call('GET', `/api/reviews/${ids.campaign}/items`)).items as any[];
      expect(items.find((i) => i.id === raised.id)).toMatchObject({
        status: 'done',
        approvedBy: expect.stringMatching(/^api-key:/),
      });
      await page.getByRole('button', { name: 'Sign out' }).click();
    } finally {
      await context.close();
    }
  });

  it("decides one by one and in bulk, submits, sees monday's result, hands one on; the admin closes and opens the report", async () => {
    // A laptop's width: the items fit it, nothing scrolls sideways.
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    try {
      await page.goto(base);
      await page.getByLabel('API key').fill(keys.rita);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'My reviews' }).waitFor();
      await page.getByRole('heading', { name: 'Members, Q4' }).waitFor();
      await page.locator('.table-wrap tbody tr').first().waitFor();
      // How far the page and each table would scroll sideways (0: they fit).
      const overflow = await page.evaluate(() => {
        type Box = { scrollWidth: number; clientWidth: number };
        const doc = (
          globalThis as unknown as {
            document: { documentElement: Box; querySelectorAll(s: string): Iterable<Box> };
          }
        ).document;
        return {
          page: doc.documentElement.scrollWidth - doc.documentElement.clientWidth,
          tables: [...doc.querySelectorAll('.table-wrap')].map((w) => w.scrollWidth - w.clientWidth),
        };
      });
      expect(overflow.page).toBeLessThanOrEqual(0);
      expect(
        overflow.tables.every((d) => d <= 0),
        JSON.stringify(overflow),
      ).toBe(true);
      const inbox = (
        (await (
          await fetch(`${base}/api/reviews/inbox`, { headers: { authorization: `Bearer ${keys.rita}` } })
        ).json()) as any
      ).items as { id: string; email: string; userId: string; keepNeedsComment: boolean }[];
      expect(inbox.length).toBeGreaterThan(4);
      await expect
        .poll(() => page.getByRole('status').first().textContent())
        .toBe(`${inbox.length} people to decide`);
      await shot('review-01-inbox');
      const row = (email: string) => page.getByRole('row').filter({ hasText: email });

      // One by one: a revoke; a keep the evidence argues against needs a comment.
      const [revoked, second, third, fourth, handed] = inbox as [
        (typeof inbox)[0],
        (typeof inbox)[0],
        (typeof inbox)[0],
        (typeof inbox)[0],
        (typeof inbox)[0],
      ];
      await row(revoked.email).getByRole('button', { name: 'Revoke', exact: true }).click();
      await expect.poll(() => row(revoked.email).textContent()).toContain('Decided, not submitted');
      const argued = inbox.find((i) => i.keepNeedsComment && i !== revoked && i !== handed);
      if (argued) {
        await row(argued.email).getByRole('button', { name: 'Keep', exact: true }).click();
        await row(argued.email)
          .getByRole('alert')
          .getByText(/needs a comment/)
          .waitFor();
        await shot('review-02-comment-needed');
        await row(argued.email)
          .getByLabel(/Comment/)
          .fill('Back from leave in January');
        await row(argued.email).getByRole('button', { name: 'Keep', exact: true }).click();
        await expect.poll(() => row(argued.email).textContent()).toContain('Decided, not submitted');
      }

      // In bulk: two people downgraded at once.
      const bulk = [second, third, fourth].filter((i) => i !== argued).slice(0, 2);
      for (const i of bulk) await row(i.email).getByRole('checkbox').check();
      await page.getByRole('toolbar').getByRole('button', { name: 'Downgrade to viewer' }).click();
      for (const i of bulk)
        await expect.poll(() => row(i.email).textContent()).toContain('Decided, not submitted');

      // Handed on to Bob: gone from Rita's inbox.
      await row(handed.email).getByRole('checkbox').check();
      await page.getByRole('toolbar').getByLabel('Hand to').selectOption(ids.bob);
      await page.getByRole('toolbar').getByRole('button', { name: 'Reassign chosen' }).click();
      await expect.poll(() => row(handed.email).count()).toBe(0);

      // Submitted: carried out in monday, and shown done from what monday shows.
      await page.getByRole('checkbox', { name: 'Choose everyone still to decide' }).check();
      await page.getByRole('toolbar').getByRole('button', { name: 'Submit chosen' }).click();
      // Nothing is done before the confirmation, which says what will be.
      const confirm = page.getByRole('dialog', { name: 'Submit these decisions?' });
      await confirm.waitFor();
      const changes = 1 + bulk.length;
      await expect(confirm.textContent()).resolves.toContain(
        `${changes} changes will be made in monday now; a change counts as done only when monday shows it.`,
      );
      await expect(confirm.textContent()).resolves.toContain('Revoke (deactivate): 1 person');
      await expect(confirm.textContent()).resolves.toContain(`Downgrade to viewer: ${bulk.length} people`);
      expect(emuUser(revoked.userId).status).toBe('ACTIVE');
      await shot('review-03-confirm-submit');
      await confirm.getByRole('button', { name: /^Submit \d+ decisions$/ }).click();
      await expect
        .poll(() => row(revoked.email).textContent())
        .toContain('deactivated: monday shows them deactivated');
      for (const i of bulk)
        await expect.poll(() => row(i.email).textContent()).toContain('monday shows them as viewer');
      if (argued) await expect.poll(() => row(argued.email).textContent()).toContain('Kept');
      expect(emuUser(revoked.userId).status).toBe('INACTIVE');
      for (const i of bulk) expect(expectedAccess(emuUser(i.userId)).role).toBe('viewer');
      await shot('review-03-submitted');
      await page.getByRole('button', { name: 'Sign out' }).click();

      // The admin sees the progress, closes the campaign and opens the report.
      await page.getByLabel('API key').fill(keys.admin);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Reviews', exact: true })
        .click();
      await page.getByRole('heading', { name: 'Access reviews' }).waitFor();
      await page.getByRole('link', { name: 'Members, Q4' }).click();
      await page.getByRole('heading', { name: 'Members, Q4' }).waitFor();
      await page.getByRole('row').filter({ hasText: 'Rita Reviewer' }).first().waitFor();
      await shot('review-04-campaign');
      await page.getByRole('button', { name: 'Close campaign…' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Close and carry out' }).click();
      await page
        .getByRole('status')
        .getByText(/^Closed: /)
        .waitFor();
      const report = page.waitForEvent('popup');
      await page.getByRole('link', { name: 'Report (printable)' }).click();
      const tab = await report;
      await tab.getByRole('heading', { name: 'Access review report: Members, Q4' }).waitFor();
      await tab.getByRole('button', { name: 'Print or save as PDF' }).waitFor();
      const closed = await call('GET', `/api/reviews/${ids.campaign}/report`);
      const rows = await tab.locator('tbody tr').count();
      expect(rows).toBe(closed.items.length);
      await tab.screenshot({ path: join(shots, 'review-05-report.png'), fullPage: true });
    } finally {
      await context.close();
    }
  });
});

describe('the Savings page in Chromium: right-size a 100-seat plan and see cost by team', {
  timeout: 60_000,
}, () => {
  let emulator: RunningEmulator;
  let base: string;
  let browser: Browser;
  let adminKey = '';
  let connectionId = '';
  let shaped: ReturnType<typeof shapeAccount>;

  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const started = await startPrepared({ users: 90, plan: 'pro', seed: 26 }, async (app, id, emu) => {
      shaped = shapeAccount(emu.accounts[0]!, Date.now());
      connectionId = id;
      await app.economics.setSeatPlan(id, { seatPrice: 12, currency: 'EUR', billingPeriod: 'yearly' });
      expect((await app.sync.sync(id)).status).toBe('succeeded');
      adminKey = (await app.keys.create('admin', 'admin')).key;
    });
    ({ emulator, base, browser } = started);
    stop = started.close;
  }, 120_000);

  afterAll(async () => {
    await stop?.();
  });

  it('shows the bucket bar, the two changes that reach 50 seats and their saving, creates the proposals, and costs teams', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const shot = (name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    try {
      await page.goto(base);
      await page.getByLabel('API key').fill(adminKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Integrations' }).waitFor();
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Savings', exact: true })
        .click();
      await page.getByRole('heading', { name: 'Savings', exact: true }).waitFor();
      const account = emulator.accounts[0]!;
      const card = page.getByRole('article', { name: new RegExp(account.name) });
      await card
        .getByRole('img', { name: '52 seats used of a 100-seat bucket; next smaller bucket 50; target 50' })
        .waitFor();
      await card
        .getByText('2 changes move 52 seats from the 100 bucket to 50, saving €7,200.00 a year.')
        .waitFor();
      await expect(card.getByText('€7,200.00', { exact: true }).isVisible()).resolves.toBe(true);
      const rows = card.getByRole('table').locator('tbody tr');
      await expect(rows.count()).resolves.toBe(2);
      const shown = await rows.allTextContents();
      expect(shown.map((row, i) => row.includes(shaped.longestInactive[i]!.email.toLowerCase()))).toEqual([
        true,
        true,
      ]);
      expect(shown[0]).toContain('400 days');
      expect(shown[1]).toContain('350 days');
      // Cost by team: a chart, a table with the total, and the CSV.
      await page.getByRole('img', { name: /^Monthly cost by team: / }).waitFor();
      const costs = page.getByRole('table', { name: 'Paid seats and their cost per team' });
      await expect(costs.locator('tfoot').textContent()).resolves.toContain('52.00');
      await expect(costs.locator('tbody').textContent()).resolves.toContain(shaped.teamA.name);
      await expect(page.getByRole('link', { name: 'Download CSV' }).getAttribute('href')).resolves.toBe(
        '/api/insights/teams?format=csv',
      );
      await page.locator('.loading').first().waitFor({ state: 'detached' });
      await shot('savings-01-plan');

      await card.getByRole('button', { name: 'Create proposals' }).click();
      await card.getByRole('status').getByText('2 proposals open for review on the Policies page.').waitFor();
      await shot('savings-02-proposals-created');
      const open = (await fetch(`${base}/api/proposals?connectionId=${connectionId}&status=open`, {
        headers: { authorization: `Bearer ${adminKey}` },
      }).then((r) => r.json())) as { proposals: { email: string; reason: string }[] };
      expect(open.proposals.map((p) => p.email).sort()).toEqual(
        shaped.longestInactive.map((u) => u.email.toLowerCase()).sort(),
      );
      expect(open.proposals[0]!.reason).toContain('right-sizing from the 100-seat bucket to 50');
      await card.getByRole('link', { name: 'Policies page' }).click();
      await page.getByRole('heading', { name: 'Policies', exact: true }).waitFor();
      for (const u of shaped.longestInactive) await page.getByText(u.email.toLowerCase()).first().waitFor();
      await shot('savings-03-policies');

      // The seat plan on the connection's settings: a renewal date and a price for the 50-seat bucket.
      const renewal = new Date(Date.now() + 45 * 86_400_000).toISOString().slice(0, 10);
      await page.goto(`${base}/connections/${connectionId}/settings`);
      await page.getByRole('heading', { name: 'Seat plan' }).waitFor();
      await page.getByLabel('Renewal date').fill(renewal);
      await page.getByLabel('Bucket prices per month').fill('50=500');
      await page.getByRole('button', { name: 'Save seat plan' }).click();
      await page.getByText('Seat plan saved.').waitFor();
      await shot('savings-04-seat-plan');
      await page.goto(`${base}/savings/${connectionId}`);
      await page.getByRole('heading', { name: 'Savings', exact: true }).waitFor();
      // 100 seats at 12 a month against 500 for the 50-seat bucket: 700 a month.
      await card.getByText('€8,400.00', { exact: true }).waitFor();
      await card.getByText(`${renewal} (in 45 days)`, { exact: false }).waitFor();
      await shot('savings-05-renewal');
    } finally {
      await context.close();
    }
  });
});
