import type { ModelInstance } from '../model/model-instance.js';
import { fieldRun, keysRead, totalOf, type Draw } from '../store/request-budget.js';
import type { LoadSlot, StoreSession } from '../store/store-session.js';
import type { RootStep } from './root-plan.js';
import { UNANSWERED } from './writer-source.js';

/**
 * Runs a plan for one request: the same budget draws and reads as graphql-js running the resolvers
 * (each root field draws `fieldRun`, then its read), all started in this tick in root-field order so
 * that they are one DataLoader batch, then the response text. Throws where graphql-js would answer
 * an error or where this path cannot tell; the caller hands the request over then.
 */
export async function runPlan(plan: readonly RootStep[], session: StoreSession, variables: Readonly<Record<string, unknown>>) {
  const asked = plan.map((step) => askedBy(step, variables));
  // Checked before anything is drawn: a request over its budget is refused by the general path, with
  // the error at the field where the budget runs out.
  const draws: Draw[] = [];
  for (const ask of asked) if (ask) draws.push(fieldRun, keysRead(typeof ask.keys === 'string' ? 1 : ask.keys.length));
  if (!session.budget.allows(totalOf(draws))) throw UNANSWERED;

  const reads: Array<Promise<ModelInstance | null | LoadSlot[]> | null> = [];
  for (const [index, step] of plan.entries()) {
    const ask = asked[index];
    if (step.kind === 'text' || !ask) reads.push(null);
    else {
      session.budget.draw(fieldRun);
      const { keys } = ask;
      reads.push(typeof keys === 'string' ? session.get(keys, step.readOptions) : session.loadMany(keys, step.readOptions));
    }
  }
  const results = await Promise.all(reads);

  let text = '{"data":{';
  for (const [index, step] of plan.entries()) {
    if (step.kind === 'text') text += step.text;
    else if (step.kind === 'node') text += step.prefix + instanceText(step, results[index] as ModelInstance | null);
    else text += step.prefix + listText(step, results[index] as LoadSlot[], asked[index]?.dropMissing ?? false);
  }
  return `${text}}}`;
}

interface Asked {
  keys: string | string[];
  dropMissing: boolean;
}

/** The keys a read step asks for, as its resolver turns its arguments into keys; null for a step that reads nothing. */
function askedBy(step: RootStep, variables: Readonly<Record<string, unknown>>): Asked | null {
  if (step.kind === 'text') return null;
  const args = step.arguments(variables);
  if (step.kind === 'node') return { keys: String(args[step.keyArgument]), dropMissing: false };
  return {
    keys: (args[step.keysArgument] as unknown[]).map(String),
    dropMissing: step.keysArgument === 'keys' && Boolean(args.skipMissing),
  };
}

function instanceText(step: Extract<RootStep, { kind: 'node' }>, instance: ModelInstance | null): string {
  if (instance !== null) return step.write(instance);
  if (step.missingIsNull) return 'null';
  throw UNANSWERED;
}

function listText(step: Extract<RootStep, { kind: 'nodes' }>, slots: readonly LoadSlot[], dropMissing: boolean): string {
  let text = '[';
  let first = true;
  for (const slot of slots) {
    if (slot instanceof Error) throw UNANSWERED;
    if (slot === null && dropMissing) continue;
    text += first ? '' : ',';
    first = false;
    if (slot !== null) text += step.write(slot);
    else if (step.missingIsNull) text += 'null';
    else throw UNANSWERED;
  }
  return `${text}]`;
}
