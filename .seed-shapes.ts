import { seedBenchItems } from './bench/seed.js';
import { BenchShapeItem } from './bench/shapes-model.js';
await seedBenchItems(process.argv[2]!, 10000, 1000, BenchShapeItem);
console.log('seeded');
