import { BenchItem } from './bench-model.js';
import { BenchShapeItem } from './shapes-model.js';

/**
 * The models file bench:nodes gives `serve --models`, as a user's models file exports them. The CLI runs
 * the build in dist/ and loads this file through tsx; the models are plain data (only `create`, which
 * inserts use, is code from src/), so a request runs the built gateway alone.
 */
export const models = [BenchItem, BenchShapeItem];
