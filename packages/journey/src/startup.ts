/**
 * Start-up troubleshooting: one line saying what is wrong and one saying the fix.
 */

/** The port a listen error is about, and which server wanted it. */
interface ListenError {
  code?: string;
  port?: number;
  address?: string;
}

/** Which variable moves each default port. */
const PORT_OWNERS: Record<number, string> = {
  8140: 'the identity API (IDENTITY_PORT)',
  8141: 'the sidecar (SIDECAR_PORT)',
  3506: 'the journey UI (PORT)',
};

/**
 * Explain a failure to start.
 *
 * @example
 * ```ts
 * describeStartupError(Object.assign(new Error('listen'), { code: 'EADDRINUSE', port: 3506 }));
 * // 'Port 3506 is already in use (…). Fix: stop the process using it, or …'
 * ```
 */
export function describeStartupError(err: unknown): string {
  const e = (err ?? {}) as ListenError & { message?: string; name?: string };
  if (e.code === 'EADDRINUSE' || e.name === 'PortInUseError') {
    const owner = e.port !== undefined ? PORT_OWNERS[e.port] : undefined;
    const fix =
      e.port === 8141
        ? 'stop the process using it, set SIDECAR_URL=http://127.0.0.1:8141 to use the sidecar already running there, or set SIDECAR_PORT to a free port.'
        : e.port === 8140
          ? 'stop the process using it (another `npm start`?), set SIDECAR_URL=http://127.0.0.1:8141 to use a stack already running, or set IDENTITY_PORT to a free port.'
          : 'stop the process using it, or set PORT to a free port.';
    return `Port ${e.port ?? '?'} is already in use${owner ? ` (wanted by ${owner})` : ''}.\nFix: ${fix}`;
  }
  if (e.code === 'EACCES') {
    return `Not allowed to listen on port ${e.port ?? '?'}.\nFix: use a port above 1023.`;
  }
  if (e.name === 'ConfigError') {
    return `${e.message ?? 'invalid configuration'}\nFix: correct the variables above in the environment or in .env.`;
  }
  if (e.code === 'SQLITE_CANTOPEN' || e.code === 'EROFS' || e.code === 'ENOENT') {
    return `Cannot open the SQLite database (${e.message ?? e.code}).\nFix: run from the repository root, or set SQLITE_PATH to a writable file.`;
  }
  return `Failed to start: ${e.message ?? String(err)}`;
}

/**
 * Check that something answers HTTP at the sidecar's address. Resolves to a warning with
 * its fix, or undefined when it answered (any status counts: only reachability is checked).
 */
export async function probeSidecar(sidecarUrl: string, timeoutMs = 3000): Promise<string | undefined> {
  try {
    await fetch(sidecarUrl, { method: 'GET', signal: AbortSignal.timeout(timeoutMs) });
    return undefined;
  } catch {
    return `Warning: cannot reach the sidecar at ${sidecarUrl}; every step will fail until it answers.\nFix: start the sidecar, or correct SIDECAR_URL, or unset SIDECAR_URL to run the local stack in this process.`;
  }
}
