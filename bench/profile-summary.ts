/**
 * Summarises V8 .cpuprofile files (one per thread, as `node --cpu-prof` writes them) into the
 * functions with the most self time, so a benchmark gap can be explained from a profile.
 */
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

/** Top `limit` self-time entries of each profile in `dir`, as "12.3% name file:line". */
export function summarizeProfiles(dir: string, limit = 12): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
    const p = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Profile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const self = new Map<string, number>();
    let total = 0;
    p.samples.forEach((id, i) => {
      const f = byId.get(id)!.callFrame;
      const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
      const dt = p.timeDeltas[i] ?? 0;
      total += dt;
      self.set(key, (self.get(key) ?? 0) + dt);
    });
    out[file] = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([k, v]) => `${((v / total) * 100).toFixed(1)}% ${k}`);
  }
  return out;
}
