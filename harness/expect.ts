/**
 * Known failures: a list of result ids (wildcards allowed) with reasons,
 * optionally scoped to an implementation. A listed case that fails is
 * `xfail`; one that passes is `xpass` and fails the run. Staleness is judged
 * only against the runs this invocation selected (a shard, a filter, an
 * `--abi` run only part of the suite): an entry that matches selected runs
 * but none of them fails is stale, and so is one that matches no case of
 * the suite at all (a typo, a removed case); an entry whose cases all lie
 * outside the selection is left alone. `--update-expect` rewrites the list
 * from the current failures and keeps the entries it could not judge.
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
  /** Why it is stale (what it matched). */
  readonly why?: string;
}

/** The entries of a list that apply to an implementation: its section and the unscoped ones. */
export function entriesFor(impl: string, list: readonly Expectation[]): Expectation[] {
  return list.filter((e) => e.impl === undefined || e.impl === impl);
}

/** The first of an implementation's entries (see {@link entriesFor}) that matches a result id. */
export function expectationFor(
  rid: string,
  mine: readonly Expectation[],
): Expectation | undefined {
  for (const e of mine) if (matches(e.pattern, rid)) return e;
  return undefined;
}

/**
 * Applies one matching entry to a result in place: a failure becomes
 * `xfail`, a pass `xpass`; other statuses (skipped, …) are left as they are.
 * Returns true when the entry accounted for a failure.
 */
export function applyExpectation(r: CaseResult, e: Expectation): boolean {
  if (isFailure(r.status)) {
    r.detail = `${r.detail ? `${r.detail}; ` : ""}expected failure: ${e.reason || e.pattern}`;
    r.status = "xfail";
    return true;
  }
  if (r.status === "pass") {
    r.status = "xpass";
    r.detail = `listed as a known failure (line ${e.line}: ${e.pattern}) but passes: remove it`;
  }
  return false;
}

/**
 * The expectation list applied to one implementation's results as they
 * come, in run order: a listed failure becomes `xfail`, a listed pass
 * `xpass`. At the end, {@link ExpectationTally.stale} names the entries that
 * matched some of these results but no failure among them (or whose every
 * match an earlier entry took). An entry that matched none of them is not
 * judged here: its cases may lie in another shard or outside a filter (see
 * {@link unknownEntries}); nor is one that matches a run that was not done.
 */
export class ExpectationTally {
  readonly #impl: string;
  readonly #mine: readonly Expectation[];
  readonly #used = new Set<Expectation>();
  readonly #seen = new Map<Expectation, Set<string>>();
  /** For each entry not (yet) the first to match a result: the first result id it matches. */
  readonly #firstMatch = new Map<Expectation, string>();
  /** Entries that match a run that was not done. */
  readonly #matchesNotDone = new Set<Expectation>();

  /** The entries of `list` that apply to `impl`. */
  constructor(impl: string, list: readonly Expectation[]) {
    this.#impl = impl;
    this.#mine = entriesFor(impl, list);
  }

