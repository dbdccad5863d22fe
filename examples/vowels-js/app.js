// The vowel-counter plugin in JavaScript: counts vowels and keeps a running total in the
// host's store. The twin of ../vowels/app.py, for the same world (../vowels/wit).

import * as kv from "example:vowels/kv@0.1.0";

const VOWELS = "aeiouAEIOU";

export function countVowels(input) {
  let count = 0;
  for (const c of input) {
    if (VOWELS.includes(c)) count += 1;
  }
  const total = Number(kv.get("total") ?? "0") + count;
  kv.set("total", String(total));
  return { count, total, vowels: VOWELS };
}
