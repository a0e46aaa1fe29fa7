import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './helpers/cli-process.js';
import { openTestGateway, type TestGateway } from './helpers/test-gateway.js';

/*
 * GraphiQL as a user sees it: Debian's Chromium opens /graphql on a gateway over an empty database, with
 * every request that is not to the gateway aborted, and runs the preloaded tour through the page's own
 * buttons, reading each answer from the result pane.
 */

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = join(REPO, 'test-results', 'graphiql-tour.png');
/** A browser on two shared cores: generous, since a slow page is not what these specs are about. */
const BROWSER_TIMEOUT_MS = 120_000;

let t: TestGateway;
let server: Server;
let origin: string;
let profile: string;
let context: BrowserContext;
/** Every request the page tried outside the gateway: all aborted. */
const outside: string[] = [];
/** Script errors on the page. */
const pageErrors: string[] = [];

beforeAll(async () => {
  // CI installs Chromium (.ci/run): without it this spec fails rather than passing unseen.
  expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium`).toBe(true);
  t = await openTestGateway();
  server = createServer(t.gateway.yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  profile = await mkdtemp(join(tmpdir(), 'rmg-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1600, height: 1000 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${origin}/`)) return route.continue();
    outside.push(url);
    return route.abort();
  });
}, BROWSER_TIMEOUT_MS);

afterAll(async () => {
  await context?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await t?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

async function openGraphiQL(page: Page): Promise<void> {
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${origin}/graphql`);
  await page.locator('.graphiql-execute-button').waitFor();
}

/** The operations the run button offers, by name, in document order. */
async function offeredOperations(page: Page): Promise<string[]> {
  await page.locator('.graphiql-execute-button').click();
  const names = await page.getByRole('menuitem').allInnerTexts();
  await page.keyboard.press('Escape');
  return names;
}

/** Picks `name` from the run button's menu, as a user does, and reads the answer the result pane shows. */
async function run(page: Page, name: string): Promise<unknown> {
  const answered = page.waitForResponse(
    (response) => response.request().method() === 'POST' && response.request().postDataJSON()?.operationName === name,
  );
  await page.locator('.graphiql-execute-button').click();
  await page.getByRole('menuitem', { name, exact: true }).click();
  const body = (await (await answered).json()) as unknown;
  // The pane renders after the response arrives: wait until it shows this answer.
  const expected = JSON.stringify(body);
  await page.waitForFunction((text) => {
    const pane = document.querySelector<HTMLElement>('.graphiql-response')?.innerText.replace(/\u00a0/g, ' ');
    try {
      return pane !== undefined && JSON.stringify(JSON.parse(pane)) === text;
    } catch {
      return false;
    }
  }, expected);
  const pane = await page.locator('.graphiql-response').innerText();
  return JSON.parse(pane.replace(/\u00a0/g, ' ')) as unknown;
}

describe('GraphiQL, offline, on the demo shop', () => {
  it(
    'opens with the tour preloaded and runs it in order on an empty database, loading nothing but the gateway',
    async () => {
      expect(await t.redis.dbsize()).toBe(0);
      const page = await context.newPage();
      await openGraphiQL(page);
      expect(await offeredOperations(page)).toEqual(['Seed', 'Read', 'Find', 'Purchase']);

      expect(await run(page, 'Seed')).toEqual({
        data: { insertMany: [{ key: 'User:alice' }, { key: 'User:bob' }, { key: 'User:carol' }, { key: 'Product:book' }] },
      });
      expect(await run(page, 'Read')).toEqual({
        data: {
          nodes: [
            { key: 'User:alice', name: 'Alice', balance: 100 },
            { key: 'Product:book', name: 'Book', price: 12, stock: 10 },
          ],
        },
      });
      expect(await run(page, 'Find')).toEqual({
        data: { allUsers: { totalCount: 2, edges: [{ node: { name: 'Carol', age: 45 } }, { node: { name: 'Alice', age: 30 } }] } },
      });
      expect(await run(page, 'Purchase')).toEqual({
        data: { withLock: { applied: true, model: { name: 'Alice', balance: 88 } } },
      });
      expect(JSON.parse((await t.redis.client.get('User:alice')) ?? 'null')).toMatchObject({ balance: 88 });

      await mkdir(join(REPO, 'test-results'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT });
      expect(outside).toEqual([]);
      expect(pageErrors).toEqual([]);
      await page.close();
    },
    BROWSER_TIMEOUT_MS,
  );

  it(
    'opens the tour in a browser that kept another GraphiQL tab for this host and port, and keeps that tab',
    async () => {
      const page = await context.newPage();
      // What any Yoga GraphiQL opened here before leaves in localStorage: its welcome, all comments. Set
      // before the page's scripts run, as a returning browser has it.
      await page.addInitScript(() => {
        const welcome = { id: 'kept', hash: null, title: '<untitled>', query: '# Welcome to Yoga GraphiQL\n' };
        const tab = { ...welcome, variables: null, headers: null, operationName: null, response: null };
        localStorage.setItem('graphiql:tabState', JSON.stringify({ activeTabIndex: 0, tabs: [tab] }));
      });
      await openGraphiQL(page);

      expect(await page.locator('.graphiql-tab').allInnerTexts()).toEqual(['<untitled>', 'Seed']);
      expect(await offeredOperations(page)).toEqual(['Seed', 'Read', 'Find', 'Purchase']);
      expect(await run(page, 'Read')).toMatchObject({ data: { nodes: [{ key: 'User:alice' }, { key: 'Product:book' }] } });
      expect(outside).toEqual([]);
      expect(pageErrors).toEqual([]);
      await page.close();
    },
    BROWSER_TIMEOUT_MS,
  );
});
