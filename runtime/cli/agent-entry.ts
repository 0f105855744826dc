// The agent's own command (dist/ha-pair-agent.cjs): runtime only — no simulator, no demo —
// so what ships to nodes is small and starts fast.
import { runCli } from "./main.js";

runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
