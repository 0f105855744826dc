import type { AgentConfig, NodeId } from "../config/types.js";
import { NODE_IDS } from "../config/types.js";
import type { InspectItem, InspectReport } from "../core/desired.js";
import { describeDifference } from "../core/desired.js";
import type { FailoverReport } from "../core/executor.js";
import type { ApiCallRecord } from "../core/provider.js";
import { bold, dim, green, ms, pad, red, yellow } from "./output.js";

/** One line of the timeline: when, which call, on what, how long, and its result. */
export function renderCall(call: ApiCallRecord, origin: number): string {
  const at = `+${String(Math.max(0, Math.round(call.startedAt - origin))).padStart(5)} ms`;
  const result = call.ok ? green("ok") : red(call.errorCode ?? "failed");
  const retries = call.attempts > 1 ? yellow(` (${call.attempts} attempts)`) : "";
  // A permission check before the trigger (DryRun or no-op) changes nothing: say so.
  const action = call.check ? `${call.action} (check)` : call.action;
  return `  ${dim(at)}  ${pad(call.service, 4)} ${pad(action, 34)} ${pad(shortTarget(call.target), 48)} ${pad(ms(call.ms), 8)} ${result}${retries}`;
}

/** A batched read names many resources: show the first and how many more. */
function shortTarget(target: string): string {
  const parts = target.split(",");
  return parts.length > 2 ? `${parts[0]} +${parts.length - 1} more` : target;
}

function itemLabel(item: InspectItem): string {
  switch (item.kind) {
    case "secondaryIp":
      return item.id;
    case "elasticIp":
      return `EIP ${item.id}${item.current?.privateIp ? `→${item.current.privateIp}` : ""}`;
    case "route":
      return `route ${item.id}`;
    case "subnetRouteTable":
      return `subnet ${item.id}${item.current?.routeTableId ? `→${item.current.routeTableId}` : ""}`;
  }
}

/** Where the pair stands: per node, per role, what points to it now. */
export function renderPicture(config: AgentConfig, report: InspectReport): string[] {
  const lines: string[] = [];
  const holder = report.activeNode;
  lines.push(`  pair "${config.label}": ${holder === "mixed" ? red("MIXED (split between the nodes)") : holder === "none" ? red("held by neither node") : green(`node ${holder} is active`)}`);
  const byNode = (node: NodeId | null) => report.items.filter((i) => i.node === node);
  for (const node of NODE_IDS) {
    const items = byNode(node);
    const star = holder === node ? green("★") : " ";
    lines.push(`  ${star} ${bold(`node ${node}`)} ${dim(config.nodes[node].instanceId)}${items.length === 0 ? dim("  (holds nothing)") : ""}`);
    const roles = [...new Set(items.map((i) => i.role))];
    for (const role of roles) {
      const held = items.filter((i) => i.role === role).map(itemLabel);
      lines.push(`      ${pad(role, 10)} ${held.join(", ")}`);
    }
  }
  const stray = byNode(null);
  if (stray.length > 0) {
    lines.push(`    ${red("on neither node")}`);
    for (const item of stray) {
      const where = item.current ? (item.current.networkInterfaceId ?? item.current.target ?? "?") : item.kind === "route" ? "route missing" : "unassigned";
      lines.push(`      ${pad(item.role, 10)} ${itemLabel(item)} ${dim(`(${where})`)}`);
    }
  }
  return lines;
}

/** The outcome of a failover in a few lines. */
export function renderFailoverSummary(report: FailoverReport): string[] {
  const lines: string[] = [];
  const calls = Object.entries(report.apiCallsByAction).map(([action, n]) => `${action}×${n}`).join(", ");
  if (report.converged) {
    lines.push(green(`converged: node ${report.activeNode} is active (generation ${report.generation}) — trigger→converged ${ms(report.durationMs)}, ${report.criticalPathRoundTrips} sequential round trips, total ${ms(report.totalMs)}`));
  } else {
    lines.push(red(`${report.outcome}: ${report.error?.message ?? "failover did not converge"}`));
    if (report.error?.fix) lines.push(`  fix: ${report.error.fix}`);
    for (const d of report.differences) lines.push(`  still differs: ${describeDifference(d)}`);
  }
  lines.push(dim(`  ${report.apiCalls} API calls (${report.attempts} HTTP attempts): ${calls}`));
  return lines;
}
