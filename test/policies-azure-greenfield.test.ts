/**
 * The azure-greenfield stack against the policy pack: stacks/azure-greenfield runs under Pulumi
 * mocks, the recorded resources are handed to every rule as the engine hands them, and no rule
 * reports anything (routes only, and with the ipConfig and public IP moving). One change per
 * Azure rule to the same resources is then caught, so "clean" cannot mean "saw nothing".
 */
import { describe, expect, it } from "vitest";
import { policies } from "../policies/policies.js";
import { fromRegisteredResources, runPolicies } from "../policies/testing/harness.js";
import { createAzureGreenfield } from "../stacks/azure-greenfield/program.js";
import { PulumiMockHarness, resolve, type RegisteredResource } from "./helpers/pulumi-mocks.js";

async function greenfield(ipConfigMove: boolean): Promise<RegisteredResource[]> {
  const harness = new PulumiMockHarness();
  const stack = await harness.run(() => createAzureGreenfield({ label: "gf", ...(ipConfigMove ? { ipConfigMove: true, movingPublicIp: true } : {}) }));
  await resolve(stack.pair.agentConfig);
  await resolve(stack.vms.b.id);
  await harness.settle();
  return harness.resources;
}

function mutate(records: RegisteredResource[], pick: (r: RegisteredResource) => boolean, change: (props: Record<string, any>) => Record<string, any>): RegisteredResource[] {
  const target = records.filter(pick);
  if (target.length !== 1) throw new Error(`expected one resource to change, found ${target.length}`);
  return records.map((r) => (r === target[0] ? { ...r, state: change(structuredClone(r.state)), inputs: change(structuredClone(r.inputs)) } : r));
}

describe("policy pack on the azure-greenfield stack", () => {
  for (const ipConfigMove of [false, true]) {
    it(`${ipConfigMove ? "with the ipConfig moving" : "routes only"}: every rule reports nothing`, async () => {
      const records = await greenfield(ipConfigMove);
      expect(records.filter((r) => r.type === "ha-pair:index:AzureHaPair")).toHaveLength(1);
      const result = await runPolicies(policies, fromRegisteredResources(records));
      expect(result.violations).toEqual([]);
    });
  }

  it("one change per Azure rule is caught", async () => {
    const records = await greenfield(false);
    const role = (r: RegisteredResource) => r.type === "azure-native:authorization:RoleDefinition";
    const cases: { policy: string; records: RegisteredResource[] }[] = [
      { policy: "azure-least-privilege", records: mutate(records, role, (p) => ({ ...p, permissions: [{ ...p.permissions[0], actions: [...p.permissions[0].actions, "Microsoft.Network/*"] }] })) },
      { policy: "azure-least-privilege", records: mutate(records, role, (p) => ({ ...p, permissions: [{ ...p.permissions[0], actions: p.permissions[0].actions.filter((a: string) => a !== "Microsoft.Network/routeTables/write") }] })) },
      {
        policy: "azure-least-privilege",
        records: mutate(records, (r) => r.type === "azure-native:authorization:RoleAssignment" && r.name.endsWith("-ra-id-state"), (p) => ({ ...p, scope: String(p.scope).replace(/\/blobServices\/default\/containers\/.*$/, "") })),
      },
      { policy: "state-storage", records: mutate(records, (r) => r.type === "azure-native:storage:StorageAccount", (p) => ({ ...p, allowSharedKeyAccess: true })) },
      { policy: "state-storage", records: mutate(records, (r) => r.type === "azure-native:storage:StorageAccount", (p) => ({ ...p, minimumTlsVersion: "TLS1_0" })) },
      { policy: "state-storage", records: mutate(records, (r) => r.type === "azure-native:storage:BlobServiceProperties", (p) => ({ ...p, isVersioningEnabled: false, deleteRetentionPolicy: { enabled: false } })) },
      { policy: "routing-nics", records: mutate(records, (r) => r.type === "azure-native:network:NetworkInterface" && r.name.endsWith("-b-internal"), (p) => ({ ...p, enableIPForwarding: false })) },
    ];
    for (const c of cases) {
      const result = await runPolicies(policies, fromRegisteredResources(c.records));
      expect(result.violations.map((v) => v.policy), c.policy).toEqual([c.policy]);
    }
  });
});
