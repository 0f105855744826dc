import { describe, expect, it } from "vitest";
import { validateConfig } from "../runtime/config/validate.js";
import { differences, inspectPair } from "../runtime/core/desired.js";
import type { ObservedState } from "../runtime/core/observed.js";
import { planOperations } from "../runtime/core/operations.js";
import { planFailover } from "../runtime/core/planner.js";
import { sampleConfig } from "./helpers/sample-config.js";

const config = sampleConfig();

/** Everything placed where node `node` wants it. */
function observedOn(node: "a" | "b"): ObservedState {
  const eni = (role: string) => config.nodes[node].interfaces[role]!.id;
  return {
    privateIps: { "10.0.1.10": eni("external"), "10.0.1.11": eni("external"), "10.0.2.10": eni("internal") },
    elasticIps: {
      "eipalloc-0eeeeeeeeeeeeeee1": { networkInterfaceId: eni("external"), privateIp: node === "a" ? "10.0.1.4" : "10.0.1.5" },
      "eipalloc-0eeeeeeeeeeeeeee2": { networkInterfaceId: eni("external"), privateIp: "10.0.1.10" },
    },
    routes: {
      "rtb-0ccccccccccccccc1 0.0.0.0/0": { networkInterfaceId: eni("internal"), target: eni("internal"), state: "active" },
      "rtb-0ccccccccccccccc1 pl-0123456789abcdef0": { networkInterfaceId: eni("internal"), target: eni("internal"), state: "active" },
      "rtb-0ccccccccccccccc2 10.100.0.0/16": { networkInterfaceId: eni("internal"), target: eni("internal"), state: "active" },
    },
  };
}

describe("planFailover", () => {
  it("the sample config is valid", () => {
    expect(validateConfig(config)).toMatchObject({ ok: true });
  });

  it("makes one AssignPrivateIpAddresses per destination interface carrying all of its IPs", () => {
    const assigns = planOperations(planFailover(config, "b")).filter((op) => op.action === "AssignPrivateIpAddresses");
    expect(assigns).toEqual([
      expect.objectContaining({ networkInterfaceId: "eni-0bbbbbbbbbbbbbb01", privateIps: ["10.0.1.10", "10.0.1.11"], node: "b" }),
      expect.objectContaining({ networkInterfaceId: "eni-0bbbbbbbbbbbbbb02", privateIps: ["10.0.2.10"], node: "b" }),
    ]);
  });

  it("merges groups of the same role into one call", () => {
    const merged = sampleConfig({
      addresses: { secondaryIps: [{ role: "external", ips: ["10.0.1.10"] }, { role: "external", ips: ["10.0.1.12"] }] },
    });
    const assigns = planOperations(planFailover(merged, "a"));
    expect(assigns).toHaveLength(1 + 3);
    expect(assigns[0]).toMatchObject({ networkInterfaceId: "eni-0aaaaaaaaaaaaaa01", privateIps: ["10.0.1.10", "10.0.1.12"] });
  });

  it("associates each EIP with the activated node's own private IP, explicitly", () => {
    const ops = planOperations(planFailover(config, "b")).filter((op) => op.action === "AssociateAddress");
    expect(ops).toContainEqual(expect.objectContaining({ allocationId: "eipalloc-0eeeeeeeeeeeeeee1", networkInterfaceId: "eni-0bbbbbbbbbbbbbb01", privateIp: "10.0.1.5" }));
  });

  it("makes one ReplaceRoute per route, pointing at the activated node's next-hop interface", () => {
    const routes = planOperations(planFailover(config, "a")).filter((op) => op.action === "ReplaceRoute");
    expect(routes.map((r) => r.target)).toEqual([
      "rtb-0ccccccccccccccc1 0.0.0.0/0",
      "rtb-0ccccccccccccccc1 pl-0123456789abcdef0",
      "rtb-0ccccccccccccccc2 10.100.0.0/16",
    ]);
    expect(routes[1]).toMatchObject({ destination: { kind: "prefixList", prefixListId: "pl-0123456789abcdef0" }, networkInterfaceId: "eni-0aaaaaaaaaaaaaa02" });
  });

  it("puts everything in one wave; an EIP on a moving IP follows it, so its AssociateAddress is only a follow-up", () => {
    const plan = planFailover(config, "b");
    expect(plan.waves).toHaveLength(1);
    expect(plan.followUps).toEqual([expect.objectContaining({ action: "AssociateAddress", allocationId: "eipalloc-0eeeeeeeeeeeeeee2" })]);
    expect(plan.waves[0]!.some((op) => op.action === "AssociateAddress" && op.allocationId === "eipalloc-0eeeeeeeeeeeeeee2")).toBe(false);
    expect(planOperations(plan)).toHaveLength(2 + 2 + 3);
  });

  it("is one wave when no EIP follows a moving IP", () => {
    const plan = planFailover(sampleConfig({ addresses: { secondaryIps: config.addresses!.secondaryIps!, elasticIps: [config.addresses!.elasticIps![0]!] } }), "b");
    expect(plan.waves).toHaveLength(1);
  });

  it("is pure: the same input gives the same plan and the config is not changed", () => {
    const before = JSON.stringify(config);
    expect(planFailover(config, "b")).toEqual(planFailover(config, "b"));
    expect(JSON.stringify(config)).toBe(before);
  });

  it("plans nothing when the observation already shows every item on the node", () => {
    expect(planFailover(config, "b", observedOn("b")).waves).toEqual([]);
  });

  it("plans only what differs from the observation", () => {
    const observed = observedOn("b");
    observed.privateIps["10.0.1.11"] = "eni-0aaaaaaaaaaaaaa01";
    observed.routes["rtb-0ccccccccccccccc2 10.100.0.0/16"] = null;
    const ops = planOperations(planFailover(config, "b", observed));
    expect(ops).toEqual([
      expect.objectContaining({ action: "AssignPrivateIpAddresses", privateIps: ["10.0.1.11"] }),
      expect.objectContaining({ action: "ReplaceRoute", target: "rtb-0ccccccccccccccc2 10.100.0.0/16" }),
    ]);
  });

  it("plans for a pair with only routes", () => {
    const routesOnly = sampleConfig({ addresses: undefined });
    expect(planOperations(planFailover(routesOnly, "a")).every((op) => op.action === "ReplaceRoute")).toBe(true);
  });
});

