import type { GraphiQLOptions } from 'graphql-yoga';

/** Yoga's page reads `query` too, though its type leaves it out: the text the opening tab must hold. */
interface OpeningGraphiQLOptions extends GraphiQLOptions {
  query?: string;
}

/**
 * GraphiQL's options for a page that opens on `tour`, chosen per request.
 *
 * `defaultQuery` alone is not enough. GraphiQL keeps its tabs in the browser's localStorage, per origin,
 * and uses `defaultQuery` only when none are stored; otherwise it keeps them and opens one more tab for
 * the page's initial query, which Yoga leaves empty whenever `defaultQuery` is set. So a browser that had
 * opened any GraphiQL on the same host and port before (another Yoga app on port 4000, say) showed its old
 * tab, Yoga's welcome, next to an empty one that answers `Syntax Error: Unexpected <EOF>`, and never the
 * tour. Given as `query`, the tour is matched against the stored tabs: an unedited tour tab is brought
 * back, and otherwise a new tab opens with it.
 *
 * Yoga's page writes each edit into the address (`?query=`) and, given no `query` option, reopens that
 * text on reload. Such a request gets no `query`, so that a reload keeps the tab being edited.
 */
export function graphiqlOptions(tour: string): (request: Request) => GraphiQLOptions {
  // The variables and headers editors start closed: the tour needs neither, and it gets their room.
  const base: GraphiQLOptions = { title: 'redis-model-gateway', defaultQuery: tour, defaultEditorToolsVisibility: false };
  const opening: OpeningGraphiQLOptions = { ...base, query: tour };
  return (request) => (new URL(request.url).searchParams.has('query') ? base : opening);
}
