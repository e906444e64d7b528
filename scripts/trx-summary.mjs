// Sums the TRX files that scripts/test collected into one line: "N passed, N failed[, N skipped]".
//
// Usage: node scripts/trx-summary.mjs <project> <results dir> <dotnet test exit code> [...]
// Prints one line per project on stderr and the summary line on stdout; exits 1 when anything
// failed. A project that left no TRX (its test host crashed or never started), or whose run failed
// although its TRX shows no failed test (e.g. a crash after the last result), counts as one failed
// test, so the summary line and the exit code never disagree.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const args = process.argv.slice(2);
if (args.length === 0 || args.length % 3 !== 0) {
  console.error("usage: trx-summary.mjs <project> <results dir> <exit code> [...]");
  process.exit(2);
}

const attr = (tag, name) => {
  const m = tag.match(new RegExp(`\\b${name}="(\\d+)"`));
  return m ? Number(m[1]) : 0;
};

let passed = 0, failed = 0, skipped = 0;
for (let i = 0; i < args.length; i += 3) {
  const [project, dir, exitCode] = [args[i], args[i + 1], Number(args[i + 2])];
  let files = [];
  try {
    files = readdirSync(dir).filter(f => f.endsWith(".trx")).map(f => join(dir, f));
  } catch {
    // no results directory at all: same as no TRX
  }
  let p = 0, f = 0, s = 0, counters = 0;
  for (const file of files) {
    const xml = readFileSync(file, "utf8");
    const tag = xml.match(/<Counters\b[^>]*>/)?.[0];
    if (!tag) continue;
    counters++;
    p += attr(tag, "passed");
    // error, timeout and aborted are failures as far as a build is concerned.
    f += attr(tag, "failed") + attr(tag, "error") + attr(tag, "timeout") + attr(tag, "aborted");
    // Skipped tests count in total but not in executed (the TRX logger leaves notExecuted at 0).
    s += Math.max(attr(tag, "notExecuted"), attr(tag, "total") - attr(tag, "executed"));
  }
  let note = "";
  if (counters === 0) {
    f += 1;
    note = ` (no test results: the test host crashed or did not start; exit code ${exitCode}; counted as 1 failure)`;
  } else if (exitCode !== 0 && f === 0) {
    f += 1;
    note = ` (dotnet test exited with ${exitCode} although no test failed; counted as 1 failure)`;
  }
  console.error(`${project}: ${p} passed, ${f} failed${s ? `, ${s} skipped` : ""}${note}`);
  passed += p; failed += f; skipped += s;
}

console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
