import type { Redis } from 'ioredis';

export interface SeenCommand {
  name: string;
  args: string[];
  /** On a cluster, the primary that received it (`host:port`). */
  node?: string;
  /** Run by a script inside Redis (MONITOR's source "lua"): part of that script's round trip. Seen only when asked for. */
  inScript?: true;
}

/** EVAL and EVALSHA are the same round trip: ioredis sends EVAL the first time a connection runs a script. */
export const isScriptCall = (command: SeenCommand) => command.name === 'evalsha' || command.name === 'eval';

/**
 * Records the commands Redis itself receives for one database, through MONITOR (as the ioredis test
 * suite does): the count is what reached the server, not what the client meant to send.
 * `stop()` waits for a marker command to come through, so every earlier command has been seen.
 * `from`: only commands from these client addresses (`host:port`, as CLIENT LIST's `addr`), for a server
 * that other test files talk to in the same database (a cluster node).
 * `insideScripts`: also the commands scripts run, marked `inScript` (whoever sent the script).
 */
export async function monitorCommands(
  client: Redis,
  db: number,
  { from, insideScripts = false }: { from?: readonly string[]; insideScripts?: boolean } = {},
): Promise<{ stop(): Promise<SeenCommand[]> }> {
  // Made here rather than by ioredis's monitor(), whose promise fails on an error while the connection
  // settles into monitoring, so that isEarlyLineUnheard can judge that error.
  const monitor = client.duplicate({ monitor: true, lazyConnect: false });
  // A MONITOR line still on its way when the connection closes reaches ioredis with no command waiting
  // for it, which it reports as an error event: harmless then, and fatal unheard. Before that, an error fails the count.
  let stopped = false;
  let failure: Error | undefined;
  let settling: ((error: Error) => void) | undefined;
  monitor.on('error', (error: Error) => {
    if (stopped || isOthersLineUnheard(error, from) || isEarlyLineUnheard(error, monitor.status)) return;
    failure ??= error;
    settling?.(error);
  });
  await new Promise<void>((resolve, reject) => {
    settling = (error) => (monitor.disconnect(), reject(error));
    monitor.once('monitoring', () => resolve());
  });
  settling = undefined;
  const seen: SeenCommand[] = [];
  const marker = `command-counter-${Math.random().toString(36).slice(2)}`;
  let markerSeen: () => void = () => {};
  const markerArrived = new Promise<void>((resolve) => (markerSeen = resolve));
  monitor.on('monitor', (_time: string, args: string[], source: string, database: string) => {
    // Commands a script runs show up with source "lua": they are part of the script's one round trip.
    if (Number(database) !== db) return;
    if (source === 'lua') {
      if (insideScripts) seen.push({ name: (args[0] ?? '').toLowerCase(), args: args.slice(1), inScript: true });
      return;
    }
    if (args[0]?.toLowerCase() === 'echo' && args[1] === marker) markerSeen();
    else if (from === undefined || from.includes(source)) seen.push({ name: (args[0] ?? '').toLowerCase(), args: args.slice(1) });
  });
  return {
    async stop() {
      await client.echo(marker);
      await markerArrived;
      stopped = true;
      monitor.disconnect();
      if (failure) throw failure;
      return seen;
    },
  };
}

export interface CountOptions {
  /** Also the commands scripts ran inside Redis, marked `inScript`. @default false */
  insideScripts?: boolean;
}

/** Runs `action` and returns what it returned with the commands one Redis received meanwhile on that database. */
export async function countCommands<T>(
  client: Redis,
  db: number,
  action: () => Promise<T>,
  options: CountOptions = {},
): Promise<{ result: T; commands: SeenCommand[] }> {
  const recorder = await monitorCommands(client, db, options);
  const result = await action();
  return { result, commands: await recorder.stop() };
}

/** `script <keys>` for a script call (EVAL or EVALSHA: one round trip either way), else the command and its arguments. */
export function describeCommand(command: SeenCommand): string {
  if (!isScriptCall(command)) return [command.name, ...command.args].join(' ');
  return ['script', ...command.args.slice(2, 2 + Number(command.args[1]))].join(' ');
}

/**
 * ioredis now and then takes a MONITOR line that arrives while it settles into monitoring (a new
 * connection's ready-check INFO, say) for a reply with no command waiting: a "Command queue state error"
 * naming the line. When the line came from a connection this count leaves out, nothing counted was
 * lost; any other error still fails the count.
 */
function isOthersLineUnheard(error: Error, from: readonly string[] | undefined): boolean {
  const line = /^Command queue state error\..*Last reply: \S+ \[\d+ (\S+)\]/.exec(error.message);
  return line !== null && from !== undefined && !from.includes(line[1] as string);
}

/**
 * The same error for a line that comes with MONITOR's own reply, before ioredis has switched the
 * connection to monitoring: that line is of a command Redis ran before monitorCommands returned, so
 * before any action it counts began.
 */
function isEarlyLineUnheard(error: Error, status: string): boolean {
  return status !== 'monitoring' && /^Command queue state error\..*Last reply: \S+ \[\d+ \S+\]/.test(error.message);
}
