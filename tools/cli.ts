// The full `ha-pair` command of the package (dist/ha-pair.cjs): the agent's commands plus the
// operator and developer tools that do not ship to nodes (`discover`, and `sim`, `demo`, which need
// the simulated cloud).
import { discoverCommand } from "../runtime/cli/commands/discover.js";
import { AGENT_COMMANDS, runCli } from "../runtime/cli/main.js";
import { demoCommand } from "./demo.js";
import { simCommand } from "./sim-command.js";

runCli(process.argv.slice(2), [...AGENT_COMMANDS, discoverCommand, simCommand, demoCommand]).then((code) => {
  process.exitCode = code;
});
