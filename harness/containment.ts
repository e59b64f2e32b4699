/**
 * How testees are contained, probed once per process: in a new PID
 * namespace where the machine allows it (through `unshare --pid --fork
 * --kill-child`, with a user namespace when not root), else in their own
 * process group; and tied to the gate's life through a parent-death signal
 * where setpriv(1) can set one. Where a fallback is taken, one warning says
 * what can then outlive a run. And how a testee is made the leader of its
 * own process group: through setsid(1) where it runs, else by a detached
 * spawn (macOS, minimal containers; {@link spawnsThroughSetsid}).
 *
 * @module
 */

/**
 * How testees are contained: `namespace` (a PID namespace: when the testee
 * exits or is killed, the kernel kills everything it started) or `group`
 * (its own process group only).
 */
export type ContainmentKind = "namespace" | "group";

/** The containment in use: its kind, the command prefix, and why when it fell back. */
export interface Containment {
  /** Kind. */
  readonly kind: ContainmentKind;
  /** Words run before the testee's command (after `setsid`, where it is used). */
  readonly prefix: readonly string[];
  /** Why a PID namespace could not be used (group only). */
  readonly why?: string;
  /**
   * The testee dies with the gate, even one killed by SIGKILL (the prefix
   * starts with `setpriv --pdeathsig KILL`); false where setpriv(1) is
   * missing or refused (macOS, old util-linux).
   */
  readonly pdeathsig: boolean;
  /** Why the parent-death signal could not be set (when pdeathsig is false). */
  readonly pdeathsigWhy?: string;
}

/**
 * setpriv(1) sets PR_SET_PDEATHSIG, kept across exec, then execs unshare(1)
 * (whose --kill-child ties the namespace's init to unshare in turn) or the
 * testee. The signal fires when the thread that spawned it ends: Deno
 * spawns from its JavaScript thread, which lives as long as the gate.
 */
const PDEATHSIG = ["setpriv", "--pdeathsig", "KILL"];

const UNSHARE_PID = ["unshare", "--pid", "--fork", "--kill-child", "--"];
/** Not root: a user namespace too, the testee keeping its own uid (util-linux 2.38), or as root in it. */
const UNSHARE_USER_PID = ["--map-current-user", "--map-root-user"].map((map) => [
  "unshare",
  "--user",
  map,
  "--pid",
  "--fork",
  "--kill-child",
  "--",
]);
let probed: Containment | undefined;
let warned = false;
let setsidProbed: { ok: boolean; detail: string } | undefined;

/**
 * The switch that makes the setsid(1) probe say it is absent, so that tests
 * run the detached-spawn fallback on a host that has it.
 */
export const NO_SETSID_SWITCH = "CRCONFORM_PROBE_NO_SETSID";

function env(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no env permission: probe
  }
}

/** Runs `words` with `true` appended; the first line of its error when it fails. */
function tryRun(words: readonly string[]): string | undefined {
  try {
    const r = new Deno.Command(words[0]!, {
      args: [...words.slice(1), "true"],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).outputSync();
    if (r.success) return undefined;
    return new TextDecoder().decode(r.stderr).trim().split("\n")[0] || `exit ${r.code}`;
  } catch (e) {
    return e instanceof Deno.errors.NotFound ? `${words[0]}: not found` : (e as Error).message;
  }
}

/**
 * The best containment this machine allows, probed once: a PID namespace
 * as root, else with a user namespace, else the process group.
 * `CRCONFORM_CONTAIN=group` forces the process group.
 */
export function containment(): Containment {
  if (probed) return probed;
  const forced = env("CRCONFORM_CONTAIN");
  const pdWhy = tryRun(PDEATHSIG);
  const pd = pdWhy === undefined
    ? { pdeathsig: true, pd: PDEATHSIG }
    : { pdeathsig: false, pdeathsigWhy: pdWhy, pd: [] };
  const made = (kind: ContainmentKind, prefix: readonly string[], why?: string) => {
    const { pd: words, ...rest } = pd;
    return probed = { kind, prefix: [...words, ...prefix], ...(why ? { why } : {}), ...rest };
  };
  if (forced === "group") return made("group", [], "CRCONFORM_CONTAIN=group");
  let why = "";
  for (const prefix of [UNSHARE_PID, ...UNSHARE_USER_PID]) {
    const failed = tryRun(prefix);
    if (failed === undefined) return made("namespace", prefix);
    why ||= failed;
  }
  return made("group", [], why || "unshare failed");
}

/**
 * Whether testees start through setsid(1) (util-linux), probed once by
 * running `setsid true`; else why not. Without it (macOS, a minimal
 * container) `harness/child.ts` spawns them detached instead: the runtime
 * calls setsid() in the child, the same process group at the cost of a
 * fork of the gate per spawn (docs/PERFORMANCE.md). {@link NO_SETSID_SWITCH}
 * forces the fallback.
 */
export function spawnsThroughSetsid(): { readonly ok: boolean; readonly detail: string } {
  if (setsidProbed) return setsidProbed;
  const v = env(NO_SETSID_SWITCH);
  if (v !== undefined && v !== "" && v !== "0") {
    return setsidProbed = { ok: false, detail: `forced off by ${NO_SETSID_SWITCH}` };
  }
  const why = tryRun(["setsid"]);
  return setsidProbed = why === undefined
    ? { ok: true, detail: "setsid true ran" }
    : { ok: false, detail: why };
}

/**
 * The containment for a kind asked for (`group` is always possible); the
 * first call where a fallback was taken warns, once, on stderr.
 */
export function containmentFor(kind: ContainmentKind | undefined): Containment {
  const best = containment();
  if (kind === "group" && best.kind !== "group") {
    const { pdeathsig, pdeathsigWhy } = best;
    const prefix = pdeathsig ? PDEATHSIG : [];
    return { kind: "group", prefix, why: "asked for", pdeathsig, pdeathsigWhy };
  }
  if (!warned && (best.kind === "group" || !best.pdeathsig)) {
    warned = true;
    const notes = [
      best.kind === "group"
        ? `no PID namespace for testees here (${best.why}): they run in their own process group, and a descendant that calls setsid() can outlive the run`
        : "",
      best.pdeathsig
        ? ""
        : `no parent-death signal here (setpriv --pdeathsig: ${best.pdeathsigWhy}): a testee can outlive a gate killed with SIGKILL`,
    ];
    console.error(`crconform: ${notes.filter(Boolean).join("; ")}`);
  }
  return best;
}
