import { holderOf, pairItems } from "../../core/desired.js";
import { destinationText, type Operation } from "../../core/operations.js";
import { planFailover } from "../../core/planner.js";
import { openContext, requireConfigFlag, resolveActivate } from "../context.js";
import { EXIT_OK } from "../errors.js";
import { dim, green, pad, yellow } from "../output.js";
import { CONFIG_FLAGS, stringFlag, type Command } from "./types.js";
import { deadlineSignal } from "../../core/deadline.js";

function describeOperation(op: Operation): string {
  switch (op.action) {
    case "AssignPrivateIpAddresses":
      return `${op.privateIps.join(", ")} → ${op.networkInterfaceId} (AllowReassignment)`;
    case "AssociateAddress":
      return `${op.allocationId} → ${op.networkInterfaceId} ${op.privateIp} (AllowReassociation)`;
    case "ReplaceRoute":
      return `${op.routeTableId} ${destinationText(op.destination)} → ${op.networkInterfaceId}`;
    case "UpdateRouteTable":
      return `${op.routeTableId}: ${op.routes.map((r) => `${r.addressPrefix} → ${r.nextHopIpAddress}`).join(", ")} (one PUT, If-Match)`;
    case "MoveIpConfigurations":
      return `${op.ipConfigurations.map((c) => `${c.name} ${c.privateIp}${c.publicIpAddressId ? ` + ${c.publicIpAddressId.split("/").pop()}` : ""}`).join(", ")}: ${op.fromNetworkInterfaceId} → ${op.toNetworkInterfaceId} (giving NIC first, If-Match)`;
  }
}

export const planCommand: Command = {
  name: "plan",
  summary: "dry run: the operations a failover would send, and which are already in place; changes nothing",
  usage: "ha-pair plan --config FILE [--activate a|b] [--json]",
  options: { ...CONFIG_FLAGS, activate: { type: "string" } },
  async run({ values, out }) {
    const context = openContext(requireConfigFlag(stringFlag(values, "config")));
    const { node } = await resolveActivate(context, stringFlag(values, "activate"));
    const plan = planFailover(context.config, node);
    // One read wave tells which operations would change something; failover sends them all anyway (idempotent).
    const observed = await context.provider.observe(deadlineSignal(30_000));
    const pending = new Set(planFailover(context.config, node, observed).waves.flat().map((op) => `${op.action} ${op.target}`));
    const items = pairItems(context.config);
    const waves = plan.waves.map((wave) =>
      wave.map((op) => ({ ...op, changes: pending.has(`${op.action} ${op.target}`) })),
    );
    if (out.json) {
      out.document({ activate: node, waves, alreadyOnNode: items.filter((i) => holderOf(i, observed) === node).length, items: items.length });
      return EXIT_OK;
    }
    out.line(`plan: activate node ${node} of pair "${context.config.label}" — ${plan.waves.flat().length} operations in ${plan.waves.length} wave(s), nothing is changed now`);
    waves.forEach((wave, index) => {
      out.line(`  wave ${index + 1} (parallel)`);
      for (const op of wave) {
        out.line(`    ${pad(op.action, 26)} ${describeOperation(op)}  ${op.changes ? yellow("would change") : green("already in place")}`);
      }
    });
    out.line(dim(`  ${pending.size} of ${plan.waves.flat().length} operations would change something`));
    return EXIT_OK;
  },
};
