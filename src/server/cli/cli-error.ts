/** What went wrong for the operator, as the CLI prints it: one line, then a hint saying what to do. */
export class CliError extends Error {
  override name = 'CliError';

  constructor(
    message: string,
    /** What to change or run next: printed on its own line after the message. */
    readonly hint?: string,
    /** 2 for a command called wrongly, 1 for a command that failed. */
    readonly exitCode = 1,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The command was called wrongly (an unknown flag, a bad value, a missing --models): exit code 2, like other CLIs. */
export class UsageError extends CliError {
  override name = 'UsageError';

  constructor(message: string, hint?: string) {
    super(message, hint, 2);
  }
}
