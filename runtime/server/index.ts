export { startAgentDaemon, type AgentDaemon, type AgentDaemonOptions } from "./daemon.js";
export { agentSettings, LOOPBACK, type AgentSettings } from "./settings.js";
export { AgentStartError, BearerToken } from "./token.js";
