/**
 * AzureHaPair: the Azure side of an active/standby pair, around the pair's own VMs, NICs by role,
 * route tables and moving ipConfigurations (resources of the same program, or IDs of existing
 * ones). It adds what the agent needs: a managed identity and a least-privilege custom role
 * (from the runtime's own action list) assigned on the exact resources, the state storage, the
 * private endpoint for Blob with its DNS zone, the NSG rule out to ARM, IP forwarding on the
 * routing NICs, the pair's tags, and the agent's delivery; and it generates the agent config from
 * the real IDs, validated against the contract.
 *
 * Ownership (as AwsHaPair): a resource passed as an object (`networkInterface`, `routeTable`,
 * `publicIp`) is the program's own: its tags and IP forwarding belong in its own args (pairTags(),
 * enableIPForwarding: true), and the component checks them at preview. A resource passed by ID
 * is not the stack's: the component merges only the pair's tag keys into its tags (AzureTagsMerge)
 * and turns IP forwarding on (AzureIpForwardingOn, never off again), and never takes it over —
 * unless `manage` says another tool (Terraform) writes them: then it only reads them at preview
 * and fails naming what to fix (adoption.ts). `adopt` imports the state storage no tool owns.
 */
import * as authorization from "@pulumi/azure-native/authorization/index.js";
import * as managedidentity from "@pulumi/azure-native/managedidentity/index.js";
import type * as network from "@pulumi/azure-native/network/index.js";
import * as pulumi from "@pulumi/pulumi";
import { existsSync } from "node:fs";
import { NODE_IDS, type AgentDaemonConfig, type AzureTimeBudgets, type NodeId } from "../../runtime/config/index.js";
import { missingPairTagsProblem, pairTagKeys } from "../aws/tags.js";
import { armIdParts, azureManageModes, verifyExistingAzureLabel, verifyExistingNic, type AzureHaPairAdoptArgs, type AzureHaPairManageArgs } from "./adoption.js";
import { buildAzureCfeDeclaration, validatedAzureAgentConfig, type ResolvedAzurePair } from "./agent-config.js";
import { AzureBlobUpload } from "./blob-upload.js";
import { azureAgentInstallScript, azureCustomData, bigipTriggerSnippet, DEFAULT_AGENT_BUNDLE, keepalivedTrigger, pairBlobNames, systemdUnit } from "./delivery.js";
import { AzureIpForwardingOn } from "./ip-forwarding.js";
import { createPrivateReach } from "./private-reach.js";
import { azureRolePermissions, scopeProblems } from "./role.js";
import { createStateStorage, storageArgProblems, type AzureStateStorageArgs } from "./storage.js";
import { AzureTagsMerge, noOwnAzureTag } from "./tags.js";

export const AZURE_HA_PAIR_TYPE = "ha-pair:index:AzureHaPair";

/** Azure's built-in Storage Blob Data Contributor (for the deployer's uploads, never the agent). */
export const STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";

/** One NIC of a node. Exactly one of `networkInterface` (created in this program) or `networkInterfaceId` (existing). */
export interface AzureHaPairInterfaceArgs {
  /** A NIC of this program: pairTags(label, { role }) in its tags, enableIPForwarding: true when routing; checked at preview. */
  networkInterface?: network.NetworkInterface;
  /** An existing NIC: the pair's tags merged in, IP forwarding turned on when routing. */
  networkInterfaceId?: pulumi.Input<string>;
  /** Its primary private IP (the next hop of routes that follow the node). Default: the primary ipConfig's static privateIPAddress of `networkInterface`. */
  privateIp?: pulumi.Input<string>;
  /** Its subnet (where moving ipConfigs join). Default: the primary ipConfig's subnet of `networkInterface`. */
  subnetId?: pulumi.Input<string>;
  /** Whether it forwards traffic not addressed to it (IP forwarding on). Default: true for a role that routes or ipConfigs follow. */
  routing?: boolean;
}

export interface AzureHaPairNodeArgs {
  /** The VM's resource ID (may be deferred when the VM needs this component's outputs). */
  vmId: pulumi.Input<string>;
  interfaces: Record<string, AzureHaPairInterfaceArgs>;
}

