// Restores package-lock.json entries for platform-specific optional dependencies (today:
// rollup's native binaries, pulled in by vitest → vite) that the registry this project is
// built against does not serve. npm leaves them out of the lock when it cannot fetch their
// manifests, and then `npm ci` refuses the lock as out of sync with package.json. An entry
// restricted to its os/cpu (and libc) is never fetched on any other platform, so the entries
// need no download address. Run after `npm install` changes the lock:
//   node scripts/lockfile-platform-entries.mjs
import { readFileSync, writeFileSync } from "node:fs";

const file = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(file, "utf8"));
const packages = lock.packages;
const PLATFORM = /^@[^/]+\/[a-z]+-(android|darwin|freebsd|linux|openbsd|openharmony|win32)-(arm64|arm|x64|ia32|loong64|ppc64|riscv64|s390x)(?:-(gnu|gnueabihf|musl|musleabihf|msvc|eabi))?$/;

let added = 0;
for (const entry of Object.values(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const match = PLATFORM.exec(name);
    // Platform binaries are hoisted to the top-level node_modules.
    const hoisted = `node_modules/${name}`;
    if (!match || packages[hoisted]) continue;
    const [, os, cpu, abi] = match;
    packages[hoisted] = {
      version,
      cpu: [cpu],
      ...(entry.license ? { license: entry.license } : {}),
      optional: true,
      os: [os],
      ...(os === "linux" ? { libc: [abi?.startsWith("musl") ? "musl" : "glibc"] } : {}),
    };
    added += 1;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} platform entr${added === 1 ? "y" : "ies"} added`);
