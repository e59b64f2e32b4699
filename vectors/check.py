#!/usr/bin/env python3
"""Checks an implementation against crconform test vectors (Python 3 stdlib only).

    python3 vectors/check.py [--filter GLOB]... [--max N] VECTORS.json... -- CMD [ARG]...

Starts CMD once as a persistent testee (protocol/PROTOCOL.md: frames of a
4-byte little-endian length and `key value` lines), says hello, sends every
vector's request (a restart vector once per profile in its expectations)
and compares every defined value of the answer with the expectation:
restart ret and consumed when not null, counter, and comm byte by byte
where not `??`; checkpoint ret, counter and image. A vector for an ABI,
profile or feature (`requires`) the testee's hello does not list, or
answered `unsupported`, is skipped. Prints one line per failing run
(`FAIL id@profile: …`) and a summary; exits 0 when nothing failed, 1 when something did or
nothing was compared, 2 on a usage, file or protocol error.

What the gate does that this does not: fuzzing, shrinking, timeouts per
case, containment of the testee's processes, expectation lists, reports.
"""

import fnmatch
import json
import struct
import subprocess
import sys

MAX_FRAME = 1 << 20


class ProtocolError(Exception):
    """The testee broke the protocol (or exited)."""


class Testee:
    """A persistent testee process speaking the framed protocol."""

    def __init__(self, argv):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def request(self, lines):
        payload = "".join("%s %s\n" % (k, v) for k, v in lines).encode("ascii")
        try:
            self.proc.stdin.write(struct.pack("<I", len(payload)) + payload)
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise ProtocolError("the testee closed its input")
        head = self.proc.stdout.read(4)
        if len(head) < 4:
            raise ProtocolError("the testee exited or closed its output")
        (n,) = struct.unpack("<I", head)
        if n > MAX_FRAME:
            raise ProtocolError("a frame of %d bytes (at most %d)" % (n, MAX_FRAME))
        body = self.proc.stdout.read(n)
        if len(body) < n:
            raise ProtocolError("the testee's frame ended after %d of %d bytes" % (len(body), n))
        answer = {}
        for line in body.decode("ascii", "replace").split("\n"):
            if not line:
                continue
            key, _, value = line.partition(" ")
            answer[key] = value
        return answer

    def close(self):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def as_int(answer, key):
    if key not in answer:
        raise ProtocolError("the answer has no %s" % key)
    try:
        return int(answer[key])
    except ValueError:
        raise ProtocolError("%s %r is not an integer" % (key, answer[key]))


def as_hex(answer, key):
    if key not in answer:
        raise ProtocolError("the answer has no %s" % key)
    value = answer[key].lower()
    try:
        bytes.fromhex(value)
    except ValueError:
        raise ProtocolError("%s is not hex" % key)
    return value