describe("differences and inspect", () => {
  it("finds nothing to do when every item is on the active node", () => {
    expect(differences(config, "a", observedOn("a"))).toEqual([]);
  });

  it("names each item that still points elsewhere", () => {
    const diffs = differences(config, "b", observedOn("a"));
    expect(diffs.map((d) => `${d.kind} ${d.id}`)).toEqual([
      "secondaryIp 10.0.1.10",
      "secondaryIp 10.0.1.11",
      "secondaryIp 10.0.2.10",
      "elasticIp eipalloc-0eeeeeeeeeeeeeee1",
      "elasticIp eipalloc-0eeeeeeeeeeeeeee2",
      "route rtb-0ccccccccccccccc1 0.0.0.0/0",
      "route rtb-0ccccccccccccccc1 pl-0123456789abcdef0",
      "route rtb-0ccccccccccccccc2 10.100.0.0/16",
    ]);
  });

  it("an EIP on the right interface but the wrong private IP differs", () => {
    const observed = observedOn("b");
    observed.elasticIps["eipalloc-0eeeeeeeeeeeeeee1"] = { networkInterfaceId: "eni-0bbbbbbbbbbbbbb01", privateIp: "10.0.1.99" };
    expect(differences(config, "b", observed)).toHaveLength(1);
  });

  it("reports which node holds the pair: a, b, mixed or none", () => {
    expect(inspectPair(config, observedOn("a")).activeNode).toBe("a");
    expect(inspectPair(config, observedOn("b")).activeNode).toBe("b");
    const mixed = observedOn("b");
    mixed.routes["rtb-0ccccccccccccccc2 10.100.0.0/16"] = { networkInterfaceId: "eni-0aaaaaaaaaaaaaa02", target: "eni-0aaaaaaaaaaaaaa02", state: "active" };
    const report = inspectPair(config, mixed);
    expect(report.activeNode).toBe("mixed");
    expect(report.items.find((i) => i.id === "rtb-0ccccccccccccccc2 10.100.0.0/16")?.node).toBe("a");
    const nowhere: ObservedState = { privateIps: {}, elasticIps: {}, routes: {} };
    expect(inspectPair(config, nowhere).activeNode).toBe("none");
  });
});
