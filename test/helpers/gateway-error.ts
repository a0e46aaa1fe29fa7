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

/** The code and message of what a synchronous definition (`defineModel`, `createRegistry`) throws. */
export function refusal(define: () => unknown): { code: ErrorCode; message: string } {
  try {
    define();
  } catch (error) {
    return { code: (error as GatewayError).code, message: (error as Error).message };
  }
  throw new Error('expected the definition to be refused');
}
