import SchemaBuilder from '@pothos/core';
import { DateTimeResolver, JSONResolver, SafeIntResolver } from 'graphql-scalars';
import type { StoreSession } from '../store/store-session.js';

/** What every resolver gets: the request's store session, whose DataLoader batches the request's reads. */
export interface GatewayContext {
  session: StoreSession;
}

export interface GatewaySchemaTypes {
  Context: GatewayContext;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    SafeInt: { Input: number; Output: number };
    JSON: { Input: unknown; Output: unknown };
  };
}

/**
 * The builder holds configuration only; the generators beside it add the types. The return type is
 * spelled out so that the declarations import @pothos/core, which declares the PothosSchemaTypes they name.
 */
export function createBuilder(): InstanceType<typeof SchemaBuilder<GatewaySchemaTypes>> {
  const builder = new SchemaBuilder<GatewaySchemaTypes>({ defaultFieldNullability: false });
  builder.addScalarType('DateTime', DateTimeResolver);
  builder.addScalarType('SafeInt', SafeIntResolver);
  builder.addScalarType('JSON', JSONResolver);
  builder.queryType({});
  builder.mutationType({});
  return builder;
}

export type Builder = ReturnType<typeof createBuilder>;