  /** The next result that was done (not `not-run`): its entry, if any, applied in place. */
  add(r: CaseResult): void {
    if (!this.#mine.length) return;
    // One pass: the first entry that matches is the result's; a later one that matches, not
    // yet seen, is noted as shadowed by it.
    let e: Expectation | undefined;
    for (const x of this.#mine) {
      if (e === undefined) {
        if (matches(x.pattern, r.rid)) e = x;
      } else if (!this.#seen.has(x) && !this.#firstMatch.has(x) && matches(x.pattern, r.rid)) {
        this.#firstMatch.set(x, r.rid);
      }
    }
    if (e) {
      const statuses = this.#seen.get(e) ?? new Set<string>();
      statuses.add(r.status);
      this.#seen.set(e, statuses);
      if (applyExpectation(r, e)) this.#used.add(e);
    }
  }

  /** A run that was not done (the run stopped first): an entry that matches it is not judged. */
  notDone(rid: string): void {
    for (const x of this.#mine) {
      if (!this.#matchesNotDone.has(x) && matches(x.pattern, rid)) this.#matchesNotDone.add(x);
    }
  }

  /** The stale entries, by line. */
  stale(): Stale[] {
    const impl = this.#impl;
    const out: Stale[] = [];
    for (const [entry, statuses] of this.#seen) {
      if (this.#used.has(entry)) continue;
      const why = statuses.size === 1 && statuses.has("skipped")
        ? "matches only cases of cells its hello does not declare"
        : "matches no failing case in this selection";
      out.push({ entry, impl, why });
    }
    for (const entry of this.#mine) {
      if (this.#seen.has(entry)) continue;
      const rid = this.#firstMatch.get(entry);
      if (rid === undefined) continue;
      const first = expectationFor(rid, this.#mine)!;
      out.push({
        entry,
        impl,
        why: `every case it matches is matched first by line ${first.line}`,
      });
    }
    return out.filter((s) => !this.#matchesNotDone.has(s.entry))
      .sort((a, b) => a.entry.line - b.entry.line);
  }
}

/**
 * Applies the expectations to one implementation's results in place (see
 * {@link ExpectationTally}; `not-run` results are left out) and returns the
 * stale entries.
 */
export function applyExpectations(
  impl: string,
  results: CaseResult[],
  list: readonly Expectation[],
): Stale[] {
  const t = new ExpectationTally(impl, list);
  // A run that was never done (the run stopped early) says nothing about an entry.
  for (const r of results) if ((r.status as string) !== "not-run") t.add(r);
  return t.stale();
}

/**
 * The entries of an implementation that match none of `selected` (the
 * result ids it ran) and no id of `universe` (every result id of the suite,
 * before any shard, filter or ABI choice): they name nothing, so they are
 * stale wherever the list is used.
 */
export function unknownEntries(
  impl: string,
  list: readonly Expectation[],
  selected: Iterable<string>,
  universe: () => Iterable<string>,
): Stale[] {
  let left = entriesFor(impl, list);
  for (const rid of selected) {
    if (!left.length) return [];
    left = left.filter((e) => !matches(e.pattern, rid));
  }
  if (!left.length) return [];
  for (const rid of universe()) {
    left = left.filter((e) => !matches(e.pattern, rid));
    if (!left.length) return [];
  }
  return left.map((entry) => ({
    entry,
    impl,
    why: "matches no case of the suite (a typo, or a case that was removed)",
  }));
}

/**
 * Rewrites an expectation list from current failures: entries that still
 * match only failures keep their pattern and reason; failures not covered
 * are added by id; stale entries are dropped. `others` holds, per
 * implementation, every other result id it ran (passing, skipped); an entry
 * that matches no id this run saw is kept as it is (its cases lie in another
 * shard or outside the filter), unless it is in `drop` (it names nothing).
 */
export function updatedExpectations(
  list: readonly Expectation[],
  failures: ReadonlyMap<string, readonly string[]>,
  others: ReadonlyMap<string, ReadonlySet<string>>,
  drop: ReadonlySet<Expectation> = new Set(),
): string {
  const lines = [
    "# crconform known failures: `deno task conform --expect FILE --update-expect` rewrites this file.",
  ];
  for (const [impl, rids] of [...failures].sort(([a], [b]) => a.localeCompare(b))) {
    const rest = [...(others.get(impl) ?? [])];
    // An entry that matches a passing or skipped case goes (its failures are re-added by id);
    // one that matches only failures, or nothing this run saw, stays.
    const kept = entriesFor(impl, list).filter((e) =>
      !drop.has(e) && !rest.some((r) => matches(e.pattern, r))
    );
    const section = kept.map((e) => `${e.pattern}${e.reason ? `  # ${e.reason}` : ""}`);
    for (const r of rids) {
      if (!kept.some((e) => matches(e.pattern, r))) section.push(`${r}  # TODO: reason`);
    }
    if (section.length) lines.push(`[${impl}]`, ...section);
  }
  return lines.join("\n") + "\n";
}
