import { isAbstractType, type GraphQLSchema } from 'graphql';

/**
 * Each interface and union with the object types that belong to it, as Apollo Client's InMemoryCache
 * and urql's graphcache want them: without it, fragments on `Model`, `Node` or `AnyModel` match nothing.
 */
export function possibleTypes(schema: GraphQLSchema): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (isAbstractType(type) && !type.name.startsWith('__')) {
      result[type.name] = schema.getPossibleTypes(type).map((objectType) => objectType.name).sort();
    }
  }
  return result;
}
