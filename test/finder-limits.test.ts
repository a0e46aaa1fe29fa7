import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createStore, defineModel } from '../src/index.js';
import { checkSetup } from '../src/store/indexes/check-setup.js';
import { openTestRedis, type TestRedis } from './helpers/redis.js';

const Ticket = defineModel('Ticket', z.object({ n: z.int32(), state: z.enum(['B', 'C']) }), { ttl: 1, index: ['n', 'state'] });

let redis: TestRedis;
beforeAll(async () => {
  redis = await openTestRedis();
});
beforeEach(() => redis.flush());
afterAll(() => redis.close());

const store = () => createStore({ redis: redis.client, models: [Ticket] });

describe('finder limits and edges', () => {
  it('refuses an in list over 1000 values with BAD_USER_INPUT instead of failing inside Redis', async () => {
    const values = Array.from({ length: 1001 }, (_, i) => i);
    await expect(
      store()
        .session()
        .findModels(Ticket, { where: { n: { in: values } } }),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    const page = await store()
      .session()
      .findModels(Ticket, { where: { n: { in: values.slice(0, 1000) } } });
    expect(page.edges).toEqual([]);
  });

  it.each([[{}], [{ and: [{}] }], [{ or: [{ n: { eq: 1 } }, {}] }], [{ not: { or: [] } }]])(
    'refuses to delete with a where that selects everything: %j',
    async (where) => {
      await store().insert([Ticket.create({ n: 1, state: 'B' }, { pk: 'a' })]);
      await expect(store().session().deleteWhere(Ticket, where)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(await redis.client.exists('Ticket:a')).toBe(1);
    },
  );

  it('drops a document from counts once it expires, after setTtl made its TTL longer and a read made it short again', async () => {
    await store().insert([Ticket.create({ n: 1, state: 'B' }, { pk: 'a' })]);
    await store().session().setTtl('Ticket:a', 3600);
    await store().get('Ticket:a'); // refreshing read: back to the model's 1 s
    for (let poll = 0; poll < 400 && (await redis.client.exists('Ticket:a')) === 1; poll++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    const page = await store()
      .session()
      .findModels(Ticket, { where: { n: { eq: 1 } }, withTotalCount: true });
    expect(page.totalCount).toBe(0);
    expect(page.edges).toEqual([]);
  });
});

describe('startup checks on enums', () => {
  it('ask for a reindex when an indexed enum gains a value, since its scores shift', async () => {
    expect(await checkSetup(redis.client, store().registry)).toEqual([]);
    const Wider = defineModel('Ticket', z.object({ n: z.int32(), state: z.enum(['A', 'B', 'C']) }), { ttl: 1, index: ['n', 'state'] });
    const warnings = await checkSetup(redis.client, createStore({ redis: redis.client, models: [Wider] }).registry);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('reindex --model Ticket');
  });
});
