import type { GraphiQLOptions } from 'graphql-yoga';

/**
 * Renders GraphiQL from @graphql-yoga/render-graphiql, whose page inlines its scripts, styles and
 * editor workers: it loads nothing but the gateway's own endpoint, so it works with no network.
 * (Yoga's default page loads GraphiQL from a CDN; offline it stays at "Loading __TITLE__...".)
 *
 * The package is a 9 MB module: it is imported on the first page asked for, not with the gateway, so
 * that a gateway with GraphiQL off (production) never loads it. Each distinct set of options renders once;
 * graphiqlOptions gives at most two.
 */
export function localGraphiQL(): (options: GraphiQLOptions) => Promise<string> {
  const pages = new Map<string, Promise<string>>();
  return (options) => {
    const cacheKey = JSON.stringify(options);
    let page = pages.get(cacheKey);
    if (!page) {
      page = import('@graphql-yoga/render-graphiql').then(({ renderGraphiQL }) => renderGraphiQL(options));
      pages.set(cacheKey, page);
    }
    return page;
  };
}