export interface AzureHaPairNodesArgs {
  a: AzureHaPairNodeArgs;
  b: AzureHaPairNodeArgs;
}

/** A secondary ipConfiguration that moves to the active node's NIC of `role` (opt-in: NIC updates take a minute or more). */
export interface AzureHaPairIpConfigurationArgs {
  /** The ipConfiguration's name, the same on whichever NIC holds it. */
  name: string;
  role: string;
  privateIp: pulumi.Input<string>;
  /** A public IP of this program that moves with it (pairTags(label) in its tags). */
  publicIp?: network.PublicIPAddress;
  /** An existing public IP that moves with it. */
  publicIpAddressId?: pulumi.Input<string>;
}

/** Routes whose next hop follows the active node. Exactly one of `routeTable` or `routeTableId`. */
export interface AzureHaPairRouteArgs {
  routeTable?: network.RouteTable;
  routeTableId?: pulumi.Input<string>;
  /** Address prefixes of existing routes in the table (the agent rewrites next hops, never creates routes). */
  addressPrefixes: string[];
  nextHopRole: string;
}

export interface AzureHaPairNetworkArgs {
  virtualNetworkId: pulumi.Input<string>;
  /** Where the Blob private endpoint goes (the nodes' management subnet). */
  endpointSubnetId: pulumi.Input<string>;
  /** The management subnet's NSG name (in resourceGroupName): the outbound rule to AzureResourceManager:443 goes there. */
  managementNetworkSecurityGroupName?: pulumi.Input<string>;
  /** The management subnet's prefix: the rule's source. */
  managementSubnetPrefix?: pulumi.Input<string>;
  /** The rule's priority (default 200). */
  armRulePriority?: number;
  /** Reuse this privatelink.blob.core.windows.net zone (already linked to the VNet). */
  existingPrivateDnsZoneId?: pulumi.Input<string>;
}

/** Whose identity the role is assigned to. Default: a user-assigned identity the component creates (attach it to both VMs). */
export interface AzureHaPairIdentityArgs {
  /** The VMs' system-assigned identities (their principal IDs): each gets the assignments. */
  systemAssignedPrincipalIds?: AzureHaPairPrincipalIdsArgs;
  /**
   * Brownfield: the user-assigned identity the VMs already run with (its ARM ID, e.g. CFE's):
   * read at preview, it gets the role assignments; no identity is created.
   */
  existingUserAssignedIdentityId?: string;
}

export interface AzureHaPairPrincipalIdsArgs {
  a: pulumi.Input<string>;
  b: pulumi.Input<string>;
}

export interface AzureHaPairAgentArgs {
  port?: number;
  tokenFile?: string;
  stateRefreshSeconds?: number;
}

export interface AzureHaPairArgs {
  label: string;
  labelKey?: string;
  nicMapKey?: string;
  /** The pair's resource group: the role is assignable here only, and every resource of the pair must be in it. */
  resourceGroupName: pulumi.Input<string>;
  location: pulumi.Input<string>;
  /** Default: the azure-native provider's subscription. */
  subscriptionId?: pulumi.Input<string>;
  nodes: AzureHaPairNodesArgs;
  ipConfigurations?: AzureHaPairIpConfigurationArgs[];
  routes?: AzureHaPairRouteArgs[];
  network: AzureHaPairNetworkArgs;
  identity?: AzureHaPairIdentityArgs;
  storage?: AzureStateStorageArgs;
  /** The principal that runs `pulumi up` (its object ID): Storage Blob Data Contributor on the container, for the uploads. */
  deployerPrincipalId?: pulumi.Input<string>;
  /** Blob name prefix of the pair's files; default ha-pair/<label>. */
  statePrefix?: string;
  agentBundlePath?: string;
  timeouts?: AzureTimeBudgets;
  agent?: AzureHaPairAgentArgs;
  /** Extra tags on every resource the component creates. */
  tags?: Record<string, string>;
  /** Brownfield: who writes tags and IP forwarding on resources given by ID ("verify": another tool does; checked at preview). */
  manage?: AzureHaPairManageArgs;
  /** Brownfield: the existing storage account (and container) the stack adopts (import option, protect). */
  adopt?: AzureHaPairAdoptArgs;
}

