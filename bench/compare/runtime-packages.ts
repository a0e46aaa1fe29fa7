interface Lockfile {
  packages?: Record<string, { version?: string; resolved?: string; dev?: boolean }>;
}

/**
 * The packages a commit runs with (its lockfile's entries not marked `dev`) that the working tree's
 * lockfile installs at another version or not at all, as "path: ref version -> working version".
 * Empty when the working tree's node_modules can serve the commit as is: packages the working tree
 * added, and dev-only tools (test runner, formatter), do not change what the gateway runs.
 */
export function runtimeDifferences(refLockText: string, workingLockText: string): string[] {
  const ref = (JSON.parse(refLockText) as Lockfile).packages;
  const working = (JSON.parse(workingLockText) as Lockfile).packages ?? {};
  if (!ref) return ['the lockfile of the ref has no "packages" (lockfileVersion 1): cannot compare'];
  const differences: string[] = [];
  for (const [path, entry] of Object.entries(ref)) {
    // '' is the project itself, whose dependency list may grow without changing any installed package.
    if (path === '' || entry.dev) continue;
    const installed = working[path];
    if (installed?.version !== entry.version || installed?.resolved !== entry.resolved)
      differences.push(
        `${path}: ${entry.version ?? entry.resolved} -> ${installed ? (installed.version ?? installed.resolved) : 'absent'}`,
      );
  }
  return differences;
}
