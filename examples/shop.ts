import { z } from 'zod';
import { defineModel, ref } from '../src/index.js';

/** The demo shop: users buy products through orders that refer to both by key. */
export const User = defineModel(
  'User',
  z.object({
    name: z.string().min(1),
    age: z.int32().min(0),
    email: z.email(),
    balance: z.int().min(0).default(0),
  }),
  { index: ['name', 'age'] },
);

export const Product = defineModel(
  'Product',
  z.object({
    name: z.string().min(1),
    price: z.number().nonnegative(),
    inStock: z.boolean().default(true),
    stock: z.int().min(0).default(0),
    tags: z.array(z.string()).default([]),
  }),
  { index: ['price', 'inStock'] },
);

export const Order = defineModel(
  'Order',
  z.object({
    userId: ref(User), // GraphQL also serves \`user: User\`, read in the request's batch
    productId: ref(Product),
    quantity: z.int32().min(1),
    status: z.enum(['PENDING', 'PAID', 'SHIPPED']).default('PENDING'),
    placedAt: z.date(),
  }),
  { ttl: 60 * 60 * 24 * 30, index: ['userId', 'status', 'placedAt'] },
);

export const models = [User, Product, Order];
