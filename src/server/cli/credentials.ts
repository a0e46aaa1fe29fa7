import { readFile } from 'node:fs/promises';
import type { Scope } from '../../store/access.js';
import type { ApiKey, AuthOptions } from '../authenticate.js';
import { CliError, UsageError } from './cli-error.js';

export interface CredentialFlags {
  'write-token'?: string | undefined;
  'write-token-file'?: string | undefined;
  'api-keys-file'?: string | undefined;
  anonymous?: string | undefined;
}

async function readText(file: string, what: string, flag: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${what} ${file}: ${(error as Error).message}`, `Check the path given to ${flag}.`, 1, {
      cause: error,
    });
  }
}

/** The write token and API keys, from files or the environment so that they need not show in `ps`. */
export async function readCredentials(values: CredentialFlags): Promise<{ writeToken?: string; auth: AuthOptions }> {
  const tokenFile = values['write-token-file'] ?? process.env.GATEWAY_WRITE_TOKEN_FILE;
  const tokenFlag = values['write-token-file'] ? '--write-token-file' : '$GATEWAY_WRITE_TOKEN_FILE';
  const writeToken = tokenFile ? (await readText(tokenFile, 'the write token file', tokenFlag)).trim() : values['write-token'];
  if (tokenFile && !writeToken) throw new UsageError(`the write token file ${tokenFile} is empty.`, 'Put the token in it, on one line.');
  const keysFile = values['api-keys-file'] ?? process.env.GATEWAY_API_KEYS_FILE;
  let auth: AuthOptions = {};
  if (keysFile) {
    const keysFlag = values['api-keys-file'] ? '--api-keys-file' : '$GATEWAY_API_KEYS_FILE';
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readText(keysFile, 'the API keys file', keysFlag));
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(
        `the API keys file ${keysFile} is not JSON: ${(error as Error).message}`,
        'See redis-model-gateway serve --help for its shape.',
      );
    }
    auth = Array.isArray(parsed) ? { apiKeys: parsed as ApiKey[] } : (parsed as AuthOptions);
  }
  if (values.anonymous !== undefined) auth = { ...auth, anonymous: values.anonymous.split(',').filter(Boolean) as Scope[] };
  return { ...(writeToken ? { writeToken } : {}), auth };
}
