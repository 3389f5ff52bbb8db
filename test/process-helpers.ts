/** Real-process fixtures for the fault tests: a server whose output is captured, and a private redis-server. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../bench/harness.js';
import { PROJECT_ROOT } from '../src/config.js';
import { waitFor } from './helpers.js';

/** A server process and everything it printed. */
export interface ServerProc {
  readonly proc: ChildProcess;
  /** Pid of the node server itself (differs from proc.pid when a shell wraps it). */
  readonly pid: number;
  readonly base: string;
  readonly out: string[];
  readonly err: string[];
}

const SERVER = path.join(PROJECT_ROOT, 'dist/src/server.js');

/**
 * Starts `node dist/src/server.js` on a free port, through `bash -c` when `shell` is given
 * (`$SERVER` names the server script; the script must print `server-pid <pid>` when node is not
 * the shell's own pid), and resolves once it listens (not waiting for /healthz).
 */
export async function startServer(env: Record<string, string>, children: ChildProcess[], shell?: string): Promise<ServerProc> {
  const fullEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', SERVER, ...env };
  const proc = shell
    ? spawn('bash', ['-c', shell], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, [SERVER], { env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  const out: string[] = [];
  const err: string[] = [];
  let buf = '';
  proc.stderr!.on('data', (d: Buffer) => err.push(...d.toString().split('\n').filter(Boolean)));
  const { base, pid } = await new Promise<{ base: string; pid: number }>((resolve, reject) => {
    let pid = proc.pid!;
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop()!;
      out.push(...lines);
      const p = /server-pid (\d+)/.exec(lines.join('\n'));
      if (p) pid = Number(p[1]);
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(lines.join('\n'));
      if (m) resolve({ base: m[1], pid });
    });
    proc.once('exit', (code) => reject(new Error(`server exited with ${code}: ${err.slice(-5).join('\n')}`)));
  });
  return { proc, pid, base, out, err };
}

/** Resolves once GET `path` answers `status`. */
export async function waitStatus(base: string, route: string, status: number, ms = 30_000): Promise<Response> {
  return waitFor(async () => {
    const r = await fetch(`${base}${route}`).catch(() => null);
    return r && r.status === status ? r : null;
  }, ms, `${route} ${status}`);
}

/** A redis-server of this test's own (it may be stopped, killed and restarted on the same port). */
export class PrivateRedis {
  proc: ChildProcess | null = null;
  constructor(readonly port: number) {}

  /** A redis-server on a free port, not started yet. */
  static async create(): Promise<PrivateRedis> {
    return new PrivateRedis(await freePort());
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (no persistence: a restart comes back empty) and waits for PONG. */
  async start(): Promise<void> {
    this.proc = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await waitFor(async () => {
      const r = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      r.on('error', () => {});
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        r.disconnect();
      }
    }, 10_000, 'redis-server');
  }

  /** Sends a signal (SIGSTOP, SIGCONT, SIGKILL); after SIGKILL waits for the exit. */
  async signal(sig: NodeJS.Signals): Promise<void> {
    const p = this.proc!;
    if (sig === 'SIGKILL') {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill(sig);
      await exited;
      this.proc = null;
    } else {
      p.kill(sig);
    }
  }

  /** Kills it if running. */
  stop(): void {
    if (this.proc && this.proc.exitCode === null) {
      this.proc.kill('SIGCONT');
      this.proc.kill('SIGKILL');
    }
  }
}

/** Lines of output that look like a stack trace or an unhandled-error dump. */
export function stackTraceLines(lines: readonly string[]): string[] {
  // Raw dumps on stderr, and stacks pino writes inside a JSON line ("stack":"Error: …\n    at …").
  return lines.filter((l) => /^\s+at .+\(.*:\d+:\d+\)|^\s+at \S+:\d+:\d+|"stack":"|\\n\s+at |Unhandled error event|UnhandledPromiseRejection/.test(l));
}
