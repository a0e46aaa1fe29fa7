import { GatewayError, type ErrorCode } from '../../src/index.js';

/** The GatewayError `action` throws or rejects with; fails the test when it gives anything else. */
export async function gatewayError(action: () => unknown): Promise<GatewayError> {
  let outcome: unknown;
  try {
    await action();
  } catch (error) {
    outcome = error;
  }
  if (!(outcome instanceof GatewayError)) throw new Error(`expected a GatewayError, got ${String(outcome)}`);
  return outcome;
}

/** The code of the GatewayError `action` throws or rejects with. */
export const codeOf = async (action: () => unknown): Promise<ErrorCode> => (await gatewayError(action)).code;
