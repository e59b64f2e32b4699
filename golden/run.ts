/**
 * Running the capture's external commands (setup, kernel and init builds)
 * so that they are never silent: stderr forwarded line by line as it
 * arrives, a heartbeat while they run, elapsed times, and a lock file so
 * that two processes sharing the kernel cache do not build the same thing
 * at once.
 *
 * @module
 */

const dec = new TextDecoder();

/** Runs a command to completion and returns its stdout; throws with the end of stderr on failure. */
export async function runCommand(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<string> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd: opts.cwd,
    env: opts.env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (exit ${out.code}):\n${dec.decode(out.stderr).slice(-4000)}`,
    );
  }
  return dec.decode(out.stdout);
}

/** `12.3 s`, `4m05s`: an elapsed time for progress lines. */
export function formatElapsed(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.floor(s - 60 * m)).padStart(2, "0")}s`;
}

/**
 * Runs a command, forwarding every stderr line to `log` as it arrives
 * (prefixed), calling `heartbeat` every `everyMs` while it runs, and
 * returning its stdout. Throws with the end of stderr on failure.
 */
export async function runStreaming(
  cmd: string,
  args: string[],
  opts: {
    log: (m: string) => void;
    prefix?: string;
    heartbeat?: () => Promise<string | undefined>;
    everyMs?: number;
  },
): Promise<string> {
  const child = new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).spawn();
  const prefix = opts.prefix ?? "";
  let tail = "";
  const pumpErr = (async () => {
    let buf = "";
    const td = new TextDecoder();
    for await (const chunk of child.stderr) {
      buf += td.decode(chunk, { stream: true });
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).replace(/\r/g, "");
        buf = buf.slice(nl + 1);
        tail = (tail + line + "\n").slice(-4000);
        if (line.trim()) opts.log(`${prefix}${line}`);
      }
    }
    if (buf.trim()) {
      tail = (tail + buf).slice(-4000);
      opts.log(`${prefix}${buf}`);
    }
  })();
  const pumpOut = new Response(child.stdout).text();
  let timer: ReturnType<typeof setInterval> | undefined;
  if (opts.heartbeat) {
    const beat = opts.heartbeat;
    timer = setInterval(() => {
      beat().then((m) => m && opts.log(`${prefix}${m}`), () => {});
    }, opts.everyMs ?? 30000);
  }
  try {
    const [status, out] = await Promise.all([child.status, pumpOut, pumpErr]);
    if (!status.success) {
      throw new Error(`${cmd} ${args.join(" ")} failed (exit ${status.code}):\n${tail}`);
    }
    return out;
  } finally {
    if (timer !== undefined) clearInterval(timer);
  }
}

function pidAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `fn` holding the lock file `path` (created exclusively, holding our
 * pid). Waits while another live process holds it; takes over a lock whose
 * process is gone. Keeps two captures sharing a cache from building the same
 * kernel at once.
 */
export async function withLock<T>(
  path: string,
  log: (m: string) => void,
  fn: () => Promise<T>,
): Promise<T> {
  let waited = 0;
  for (;;) {
    try {
      const f = await Deno.open(path, { write: true, createNew: true });
      await f.write(new TextEncoder().encode(`${Deno.pid}\n`));
      f.close();
      break;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      const holder = Number((await Deno.readTextFile(path).catch(() => "")).trim());
      if (!holder || !pidAlive(holder)) {
        await Deno.remove(path).catch(() => {});
        continue;
      }
      if (waited % 30000 === 0) {
        log(`waiting for process ${holder}, which is building ${path.replace(/\.lock$/, "")}`);
      }
      await new Promise((r) => setTimeout(r, 5000));
      waited += 5000;
    }
  }
  try {
    return await fn();
  } finally {
    await Deno.remove(path).catch(() => {});
  }
}
