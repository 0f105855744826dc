/**
 * The simulated Azure, started and stopped from code: the ARM network API on one 127.0.0.1
 * port, an Azure IMDS per VM on ports of their own, and the real Azurite for the state blob.
 * The unmodified Azure SDKs talk to it.
 */
import { randomUUID } from "node:crypto";
import { BlobServiceClient, StorageSharedKeyCredential } from "@azure/storage-blob";
import type { AzureAgentConfig, NodeId } from "../../runtime/config/types.js";
import { buildAzureAgentConfig } from "./agent-config.js";
import { ARM_WRITE_BUCKET, startArmServer, type ArmCallRecord, type WriteBucketConfig } from "./arm-server.js";
import { AZURITE_ACCOUNT, startAzurite, type Azurite } from "./azurite.js";
import { AzureFaults, type AzureFaultConfig } from "./faults.js";
import { TokenRegistry } from "./identities.js";
import { startAzureImds, type AzureImdsServer } from "./imds.js";
import { RoleAssignments, type RoleDefinition } from "./rbac.js";
import { resourceGroupId, storageAccountResource, topologyResources, vmId } from "./resources.js";
import { exampleAzureTopology, type AzureTopology } from "./topology.js";
import { AzureWorld, type LroDurations } from "./world.js";

export type { AzureFaultConfig } from "./faults.js";
export type { ArmCallRecord } from "./arm-server.js";
export type { AzureTopology } from "./topology.js";
export type { RoleDefinition } from "./rbac.js";
export { exampleAzureTopology } from "./topology.js";

/** Azure's published orders of magnitude: a route table update takes seconds, a NIC update a minute or more. */
export const REALISTIC_LRO: LroDurations = { routeTableMs: 4_000, networkInterfaceMs: 60_000 };

/** The emulator's published account key (Azurite's, the same in every install: it guards nothing). */
const AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** What the example gives each VM's identity: the network actions on the pair's resource group. */
/** (Plus reading the storage account: an operator's shell speaks as node a, and `discover azure` lists it.) */
export const SIM_DEFAULT_ROLE: RoleDefinition = { name: "Network Contributor", actions: ["Microsoft.Network/*", "Microsoft.Authorization/*/read", "Microsoft.Storage/storageAccounts/read"] };

export interface AzureSimOptions {
  topology?: AzureTopology;
  /** LRO durations; default REALISTIC_LRO scaled by lroScale. */
  lro?: LroDurations;
  /** Multiplies the LRO durations (0.01 for fast tests). Default 1. */
  lroScale?: number;
  faults?: AzureFaultConfig;
  /** ARM's write bucket per principal; false turns it off. Default 200, refilled 10/s. */
  writeBucket?: WriteBucketConfig | false;
  port?: number;
  /** Start Azurite for the state blob (default true). */
  blob?: boolean;
  /** Items per page of ARM list answers (default 100). */
  listPageSize?: number;
  /** The agent's poll interval written into agentConfig() (timeouts.pollIntervalMs). */
  agentTimeouts?: AzureAgentConfig["timeouts"];
}

export interface AzureSim {
  readonly arm: string;
  readonly imds: Record<NodeId, string>;
  readonly blobEndpoint: string;
  readonly topology: AzureTopology;
  readonly world: AzureWorld;
  readonly faults: AzureFaults;
  readonly calls: ArmCallRecord[];
  /** The managed identity (principal ID) of each node's VM. */
  readonly principals: Record<NodeId, string>;
  /** The client ID of each node's managed identity (AZURE_CLIENT_ID picks it, as for a user-assigned identity). */
  readonly clientIds: Record<NodeId, string>;
  /** Set a hook called after each ARM answer (null removes it). */
  onAnswered(hook: ((call: ArmCallRecord) => void) | null): void;
  /** Replace the role assigned to a node's identity on the pair's resource group. */
  setRole(node: NodeId, role: RoleDefinition): void;
  /** Replace every role assignment of a node's identity (each at its own scope: a resource, a group). */
  setAssignments(node: NodeId, assignments: { scope: string; role: RoleDefinition }[]): void;
  agentConfig(): AzureAgentConfig;
  stop(): Promise<void>;
}

export async function startAzureSim(options: AzureSimOptions = {}): Promise<AzureSim> {
  const topology = options.topology ?? exampleAzureTopology();
  const scale = options.lroScale ?? 1;
  const base = options.lro ?? REALISTIC_LRO;
  const world = new AzureWorld({ routeTableMs: base.routeTableMs * scale, networkInterfaceMs: base.networkInterfaceMs * scale });
  for (const resource of topologyResources(topology)) world.seed(resource);
  const tokens = new TokenRegistry();
  const roles = new RoleAssignments();
  const faults = new AzureFaults(options.faults ?? {});
  const scope = resourceGroupId(topology);

  const stops: (() => Promise<void>)[] = [];
  try {
    const imdsServers = {} as Record<NodeId, AzureImdsServer>;
    const principals = {} as Record<NodeId, string>;
    const clientIds = {} as Record<NodeId, string>;
    for (const node of ["a", "b"] as NodeId[]) {
      const spec = topology.nodes[node];
      const principalId = randomUUID();
      principals[node] = principalId;
      clientIds[node] = randomUUID();
      roles.assign({ principalId, scope, role: SIM_DEFAULT_ROLE });
      const firstNic = Object.values(spec.nics)[0]!;
      const server = await startAzureImds(
        { resourceId: vmId(topology, spec.vm), name: spec.vm, subscriptionId: topology.subscriptionId, resourceGroupName: topology.resourceGroup, location: topology.location, vmId: randomUUID(), principalId, clientId: clientIds[node], privateIp: firstNic.privateIp },
        tokens,
        () => faults.config.latencyMs ?? 0,
      );
      stops.push(server.stop);
      imdsServers[node] = server;
    }
    let answered: ((call: ArmCallRecord) => void) | null = null;
    const arm = await startArmServer({
      world,
      tokens,
      roles,
      faults,
      writeBucket: options.writeBucket ?? ARM_WRITE_BUCKET,
      onAnswered: (call) => answered?.(call),
      ...(options.listPageSize !== undefined ? { listPageSize: options.listPageSize } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
    });
    stops.push(arm.stop);
    let azurite: Azurite | undefined;
    if (options.blob !== false) {
      azurite = await startAzurite();
      stops.push(azurite.stop);
      const service = new BlobServiceClient(azurite.blobEndpoint, new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY));
      await service.getContainerClient(topology.stateStore.container).createIfNotExists();
    }
    const blobEndpoint = azurite?.blobEndpoint ?? "http://127.0.0.1:9/devstoreaccount1";
    world.seed(storageAccountResource(topology, AZURITE_ACCOUNT, blobEndpoint));
    return {
      arm: arm.url,
      imds: { a: imdsServers.a.url, b: imdsServers.b.url },
      blobEndpoint,
      topology,
      world,
      faults,
      calls: arm.calls,
      principals,
      clientIds,
      onAnswered: (hook) => {
        answered = hook;
      },
      setRole: (node, role) => roles.set(principals[node], [{ scope, role }]),
      setAssignments: (node, assignments) => roles.set(principals[node], assignments),
      agentConfig: () => buildAzureAgentConfig(topology, { arm: arm.url, blob: blobEndpoint, imds: imdsServers.a.url }, AZURITE_ACCOUNT, options.agentTimeouts),
      stop: async () => {
        for (const stop of stops.reverse()) await stop().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw err;
  }
}
