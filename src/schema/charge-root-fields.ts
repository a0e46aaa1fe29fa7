import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import { fieldRun } from '../store/request-budget.js';
import type { GatewayContext } from './builder.js';
import { toGraphQLError } from './to-graphql-error.js';

/**
 * Makes every root field (each alias counts) draw one unit of cost from the request's budget before
 * it resolves, so that thousands of aliases of a cheap field are refused however they were written.
 * Done once here rather than in each generator, so that no root field can be added without it.
 */
export function chargeRootFields(schema: GraphQLSchema): GraphQLSchema {
  for (const type of [schema.getQueryType(), schema.getMutationType()]) {
    for (const field of Object.values(type?.getFields() ?? {})) {
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context: GatewayContext, info) => {
        try {
          context.session.budget.draw(fieldRun);
        } catch (error) {
          throw toGraphQLError(error);
        }
        return resolve(source, args, context, info);
      };
    }
  }
  return schema;
}
