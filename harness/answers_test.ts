// Recorded answers: hand-written lines read back, and each kind written as it is read.
import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { answerLine, parseAnswerLine } from "./answers.ts";

const comm = Uint8Array.of(0x61, 0x62, 0x63, ...new Array(13).fill(0));

Deno.test("answers: a hand-written restart line reads as its outcome and is written back the same", () => {
  const line = '{"impl":"c","rid":"restart/x86_64/head/magic@seed","status":"answer",' +
    '"kind":"restart","ret":-22,"consumed":8,"counter":0,"comm":"61626300000000000000000000000000"}';
  const r = parseAnswerLine(line);
  deepStrictEqual(r, {
    impl: "c",
    rid: "restart/x86_64/head/magic@seed",
    outcome: {
      status: "answer",
      answer: { kind: "restart", ret: -22, consumed: 8, counter: 0, comm },
    },
  });
  strictEqual(answerLine(r), line);
});

Deno.test("answers: a checkpoint answer, a failure and a fill's `via` round-trip", () => {
  const ckpt = {
    impl: "seed-c-i386",
    rid: "checkpoint/i386/plain",
    via: "SEED_C_FILL=pattern",
    outcome: {
      status: "answer" as const,
      answer: { kind: "checkpoint" as const, ret: 1, counter: 1, image: Uint8Array.of(1, 0, 0xe0) },
    },
  };
  strictEqual(
    answerLine(ckpt),
    '{"impl":"seed-c-i386","rid":"checkpoint/i386/plain","via":"SEED_C_FILL=pattern",' +
      '"status":"answer","kind":"checkpoint","ret":1,"counter":1,"image":"0100e0"}',
  );
  deepStrictEqual(parseAnswerLine(answerLine(ckpt)), ckpt);
  const crash = {
    impl: "x",
    rid: "r@seed",
    outcome: { status: "crash" as const, detail: "signal 11" },
  };
  deepStrictEqual(parseAnswerLine(answerLine(crash)), crash);
});

Deno.test("answers: a line that is not a record says what is wrong", () => {
  throws(() => parseAnswerLine('{"rid":"r"}'), /an answer record: no impl or rid/);
  throws(
    () => parseAnswerLine('{"impl":"c","rid":"r","status":"answer","kind":"restart","ret":1.5}'),
    /ret is not an integer/,
  );
  throws(
    () =>
      parseAnswerLine(
        '{"impl":"c","rid":"r","status":"answer","kind":"restart","ret":0,"consumed":0,"counter":0,"comm":"zz"}',
      ),
    /comm is not hex/,
  );
  throws(
    () => parseAnswerLine('{"impl":"c","rid":"r","status":"answer","kind":"hello"}'),
    /kind "hello"/,
  );
});