def compare_restart(exp, answer):
    """The differences between a restart answer and an expectation, as strings."""
    diffs = []
    ret = as_int(answer, "ret")
    consumed = as_int(answer, "consumed")
    counter = as_int(answer, "counter")
    comm = as_hex(answer, "comm")
    if exp["ret"] is not None and ret != exp["ret"]:
        diffs.append("ret: expected %d got %d" % (exp["ret"], ret))
    if exp["consumed"] is not None and consumed != exp["consumed"]:
        diffs.append("consumed: expected %d got %d" % (exp["consumed"], consumed))
    if counter != exp["counter"]:
        diffs.append("counter: expected %d got %d" % (exp["counter"], counter))
    want = exp["comm"]
    if len(comm) != len(want):
        diffs.append("comm: expected %s got %s" % (want, comm))
    else:
        bad = [i // 2 for i in range(0, len(want), 2) if want[i:i + 2] != "??" and want[i:i + 2] != comm[i:i + 2]]
        if bad:
            diffs.append("comm[%d..%d]: expected %s got %s" % (bad[0], bad[-1], want, comm))
    return diffs


def compare_checkpoint(exp, answer):
    """The differences between a checkpoint answer and an expectation, as strings."""
    diffs = []
    ret = as_int(answer, "ret")
    counter = as_int(answer, "counter")
    image = as_hex(answer, "image")
    if ret != exp["ret"]:
        diffs.append("ret: expected %d got %d" % (exp["ret"], ret))
    if counter != exp["counter"]:
        diffs.append("counter: expected %d got %d" % (exp["counter"], counter))
    if image != exp["image"]:
        want = exp["image"]
        at = next((i // 2 for i in range(0, min(len(want), len(image)), 2) if want[i:i + 2] != image[i:i + 2]), min(len(want), len(image)) // 2)
        diffs.append("image: %d bytes expected, %d got, first difference at byte %d" % (len(want) // 2, len(image) // 2, at))
    return diffs


def runs_of(files, filters):
    """Every (result id, operation, input, profile, expectation, features needed) of the vector files, in order."""
    for path in files:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        if doc.get("schema") != "crconform-vectors" or doc.get("schemaVersion") != 1:
            raise ValueError("%s: not a crconform vector file of schemaVersion 1" % path)
        op = doc["operation"]
        for group in doc["testGroups"]:
            for test in group["tests"]:
                if op == "checkpoint":
                    items = [(test["id"], None, test["expected"])]
                else:
                    items = [("%s@%s" % (test["id"], p), p, e) for p, e in test["expected"].items()]
                for rid, profile, exp in items:
                    if filters and not any(fnmatch.fnmatchcase(rid, g) for g in filters):
                        continue
                    yield rid, op, test["input"], profile, exp, test.get("requires", [])


def main(argv):
    if "--" not in argv:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    cut = argv.index("--")
    opts, cmd = argv[:cut], argv[cut + 1:]
    filters, files, limit = [], [], None
    i = 0
    while i < len(opts):
        if opts[i] == "--filter" and i + 1 < len(opts):
            filters.append(opts[i + 1])
            i += 2
        elif opts[i] == "--max" and i + 1 < len(opts) and opts[i + 1].isdigit():
            limit = int(opts[i + 1])
            i += 2
        elif opts[i].startswith("--"):
            print("unknown option %s" % opts[i], file=sys.stderr)
            return 2
        else:
            files.append(opts[i])
            i += 1
    if not files or not cmd:
        print("give vector files, then -- and the testee's command", file=sys.stderr)
        return 2
    try:
        runs = list(runs_of(files, filters))
    except (OSError, ValueError, KeyError) as e:
        print("reading the vectors: %s" % e, file=sys.stderr)
        return 2
    if limit is not None:
        runs = runs[:limit]
    testee = Testee(cmd)
    counts = {"pass": 0, "fail": 0, "skipped": 0}
    try:
        hello = testee.request([("op", "hello"), ("protocol", "1")])
        if hello.get("protocol") != "1":
            raise ProtocolError("the testee speaks protocol %r, not 1" % hello.get("protocol"))
        abis = hello.get("abis", "").split()
        profiles = hello.get("profiles", "").split()
        features = hello.get("features", "").split()
        for n, (rid, op, inp, profile, exp, requires) in enumerate(runs, 1):
            if inp["abi"] not in abis or (profile and profile not in profiles) or any(
                f not in features for f in requires
            ):
                counts["skipped"] += 1
                continue
            lines = [("op", op), ("id", n)]
            if profile:
                lines.append(("profile", profile))
            lines.extend(inp.items())
            answer = testee.request(lines)
            if answer.get("id") != str(n):
                raise ProtocolError("%s: the answer's id is %r, not %d" % (rid, answer.get("id"), n))
            if "unsupported" in answer:
                counts["skipped"] += 1
                continue
            if "error" in answer:
                diffs = ["error: %s" % answer["error"]]
            else:
                diffs = compare_restart(exp, answer) if op == "restart" else compare_checkpoint(exp, answer)
            if diffs:
                counts["fail"] += 1
                print("FAIL %s: %s" % (rid, "; ".join(diffs)))
            else:
                counts["pass"] += 1
    except ProtocolError as e:
        print("protocol error: %s" % e, file=sys.stderr)
        testee.close()
        return 2
    testee.close()
    print("%d passed, %d failed, %d skipped of %d runs" % (counts["pass"], counts["fail"], counts["skipped"], len(runs)))
    if not counts["pass"] and not counts["fail"]:
        # Fail closed: every run skipped (ABI, profile or feature not declared, or unsupported).
        print("nothing was compared: no vector ran against what the testee declares", file=sys.stderr)
        return 1
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