function argProblems(args: AzureHaPairArgs): string[] {
  const problems: string[] = [];
  const one = (what: string, a: unknown, b: unknown, aName: string, bName: string) => {
    if ((a === undefined) === (b === undefined)) problems.push(`${what}: give exactly one of ${aName} (created in this program) or ${bName} (existing)`);
  };
  const ipConfigRoles = new Set((args.ipConfigurations ?? []).map((c) => c.role));
  for (const id of NODE_IDS) {
    const node = args.nodes?.[id];
    if (!node) {
      problems.push(`nodes.${id} is required`);
      continue;
    }
    const roles = Object.keys(node.interfaces ?? {});
    if (roles.length === 0) problems.push(`nodes.${id}.interfaces: list at least one NIC by role`);
    for (const role of roles) {
      const nic = node.interfaces[role]!;
      one(`nodes.${id}.interfaces.${role}`, nic.networkInterface, nic.networkInterfaceId, "networkInterface", "networkInterfaceId");
      if (nic.networkInterfaceId !== undefined && nic.privateIp === undefined) problems.push(`nodes.${id}.interfaces.${role}: an existing NIC needs privateIp (its primary private IP, the next hop of the routes)`);
      if (nic.networkInterfaceId !== undefined && ipConfigRoles.has(role) && nic.subnetId === undefined) problems.push(`nodes.${id}.interfaces.${role}: ipConfigurations move on this role; an existing NIC needs subnetId (the role is assigned there for the subnet join)`);
    }
  }
  for (const [i, c] of (args.ipConfigurations ?? []).entries()) {
    if (c.publicIp !== undefined && c.publicIpAddressId !== undefined) problems.push(`ipConfigurations[${i}]: give publicIp (created in this program) or publicIpAddressId (existing), not both`);
    for (const id of NODE_IDS) if (args.nodes?.[id] && !args.nodes[id].interfaces?.[c.role]) problems.push(`ipConfigurations[${i}]: nodes.${id} has no NIC of role ${c.role}`);
  }
  for (const [i, r] of (args.routes ?? []).entries()) {
    one(`routes[${i}]`, r.routeTable, r.routeTableId, "routeTable", "routeTableId");
    if (r.addressPrefixes.length === 0) problems.push(`routes[${i}]: list the address prefixes whose next hop follows the active node`);
    for (const id of NODE_IDS) if (args.nodes?.[id] && !args.nodes[id].interfaces?.[r.nextHopRole]) problems.push(`routes[${i}]: nodes.${id} has no NIC of role ${r.nextHopRole}`);
  }
  if ((args.routes ?? []).length === 0 && (args.ipConfigurations ?? []).length === 0) problems.push("nothing moves: give routes, ipConfigurations or both");
  problems.push(...storageArgProblems(args.storage, args.adopt));
  const existingIdentity = args.identity?.existingUserAssignedIdentityId;
  if (existingIdentity !== undefined) {
    if (args.identity?.systemAssignedPrincipalIds) problems.push("identity: give systemAssignedPrincipalIds or existingUserAssignedIdentityId, not both");
    if (!/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/[^/]+$/i.test(existingIdentity)) {
      problems.push(`identity.existingUserAssignedIdentityId: ${JSON.stringify(existingIdentity)} is not a user-assigned identity's ARM ID (/subscriptions/S/resourceGroups/G/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME)`);
    }
  }
  return problems;
}

/** What a check sees for a nested arg that is itself an unknown output at preview: it cannot judge it then. */
export const UNKNOWN_AT_PREVIEW = "(unknown at preview)";

/**
 * An output of a resource of this program as its args declare it. At preview the engine knows an
 * output only when its arg was given, so "unknown" there means not set (a check on the output
 * itself would silently not run at preview): the checks see undefined and say what to set. A
 * nested value that is unknown (a subnet ID inside ipConfigurations) reads as UNKNOWN_AT_PREVIEW,
 * so the rest of the arg is still checked.
 */
