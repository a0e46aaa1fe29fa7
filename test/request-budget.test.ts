import { describe, expect, it } from 'vitest';
import { fieldRun, keysRead, pageRead, RequestBudget, totalOf } from '../src/store/request-budget.js';
import { limitsFromFlags } from '../src/server/limit-flags.js';
import { gatewayError } from './helpers/gateway-error.js';

describe('request budget', () => {
  it('counts a key read as one key and one unit of cost, a page as its first, a root field as one', () => {
    expect(keysRead(3)).toEqual({ keys: 3, cost: 3 });
    expect(pageRead(50)).toEqual({ keys: 0, cost: 50 });
    expect(fieldRun).toEqual({ keys: 0, cost: 1 });
    expect(totalOf([fieldRun, keysRead(3), fieldRun, pageRead(10)])).toEqual({ keys: 3, cost: 15 });
  });

  it('charges a first out of range as the largest page, leaving its refusal to the finder', () => {
    expect(pageRead(5000).cost).toBe(1000);
    expect(pageRead(-1).cost).toBe(0);
    expect(pageRead(Number.NaN).cost).toBe(1000);
  });

  it('refuses the draw that would pass maxKeys with TOO_MANY_KEYS naming the total, and takes nothing', async () => {
    const budget = new RequestBudget({ maxKeys: 5, maxCost: 100, maxFinderWork: 20_000 });
    budget.draw(keysRead(4));
    const error = await gatewayError(() => budget.draw(keysRead(2)));
    expect(error.code).toBe('TOO_MANY_KEYS');
    expect(error.details).toEqual({ count: 6, limit: 5, option: 'maxKeys' });
    expect(error.message).toContain('6 keys; at most 5');
    expect(budget.spent).toEqual({ keys: 4, cost: 4 });
    budget.draw(keysRead(1));
    expect(budget.spent).toEqual({ keys: 5, cost: 5 });
  });

  it('refuses the draw that would pass maxCost with QUERY_TOO_EXPENSIVE naming the estimate and the limit', async () => {
    const budget = new RequestBudget({ maxKeys: 5, maxCost: 100, maxFinderWork: 20_000 });
    budget.draw(pageRead(99));
    const error = await gatewayError(() => budget.draw(totalOf([fieldRun, fieldRun])));
    expect(error.code).toBe('QUERY_TOO_EXPENSIVE');
    expect(error.details).toEqual({ estimate: 101, limit: 100, option: 'maxCost' });
    expect(error.message).toContain('an estimated 101; at most 100');
    budget.draw(fieldRun);
    expect(budget.spent.cost).toBe(100);
  });

  it('checks keys before cost, so a request over both learns about its keys', async () => {
    const budget = new RequestBudget({ maxKeys: 5, maxCost: 5, maxFinderWork: 20_000 });
    expect((await gatewayError(() => budget.draw(keysRead(20)))).code).toBe('TOO_MANY_KEYS');
  });
});

describe('limit flags', () => {
  it('map kebab-case flags onto the limits options', () => {
    expect(limitsFromFlags({ 'max-cost': '5000', 'max-body-bytes': '2_000_000', 'parse-cache-entries': '10' })).toEqual({
      maxCost: 5000,
      maxBodyBytes: 2_000_000,
      parseCacheEntries: 10,
    });
  });

  it.each(['0', '-1', '1.5', 'lots', ''])('refuse %j, naming the flag', (given) => {
    expect(() => limitsFromFlags({ 'max-depth': given })).toThrow(`--max-depth is "${given}"; it must be a whole number above zero.`);
  });
});
