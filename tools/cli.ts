// The full `ha-pair` command of the package (dist/ha-pair.cjs): the agent's commands plus the
// developer tools that need the simulated cloud (`sim`, `demo`).
import { AGENT_COMMANDS, runCli } from "../runtime/cli/main.js";
import { demoCommand } from "./demo.js";
import { simCommand } from "./sim-command.js";

runCli(process.argv.slice(2), [...AGENT_COMMANDS, simCommand, demoCommand]).then((code) => {
  process.exitCode = code;
});