function asDeclared<T>(output: pulumi.Output<T>): pulumi.Output<T | undefined> {
  const impl = output as unknown as { promise(withUnknowns?: boolean): Promise<T> };
  const known = (value: unknown): unknown => {
    if (pulumi.isUnknown(value)) return UNKNOWN_AT_PREVIEW;
    if (Array.isArray(value)) return value.map(known);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, known(v)]));
    return value;
  };
  return pulumi.output(impl.promise(true).then((value) => (value === undefined || pulumi.isUnknown(value) ? undefined : (known(value) as T)))) as pulumi.Output<T | undefined>;
}

type Ip = { privateIPAddress?: string; primary?: boolean; subnet?: { id?: string } };
const primaryIpConfig = (configs: Ip[] | undefined): Ip | undefined => (configs ?? []).find((c) => c.primary === true) ?? (configs ?? [])[0];

export class AzureHaPair extends pulumi.ComponentResource {
  /** The agent config (JSON), generated from the real resource IDs and validated against the contract. */
  public readonly agentConfig: pulumi.Output<string>;
  /** The equivalent F5 Cloud_Failover declaration (JSON). */
  public readonly cfeDeclaration: pulumi.Output<string>;
  public readonly roleDefinitionId: pulumi.Output<string>;
  /** The custom role's permissions (JSON: actions, dataActions). */
  public readonly rolePermissions: pulumi.Output<string>;
  /** The exact scopes the role is assigned at. */
  public readonly roleAssignmentScopes: pulumi.Output<string[]>;
  /** The user-assigned identity (attach it to both VMs); undefined with system-assigned identities. */
  public readonly identityId: pulumi.Output<string | undefined>;
  public readonly identityClientId: pulumi.Output<string | undefined>;
  /** The principal(s) the role is assigned to. */
  public readonly identityPrincipalIds: pulumi.Output<string[]>;
  public readonly storageAccountName: pulumi.Output<string>;
  public readonly containerName: pulumi.Output<string>;
  public readonly stateBlobName: pulumi.Output<string>;
  public readonly privateEndpointId: pulumi.Output<string>;
  /** cloud-init customData (base64) that installs the agent. */
  public readonly customData: pulumi.Output<string>;
  /** The same as a bash fragment, to embed in a node's own customData. */
  public readonly agentInstallScript: pulumi.Output<string>;
  /** What BIG-IP's /config/failover/tgactive should run. */
  public readonly bigipTriggerSnippet: pulumi.Output<string>;

