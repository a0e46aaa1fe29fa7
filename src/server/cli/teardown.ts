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
