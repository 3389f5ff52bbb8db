/**
 * Shared benchmark plumbing: free ports, starting and stopping a server process, reading its
 * RSS, and the request generators of the scenarios.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config.js';

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** A started server process. */
export interface Server { proc: ChildProcess; base: string; startToFirstRenderMs: number }

/** Starts `script` on a free port; resolves once `firstPath` answered 200 (start-to-first-render timed). */
export async function startServer(script: string, firstPath: string, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Server> {
  const port = await freePort();
  const t0 = performance.now();
  const proc = spawn(process.execPath, [...nodeArgs, path.join(PROJECT_ROOT, script)], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${script} exited with ${proc.exitCode}`);
    try {
      const res = await fetch(base + firstPath);
      if (res.ok) {
        await res.arrayBuffer();
        break;
      }
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { proc, base, startToFirstRenderMs: Math.round(performance.now() - t0) };
}

/** SIGTERM, then SIGKILL after 5 s. */
export async function stopServer(s: Server): Promise<void> {
  const done = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill('SIGTERM');
  await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
  if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
}

/** CPU time (user + system, every thread) a process has used so far, in ms (Linux /proc; 0 elsewhere). */
export function cpuTimeMs(pid: number | undefined): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // after the command name, which may hold ') '
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return 0;
  }
}

/** Resident memory of a process in MB (Linux /proc). */
export function rssMb(pid: number | undefined): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
}

let counter = 0;
export const enc = encodeURIComponent;
/** A unique two-line OG title and subtitle. */
export const ogText = (): string => `Shipping typed, tested, observable services, part ${++counter}\nA subtitle about rendering ${counter * 7} cards`;
const cjkText = () => `双十一限时特惠第${++counter}场\n全场商品五折起，新品首发\n限时抢购不要错过\n` +
  '本次活动覆盖全国所有门店与线上商城，会员用户可叠加使用优惠券。活动期间每日上午十点准时上新，数量有限，售完即止。' +
  '详细规则请以门店公告为准，如有疑问请咨询在线客服，我们将竭诚为您服务。';

/** A unique blog post title for the og-blog template. */
export const blogTitle = (): string => `Shipping typed, tested, observable services: what we learned from rendering ${++counter} cards`;

/** Our server's og card (1200x630 PNG, Inter 700 72px, left aligned) with `text`; solid or gradient background. */
export const ogPath = (text: string, gradient = false): string =>
  `/render.png?text=${enc(text)}&w=1200&h=630&bg=${gradient ? '0f172a,7c3aed&angle=135' : '0f172a'}&color=f8fafc&weight=700&size=72&lineHeight=1.2&align=left&padding=72`;

/** The same card from a peer server (bench/peer/*-server.ts): `GET /og.png?text=…&gradient=0|1`. */
export const peerOgPath = (text: string, gradient = false): string => `/og.png?gradient=${gradient ? 1 : 0}&text=${enc(text)}`;

/** Query strings of the scenarios (our server). */
export const SCENARIOS = {
  og: () => ogPath(ogText()),
  ogGradient: () => ogPath(ogText(), true),
  badge: () => `/render.png?text=${enc(`build passing #${++counter}`)}&w=400&h=100&bg=16a34a&color=ffffff&weight=700&size=40&padding=16`,
  posterCjk: () => `/render.jpg?text=${enc(cjkText())}&w=1080&h=1350&bg=b91c1c&color=fde68a&weight=700&size=64&align=left&padding=80&lineHeight=1.5`,
  hot: () => '/render.png?text=Hello%20%E4%B8%96%E7%95%8C%20%F0%9F%91%8B&w=1200&h=630',
};


/**
 * Samples the RSS of processes every `intervalMs` for as long as it runs, so peaks between row
 * ends are seen too. `peak(pid, from, to)` is the largest sample in a time window (ms, performance.now()).
 */
export class RssSampler {
  private readonly samples = new Map<number, { t: number; mb: number }[]>();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 250) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** Starts sampling `pid` (now and on every tick). */
  watch(pid: number | undefined): void {
    if (pid === undefined || this.samples.has(pid)) return;
    this.samples.set(pid, []);
    this.sample();
  }

  /** Samples every watched process now. */
  sample(): void {
    const t = performance.now();
    for (const [pid, list] of this.samples) {
      const mb = rssMb(pid);
      if (mb > 0) list.push({ t, mb });
    }
  }

  /** The largest RSS sampled for `pid` between `from` and `to` (whole run by default); 0 if none. */
  peak(pid: number | undefined, from = 0, to = Infinity): number {
    let max = 0;
    for (const s of this.samples.get(pid ?? -1) ?? []) if (s.t >= from && s.t <= to && s.mb > max) max = s.mb;
    return max;
  }

  /** Number of samples taken of `pid`. */
  count(pid: number | undefined): number {
    return this.samples.get(pid ?? -1)?.length ?? 0;
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
}