  constructor(name: string, args: AzureHaPairArgs, opts?: pulumi.ComponentResourceOptions) {
    super(AZURE_HA_PAIR_TYPE, name, {}, opts);
    const problems = argProblems(args);
    if (problems.length > 0) throw new Error(`AzureHaPair "${name}": invalid args:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    const bundlePath = args.agentBundlePath ?? DEFAULT_AGENT_BUNDLE;
    if (!existsSync(bundlePath)) throw new Error(`AzureHaPair "${name}": the agent bundle ${bundlePath} does not exist; run \`npm run build\` in the ha-pair checkout, or set agentBundlePath`);
    const parent = this;
    const childOpts = { parent };
    const { labelKey, nicMapKey } = pairTagKeys(args);
    const label = args.label;
    const labelTags = { ...args.tags, [labelKey]: label };
    const subscriptionId = args.subscriptionId !== undefined ? pulumi.output(args.subscriptionId) : authorization.getClientConfigOutput(childOpts).subscriptionId;
    const rgId = pulumi.interpolate`/subscriptions/${subscriptionId}/resourceGroups/${args.resourceGroupName}`;
    const blobs = pairBlobNames(label, args.statePrefix);
    const ipConfigs = args.ipConfigurations ?? [];
    const routes = args.routes ?? [];
    const ipConfigRoles = new Set(ipConfigs.map((c) => c.role));
    const followRoles = new Set([...ipConfigRoles, ...routes.map((r) => r.nextHopRole)]);
    const checks: pulumi.Output<string[]>[] = [];
    const manage = azureManageModes(name, args.manage);

    // --- NICs: tags, IP forwarding, private IPs, subnets
    const resolvedNodes = {} as Record<NodeId, pulumi.Output<{ vmId: string; interfaces: Record<string, { id: string; privateIp: string }> }>>;
    const movingNicIds: pulumi.Output<string>[] = [];
    const subnetByRole = new Map<string, pulumi.Output<string>>();
    for (const node of NODE_IDS) {
      const nodeArgs = args.nodes[node];
      const interfaces: Record<string, pulumi.Output<{ id: string; privateIp: string }>> = {};
      for (const [role, nic] of Object.entries(nodeArgs.interfaces)) {
        const routing = nic.routing ?? followRoles.has(role);
        const where = `nodes.${node}.interfaces.${role}`;
        let id: pulumi.Output<string>;
        let privateIp: pulumi.Output<string | undefined>;
        let subnetId: pulumi.Output<string | undefined>;
        if (nic.networkInterface) {
          const own = nic.networkInterface;
          id = own.id;
          const primary = asDeclared(own.ipConfigurations).apply((c) => primaryIpConfig(c as Ip[] | undefined));
          privateIp = nic.privateIp !== undefined ? pulumi.output(nic.privateIp) : primary.apply((c) => (c?.privateIPAddress === UNKNOWN_AT_PREVIEW ? undefined : c?.privateIPAddress));
          // The subnet's ID is unknown at preview when the subnet is new: the real value comes from the NIC's output.
          subnetId = nic.subnetId !== undefined ? pulumi.output(nic.subnetId) : own.ipConfigurations.apply((c) => primaryIpConfig(c as Ip[] | undefined)?.subnet?.id);
          // Its args are known at preview (tags, enableIPForwarding, ipConfigurations): the checks run there.
          checks.push(
            pulumi.all([asDeclared(own.tags), asDeclared(own.enableIPForwarding), privateIp]).apply(([tags, forwarding, ip]) => {
              const found: string[] = [];
              const tagProblem = missingPairTagsProblem(where, tags, { labelKey, nicMapKey }, label, role);
              if (tagProblem !== undefined) found.push(tagProblem);
              if (routing && forwarding !== true) found.push(`${where} forwards traffic (routing) but has IP forwarding off; set enableIPForwarding: true in its args`);
              if (followRoles.has(role) && ip === undefined) found.push(`${where}: its primary ipConfiguration has no static privateIPAddress; set one (privateIPAllocationMethod: "Static") or give privateIp`);
              return found;
            }),
          );
        } else {
          id = pulumi.output(nic.networkInterfaceId!);
          privateIp = pulumi.output(nic.privateIp);
          subnetId = pulumi.output(nic.subnetId);
          const pairNicTags = { [labelKey]: label, [nicMapKey]: role };
          if (manage.tags === "apply") {
            const taggable = pulumi.all([id, noOwnAzureTag(name, where, id, Object.keys(pairNicTags))]).apply(([i]) => i);
            new AzureTagsMerge(`${name}-${node}-${role}-tags`, { resourceId: taggable, tags: pairNicTags }, childOpts);
          }
          if (routing && manage.ipForwarding === "apply") new AzureIpForwardingOn(`${name}-${node}-${role}-ip-forwarding`, { networkInterfaceId: id }, childOpts);
          // Another tool owns them: read them at preview (the NIC exists, its ID is known) and write nothing.
          const verifyForwarding = routing && manage.ipForwarding === "verify";
          if (manage.tags === "verify" || verifyForwarding) {
            checks.push(verifyExistingNic(where, id, { ...(manage.tags === "verify" ? { tags: pairNicTags } : {}), ipForwardingOn: verifyForwarding }, childOpts));
          }
        }
        if (ipConfigRoles.has(role)) {
          movingNicIds.push(id);
          if (node === "a") subnetByRole.set(role, subnetId.apply((s) => s ?? ""));
        }
        interfaces[role] = pulumi.all([id, privateIp]).apply(([i, ip]) => ({ id: i, privateIp: ip ?? "" }));
      }
      resolvedNodes[node] = pulumi.all([pulumi.output(nodeArgs.vmId), pulumi.all(interfaces)]).apply(([vmId, ifaces]) => ({ vmId, interfaces: ifaces }));
    }

    // --- route tables and public IPs: the label tag
    const ownLabelCheck = (where: string, tags: pulumi.Output<Record<string, string> | undefined>) =>
      checks.push(asDeclared(tags).apply((t) => [missingPairTagsProblem(where, t, { labelKey, nicMapKey }, label)].filter((p): p is string => p !== undefined)));
    const labelById = (resourceName: string, where: string, kind: "routeTable" | "publicIp", id: pulumi.Input<string>) => {
      if (manage.tags === "verify") {
        checks.push(verifyExistingAzureLabel(where, kind, id, labelKey, label, childOpts));
        return;
      }
      const taggable = pulumi.all([id, noOwnAzureTag(name, where, id, [labelKey])]).apply(([i]) => i);
      new AzureTagsMerge(resourceName, { resourceId: taggable, tags: { [labelKey]: label } }, childOpts);
    };
    const resolvedRoutes = routes.map((r, i) => {
      let tableId: pulumi.Output<string>;
      if (r.routeTable) {
        tableId = r.routeTable.id;
        ownLabelCheck(`routes[${i}]`, r.routeTable.tags);
      } else {
        tableId = pulumi.output(r.routeTableId!);
        labelById(`${name}-rt-${i}-tags`, `routes[${i}]`, "routeTable", tableId);
      }
      return tableId.apply((routeTableId) => ({ routeTableId, addressPrefixes: [...r.addressPrefixes], nextHopRole: r.nextHopRole }));
    });
    const publicIpIds: pulumi.Output<string>[] = [];
    const resolvedIpConfigs = ipConfigs.map((c, i) => {
      let publicIpId: pulumi.Output<string | undefined> = pulumi.output(undefined);
      if (c.publicIp) {
        publicIpId = c.publicIp.id;
        ownLabelCheck(`ipConfigurations[${i}].publicIp`, c.publicIp.tags);
      } else if (c.publicIpAddressId !== undefined) {
        publicIpId = pulumi.output(c.publicIpAddressId);
        labelById(`${name}-pip-${i}-tags`, `ipConfigurations[${i}].publicIpAddressId`, "publicIp", c.publicIpAddressId);
      }
      if (c.publicIp || c.publicIpAddressId !== undefined) publicIpIds.push(publicIpId as pulumi.Output<string>);
      return pulumi.all([pulumi.output(c.privateIp), publicIpId]).apply(([privateIp, pip]) => ({ name: c.name, role: c.role, privateIp, ...(pip ? { publicIpAddressId: pip } : {}) }));
    });

    /** Resolves when every check passed; fails (at preview, where the args are known) listing every problem. */
    const checked = pulumi.all(checks).apply((lists) => {
      const all = lists.flat();
      if (all.length > 0) throw new Error(`AzureHaPair "${name}": ${all.length} problem${all.length === 1 ? "" : "s"} with the pair's resources:\n${all.map((p) => `  ${p}`).join("\n")}`);
      return true;
    });

    // --- state storage and private reach
    const stateStorage = createStateStorage(name, { ...args.storage, resourceGroupName: args.resourceGroupName, location: args.location, subscriptionId, tags: labelTags, ...(args.adopt ? { adopt: args.adopt } : {}) }, parent);
    const reach = createPrivateReach(
      name,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        virtualNetworkId: args.network.virtualNetworkId,
        endpointSubnetId: args.network.endpointSubnetId,
        storageAccountId: stateStorage.accountId,
        existingPrivateDnsZoneId: args.network.existingPrivateDnsZoneId,
        managementNetworkSecurityGroupName: args.network.managementNetworkSecurityGroupName,
        managementSubnetPrefix: args.network.managementSubnetPrefix,
        rulePriority: args.network.armRulePriority,
        tags: labelTags,
      },
      parent,
    );
    const containerId = pulumi.interpolate`${stateStorage.accountId}/blobServices/default/containers/${stateStorage.containerName}`;

