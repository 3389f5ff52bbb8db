/**
 * One process per data folder: `<dir>/.lock` names its holder (pid, the kernel's start time of
 * that pid, host, a random token) and is touched every few seconds while held.
 *
 * A lock is taken over when its holder is gone: no such process, a process that was killed and is
 * waiting to be reaped (zombie), a pid now used by another process (its start time differs from the
 * one recorded, or, for a lock without one, it is not a node process), our own pid under another
 * token (a container restarted with the same pid), or — for a holder on another host, whose
 * process we cannot see — a lock not touched for `staleMs`. A live holder is waited for with
 * backoff for up to `waitMs` (a process killed with SIGKILL can stay visible for a moment while the
 * kernel tears it down), then acquire() throws `DataDirLockedError`.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** What the lock file records about its holder. */
export interface LockHolder {
  readonly pid: number;
  /** Start time of `pid` (clock ticks since boot, /proc/<pid>/stat field 22); null where /proc is missing. */
  readonly start: string | null;
  readonly host: string;
  readonly token: string;
}

/** The folder is held by another live process. */
export class DataDirLockedError extends Error {
  constructor(readonly dir: string, readonly holder: LockHolder) {
    super(`DATA_DIR ${dir} is in use by process ${holder.pid}${holder.host !== os.hostname() ? ` on ${holder.host}` : ''}; give each instance its own DATA_DIR (or use REDIS_URL to share jobs)`);
    this.name = 'DataDirLockedError';
  }
}

/** State letter and start time of a process from /proc, or null when it does not exist or /proc is missing. */
export function procStat(pid: number): { state: string; start: string } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields 3.. (comm may hold spaces)
    return { state: fields[0], start: fields[19] };
  } catch {
    return null;
  }
}

/** True when a process with this pid exists (zombies included). */
function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why the recorded holder no longer holds the lock, or null when it is (or may be) alive. */
export function holderGone(holder: LockHolder, lockAgeMs: number, staleMs: number, token: string | null = null): string | null {
  if (holder.host !== os.hostname()) return lockAgeMs > staleMs ? `not touched for ${Math.round(lockAgeMs / 1000)} s by ${holder.host}` : null;
  if (holder.pid === process.pid) return holder.token === token ? null : 'left by an earlier process with our pid';
  if (holder.pid < 0) return 'unreadable lock file';
  if (holder.pid === 0 || !pidExists(holder.pid)) return 'process gone';
  const stat = procStat(holder.pid);
  if (!stat) return fs.existsSync('/proc/self/stat') ? 'process gone' : lockAgeMs > staleMs ? 'not touched' : null;
  if (stat.state === 'Z' || stat.state === 'X') return 'process killed (not yet reaped)';
  if (holder.start !== null && holder.start !== stat.start) return 'pid reused by another process';
  if (holder.start === null) {
    const cmd = fs.readFileSync(`/proc/${holder.pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    if (!/node/.test(path.basename(cmd))) return 'pid reused by another program';
  }
  return null;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The lock on a data folder. */
export class DataDirLock {
  private readonly file: string;
  private token: string | null = null;
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(readonly dir: string, private readonly opts: { waitMs?: number; staleMs?: number; touchMs?: number } = {}) {
    this.file = path.join(dir, '.lock');
  }

  /** Takes the lock, waiting (with backoff) up to `waitMs` for a live holder; throws DataDirLockedError after that. */
  async acquire(onWait?: (holder: LockHolder) => void): Promise<{ tookOver: string | null }> {
    const waitMs = this.opts.waitMs ?? 10_000;
    const t0 = Date.now();
    let delay = 50;
    for (;;) {
      const r = this.tryAcquire();
      if ('tookOver' in r) return r;
      if (Date.now() - t0 >= waitMs) throw new DataDirLockedError(this.dir, r.holder);
      onWait?.(r.holder);
      await sleep(Math.min(delay, waitMs - (Date.now() - t0)));
      delay = Math.min(delay * 2, 1000);
    }
  }

  /** One attempt: the lock taken (and whose, if taken over), or the live holder. */
  tryAcquire(): { tookOver: string | null } | { holder: LockHolder } {
    const start = procStat(process.pid)?.start ?? null;
    const token = randomBytes(8).toString('hex');
    const mine: LockHolder = { pid: process.pid, start, host: os.hostname(), token };
    let tookOver: string | null = null;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        fs.writeFileSync(this.file, JSON.stringify(mine), { flag: 'wx' });
        this.token = token;
        this.startHeartbeat();
        return { tookOver };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      let raw: string;
      let age: number;
      try {
        raw = fs.readFileSync(this.file, 'utf8');
        age = Date.now() - fs.statSync(this.file).mtimeMs;
      } catch {
        continue; // released meanwhile
      }
      const holder = parseHolder(raw);
      if (holder.pid < 0 && age < 2000) return { holder }; // being written by a process taking it right now
      const why = holderGone(holder, age, this.opts.staleMs ?? 60_000, this.token);
      if (!why) return { holder };
      // Remove it only if it is still the file we judged (another process may have just taken over).
      try {
        if (fs.readFileSync(this.file, 'utf8') === raw) fs.rmSync(this.file, { force: true });
      } catch {
        // gone already
      }
      tookOver = `process ${holder.pid}: ${why}`;
    }
    return { holder: parseHolder(safeRead(this.file)) };
  }

  /** Releases the lock if this process still holds it. */
  release(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    try {
      if (this.token && parseHolder(fs.readFileSync(this.file, 'utf8')).token === this.token) fs.rmSync(this.file, { force: true });
    } catch {
      // not ours or already gone
    }
    this.token = null;
  }

  private startHeartbeat(): void {
    const touchMs = this.opts.touchMs ?? 10_000;
    this.heartbeat = setInterval(() => {
      const t = new Date();
      fs.utimes(this.file, t, t, () => {}); // a full disk does not stop this; a missing file is left missing
    }, touchMs);
    this.heartbeat.unref();
  }
}

function safeRead(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The holder recorded in a lock file (older lock files hold only a pid). */
function parseHolder(raw: string): LockHolder {
  try {
    const j = JSON.parse(raw) as Partial<LockHolder> | number;
    if (typeof j === 'number') return { pid: j, start: null, host: os.hostname(), token: '' };
    return { pid: Number(j.pid), start: j.start ?? null, host: j.host ?? os.hostname(), token: j.token ?? '' };
  } catch {
    return { pid: -1, start: null, host: os.hostname(), token: '' }; // empty or torn
  }
}
