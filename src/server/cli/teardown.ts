/**
 * What a command has started, to be undone in reverse order, on success and on every failure path
 * alike (AsyncDisposableStack is not in Node 20). A step that fails does not keep the others from running.
 */
export class Teardown {
  private readonly steps: Array<() => Promise<unknown>> = [];

  add(step: () => Promise<unknown>): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (let step = this.steps.pop(); step; step = this.steps.pop()) await step().catch(() => {});
  }
}

/**
 * Runs `body` with a Teardown that is run after it, whatever happens, and also on SIGINT or SIGTERM
 * (then the process exits 1): a signal must not leave running what the command started (a redis-server
 * on the data directory, open clients).
 */
export async function withTeardown(body: (teardown: Teardown) => Promise<void>): Promise<void> {
  const teardown = new Teardown();
  const onSignal = () => void teardown.run().finally(() => process.exit(1));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await body(teardown);
  } finally {
    await teardown.run();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