    // --- identity, role, assignments on the exact resources
    const permissions = azureRolePermissions({ routes: routes.length > 0, ipConfigurations: ipConfigs.length > 0, publicIps: publicIpIds.length > 0 });
    let identity: { id: pulumi.Output<string>; clientId: pulumi.Output<string> } | undefined;
    let principals: { key: string; principalId: pulumi.Output<string> }[];
    const existingIdentityId = args.identity?.existingUserAssignedIdentityId;
    if (existingIdentityId !== undefined) {
      // The nodes' own identity: read (it exists, so its principal is known at preview), never created or changed.
      const { resourceGroupName, name: identityName } = armIdParts(existingIdentityId)!; // its shape is checked in argProblems
      const found = managedidentity.getUserAssignedIdentityOutput({ resourceGroupName, resourceName: identityName }, childOpts);
      identity = { id: pulumi.output(existingIdentityId), clientId: found.clientId };
      principals = [{ key: "id", principalId: found.principalId }];
    } else if (args.identity?.systemAssignedPrincipalIds) {
      const given = args.identity.systemAssignedPrincipalIds;
      principals = NODE_IDS.map((node) => ({ key: node, principalId: pulumi.output(given[node]) }));
    } else {
      const created = new managedidentity.UserAssignedIdentity(`${name}-identity`, { resourceGroupName: args.resourceGroupName, location: args.location, tags: labelTags }, childOpts);
      identity = created;
      principals = [{ key: "id", principalId: created.principalId }];
    }
    const role = new authorization.RoleDefinition(
      `${name}-role`,
      {
        scope: rgId,
        roleName: pulumi.interpolate`ha-pair agent ${label} (${args.resourceGroupName})`,
        description: `ha-pair agent of pair ${label}: route next hops, moving ipConfigurations, its state blob; generated from the agent's action list`,
        roleType: "CustomRole",
        permissions: [{ actions: permissions.actions, notActions: [], dataActions: permissions.dataActions, notDataActions: [] }],
        assignableScopes: [rgId],
      },
      childOpts,
    );
    // Each assignment's resource name comes from the arg it serves (scopes of this program's resources are unknown at preview).
    const targets: { key: string; scope: pulumi.Output<string>; why: string }[] = [
      ...resolvedRoutes.map((r, i) => ({ key: `rt-${i}`, scope: r.apply((x) => x.routeTableId), why: "route next hops follow the active node" })),
      ...NODE_IDS.flatMap((node) =>
        [...ipConfigRoles].map((nicRole) => ({ key: `nic-${node}-${nicRole}`, scope: resolvedNodes[node].apply((n) => n.interfaces[nicRole]!.id), why: "ipConfigurations move to and from this NIC" })),
      ),
      ...[...subnetByRole].map(([subnetRole, subnet]) => ({ key: `subnet-${subnetRole}`, scope: subnet, why: "moving ipConfigurations join this subnet" })),
      ...publicIpIds.map((pip, i) => ({ key: `pip-${i}`, scope: pip, why: "this public IP moves with its ipConfiguration" })),
      { key: "state", scope: containerId, why: "the pair's state blob and the agent's files" },
    ];
    // Every scope must lie inside the pair's resource group (the role is assignable nowhere else).
    const checkedTargets = targets.map((t) =>
      pulumi.all([rgId, t.scope, checked]).apply(([rg, scope]) => {
        const bad = scopeProblems(rg, [{ scope, why: t.why }]);
        if (scope === "") throw new Error(`AzureHaPair "${name}": the ${t.key} assignment has no scope; give subnetId for the NICs ipConfigurations move on`);
        if (bad.length > 0) throw new Error(`AzureHaPair "${name}": ${bad.join("; ")}`);
        return scope;
      }),
    );
    principals.flatMap((p) =>
      targets.map(
        (t, i) =>
          new authorization.RoleAssignment(
            `${name}-ra-${p.key}-${t.key}`,
            { principalId: p.principalId, principalType: "ServicePrincipal", roleDefinitionId: role.id, scope: checkedTargets[i]!, description: `ha-pair ${label}: ${t.why}` },
            childOpts,
          ),
      ),
    );
    const uploadDeps: pulumi.Resource[] = [...stateStorage.ready];
    if (args.deployerPrincipalId !== undefined) {
      uploadDeps.push(
        new authorization.RoleAssignment(
          `${name}-ra-deployer-state`,
          {
            principalId: args.deployerPrincipalId,
            roleDefinitionId: pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${STORAGE_BLOB_DATA_CONTRIBUTOR}`,
            scope: containerId,
            description: `ha-pair ${label}: the deployer uploads the agent's files`,
          },
          childOpts,
        ),
      );
    }

