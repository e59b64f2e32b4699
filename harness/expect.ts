/**
 * Known failures: a list of result ids (wildcards allowed) with reasons,
 * optionally scoped to an implementation. A listed case that fails is
 * `xfail`; one that passes is `xpass` and fails the run, and an entry that
 * matches no failing case is stale and fails the run too, so the list cannot
 * go stale. `--update-expect` rewrites the list from the current failures.
 *
 * File format:
 *
 * ```
 * # comment
 * restart/*\/truncate/*@seed   # reason, applies to every implementation
 * [my-impl]
 * checkpoint/i386/*            # reason, applies to my-impl only
 * ```
 *
 * A pattern without `@` matches a restart case under both profiles.
 *
 * @module
 */
import { CrconformError } from "../reference/errors.ts";
import type { CaseResult } from "./compare.ts";

/** One expectation line. */
export interface Expectation {
  /** The implementation it is scoped to, or undefined for all. */
  readonly impl?: string;
  /** The pattern as written. */
  readonly pattern: string;
  /** The reason given after `#`. */
  readonly reason: string;
  /** Line number in the file. */
  readonly line: number;
}

/** A malformed expectation file. */
export class ExpectError extends CrconformError {
  /** The error\'s class name. */
  override readonly name: string = "ExpectError";
}

/** Parses an expectation file. */
export function parseExpectations(text: string): Expectation[] {
  const out: Expectation[] = [];
  let impl: string | undefined;
  text.split("\n").forEach((raw, i) => {
    const hash = raw.indexOf("#");
    const body = (hash < 0 ? raw : raw.slice(0, hash)).trim();
    const reason = hash < 0 ? "" : raw.slice(hash + 1).trim();
    if (!body) return;
    const section = /^\[([^\]\s]+)\]$/.exec(body);
    if (section) {
      impl = section[1];
      return;
    }
    if (/\s/.test(body)) {
      throw new ExpectError(`line ${i + 1}: expected one pattern, found ${JSON.stringify(body)}`);
    }
    out.push({ impl, pattern: body, reason, line: i + 1 });
  });
  return out;
}

const regexCache = new Map<string, RegExp>();

/** True when a pattern (`*` any run, `?` one character) matches a result id. */
export function matches(pattern: string, rid: string): boolean {
  let re = regexCache.get(pattern);
  if (!re) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(
      /\?/g,
      ".",
    );
    re = new RegExp(pattern.includes("@") ? `^${body}$` : `^${body}(@[a-z]+)?$`);
    regexCache.set(pattern, re);
  }
  return re.test(rid);
}

const FAILING = new Set(["fail", "unsupported", "error", "crash", "timeout", "protocol"]);

/** True when a status is a failure (before expectations). */
export function isFailure(status: string): boolean {
  return FAILING.has(status);
}

/** A stale entry: it matched no failing case of that implementation. */
export interface Stale {
  /** The entry. */
  readonly entry: Expectation;
  /** The implementation it was checked against. */
  readonly impl: string;
}

/**
 * Applies the expectations to one implementation's results in place:
 * failures listed become `xfail`, passes listed become `xpass`. Returns the
 * entries that matched no failure.
 */
export function applyExpectations(
  impl: string,
  results: CaseResult[],
  list: readonly Expectation[],
): Stale[] {
  const mine = list.filter((e) => e.impl === undefined || e.impl === impl);
  const used = new Set<Expectation>();
  for (const r of results) {
    const e = mine.find((x) => matches(x.pattern, r.rid));
    if (!e) continue;
    if (isFailure(r.status)) {
      used.add(e);
      r.detail = `${r.detail ? `${r.detail}; ` : ""}expected failure: ${e.reason || e.pattern}`;
      r.status = "xfail";
    } else if (r.status === "pass") {
      r.status = "xpass";
      r.detail = `listed as a known failure (line ${e.line}: ${e.pattern}) but passes: remove it`;
    }
  }
  return mine.filter((e) => !used.has(e)).map((entry) => ({ entry, impl }));
}

/**
 * Rewrites an expectation list from current failures: entries that still
 * match only failures keep their pattern and reason; failures not covered
 * are added by id; stale entries are dropped.
 */
export function updatedExpectations(
  list: readonly Expectation[],
  failures: ReadonlyMap<string, readonly string[]>,
  passes: ReadonlyMap<string, ReadonlySet<string>>,
): string {
  const lines = [
    "# crconform known failures: `deno task conform --expect FILE --update-expect` rewrites this file.",
  ];
  for (const [impl, rids] of [...failures].sort(([a], [b]) => a.localeCompare(b))) {
    if (!rids.length) continue;
    lines.push(`[${impl}]`);
    const kept = list.filter((e) =>
      (e.impl === undefined || e.impl === impl) && rids.some((r) => matches(e.pattern, r)) &&
      ![...(passes.get(impl) ?? [])].some((r) => matches(e.pattern, r))
    );
    for (const e of kept) lines.push(`${e.pattern}${e.reason ? `  # ${e.reason}` : ""}`);
    for (const r of rids) {
      if (!kept.some((e) => matches(e.pattern, r))) lines.push(`${r}  # TODO: reason`);
    }
  }
  return lines.join("\n") + "\n";
}
