/**
 * Values made on demand and held weakly: a generated or fuzzed case's
 * content (its state, its image) is made when first read, kept while
 * something uses it, and made again, the same, if the garbage collector took
 * it. So a suite of any size keeps only its case ids and classes, not every
 * case's bytes.
 *
 * @module
 */

/** `make()`'s value, made when first asked for and again (equal) after the collector took it. */
export function remade<T extends object>(make: () => T): () => T {
  let ref: WeakRef<T> | undefined;
  return () => {
    let v = ref?.deref();
    if (v === undefined) ref = new WeakRef(v = make());
    return v;
  };
}