    // --- the agent config, from the real IDs, checked against the contract
    const resolved: pulumi.Output<ResolvedAzurePair> = pulumi
      .all([checked, subscriptionId, resolvedNodes.a, resolvedNodes.b, pulumi.all(resolvedIpConfigs), pulumi.all(resolvedRoutes), stateStorage.accountName, stateStorage.containerName])
      .apply(([, sub, a, b, configs, rts, account, container]) => ({
        label,
        labelKey,
        nicMapKey,
        subscriptionId: sub,
        nodes: { a, b },
        ipConfigurations: configs,
        routes: rts,
        storageAccount: account,
        container,
        stateBlob: blobs.state,
        ...(args.timeouts ? { timeouts: { ...args.timeouts } } : {}),
        ...(args.agent ? { agent: agentSection(args.agent) } : {}),
      }));
    this.agentConfig = resolved.apply((pair) => `${JSON.stringify(validatedAzureAgentConfig(name, pair), null, 2)}\n`);
    this.cfeDeclaration = resolved.apply((pair) => JSON.stringify(buildAzureCfeDeclaration(pair), null, 2));

    // --- delivery: the bundle, the config, the unit and the trigger in the container
    const uploadOpts = { parent, dependsOn: [...uploadDeps, ...reach.ready] };
    const upload = (suffix: string, blob: string, contentType: string, source: { content?: pulumi.Input<string>; filePath?: string }) =>
      new AzureBlobUpload(`${name}-${suffix}`, { account: stateStorage.accountName, container: stateStorage.containerName, blob, contentType, ...source }, uploadOpts);
    upload("agent-bundle", blobs.bundle, "application/javascript", { filePath: bundlePath });
    upload("agent-config", blobs.config, "application/json", { content: this.agentConfig });
    upload("agent-unit", blobs.unit, "text/plain", { content: systemdUnit().text });
    upload("keepalived-trigger", blobs.keepalivedTrigger, "text/x-shellscript", { content: keepalivedTrigger() });

