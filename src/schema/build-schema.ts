import type { GraphQLSchema } from 'graphql';
import type { Registry } from '../model/registry.js';
import { createBuilder } from './builder.js';
import { chargeRootFields } from './charge-root-fields.js';
import { addConditionInputs, FilterInputs } from './condition-inputs.js';
import { addFinderFields } from './finder-fields.js';
import { addInsertMany } from './insert-many.js';
import { addLockMutations } from './lock-mutations.js';
import { addUpdateInputs } from './update-inputs.js';
import { addModelsQuery } from './model-info.js';
import { addModelTypes } from './model-types.js';
import { addNodeQueries } from './node-queries.js';
import { addRelayNodeQueries } from './relay-node-queries.js';
import { addReferenceFields } from './reference-fields.js';
import { TypeRefs } from './type-refs.js';
import { addWriteArguments } from './write-arguments.js';

export interface SchemaOptions {
  /**
   * Serve Relay's `node(id: ID!): Node` and `nodes(ids: [ID!]!): [Node]!`, where a missing id is null
   * with no error, in place of `node(key:)` and `nodes(keys:)`. See docs/frontends.md.
   * @default false
   */
  relay?: boolean | undefined;
}

/** Builds the GraphQL schema of a registry: the composition root of the generators in this folder. */
export function buildSchema(registry: Registry, options: SchemaOptions = {}): GraphQLSchema {
  const builder = createBuilder();
  const refs = new TypeRefs(builder);
  const { nodeInterface, modelInterface, objectTypes } = addModelTypes(builder, registry, refs);
  addReferenceFields(builder, registry, objectTypes);
  if (options.relay) addRelayNodeQueries(builder, nodeInterface);
  else addNodeQueries(builder, modelInterface);
  addModelsQuery(builder);
  if (registry.models.length > 0) {
    const writeArguments = addWriteArguments(builder);
    addInsertMany(builder, registry, refs, modelInterface, writeArguments);
    const filters = new FilterInputs(builder, refs);
    const modelCondition = addConditionInputs(builder, registry, filters);
    addFinderFields(builder, registry, filters, objectTypes, modelInterface, writeArguments);
    const modelUpdate = addUpdateInputs(builder, registry, refs);
    if (modelUpdate) addLockMutations(builder, modelInterface, modelCondition, modelUpdate);
  }
  return chargeRootFields(builder.toSchema());
}