    this.roleDefinitionId = role.id;
    this.rolePermissions = pulumi.output(JSON.stringify(permissions));
    this.roleAssignmentScopes = pulumi.all(checkedTargets);
    this.identityId = identity ? identity.id : pulumi.output(undefined);
    this.identityClientId = identity ? identity.clientId : pulumi.output(undefined);
    this.identityPrincipalIds = pulumi.all(principals.map((p) => p.principalId));
    this.storageAccountName = stateStorage.accountName;
    this.containerName = stateStorage.containerName;
    this.stateBlobName = pulumi.output(blobs.state);
    this.privateEndpointId = reach.privateEndpointId;
    const delivery = pulumi.all([stateStorage.accountName, stateStorage.containerName, this.identityClientId]).apply(([account, container, clientId]) => ({
      account,
      container,
      blobs,
      ...(clientId ? { identityClientId: clientId } : {}),
    }));
    this.customData = delivery.apply(azureCustomData);
    this.agentInstallScript = delivery.apply(azureAgentInstallScript);
    this.bigipTriggerSnippet = pulumi.output(bigipTriggerSnippet());

    this.registerOutputs({
      agentConfig: this.agentConfig,
      cfeDeclaration: this.cfeDeclaration,
      roleDefinitionId: this.roleDefinitionId,
      rolePermissions: this.rolePermissions,
      roleAssignmentScopes: this.roleAssignmentScopes,
      identityId: this.identityId,
      identityClientId: this.identityClientId,
      identityPrincipalIds: this.identityPrincipalIds,
      storageAccountName: this.storageAccountName,
      containerName: this.containerName,
      stateBlobName: this.stateBlobName,
      privateEndpointId: this.privateEndpointId,
      customData: this.customData,
      agentInstallScript: this.agentInstallScript,
      bigipTriggerSnippet: this.bigipTriggerSnippet,
    });
  }
}

function agentSection(agent: AzureHaPairAgentArgs): AgentDaemonConfig {
  return {
    ...(agent.port !== undefined ? { listen: { port: agent.port } } : {}),
    ...(agent.tokenFile !== undefined ? { tokenFile: agent.tokenFile } : {}),
    ...(agent.stateRefreshSeconds !== undefined ? { stateRefreshSeconds: agent.stateRefreshSeconds } : {}),
  } as AgentDaemonConfig;
}
