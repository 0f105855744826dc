/**
 * Adopting a running Azure pair without fighting its current owner (brownfield), as AwsHaPair
 * does (components/aws/adoption.ts).
 *
 * - `manage`: who writes the pair's tags and the routing NICs' IP forwarding on resources given by
 *   ID. "apply" (the default) writes them (AzureTagsMerge, AzureIpForwardingOn); "verify" reads
 *   them at preview through azure-native's invokes (the operator's credentials) and fails naming
 *   the resource and the fix when they are not what the agent needs, and writes nothing. Use
 *   "verify" when Terraform (or F5's templates) sets them: azurerm's `tags` and
 *   `ip_forwarding_enabled` would undo a second writer at every apply, and the other way round.
 * - `adopt`: a storage account (and its container) that exists but belongs to no tool is adopted
 *   with the `import` resource option and `protect` (a `pulumi destroy` cannot delete it), its
 *   tags left as they are. Its other args must match the account as it is, or the preview fails
 *   naming the difference (Pulumi refuses an import whose inputs differ).
 */
import * as network from "@pulumi/azure-native/network/index.js";
import * as pulumi from "@pulumi/pulumi";
import { parseManageModes } from "../aws/adoption.js";

export type AzureManageMode = "apply" | "verify";

// Plain strings, checked below: the component plugin's schema (Pulumi's component analyzer) takes no union types.
export interface AzureHaPairManageArgs {
  /** "apply" (default) or "verify": the label and nic-map tags on NICs, route tables and public IPs given by ID. */
  tags?: string;
  /** "apply" (default) or "verify": IP forwarding on on routing NICs given by ID. */
  ipForwarding?: string;
}

export interface AzureHaPairAdoptArgs {
  /** The ARM ID of an existing storage account for the state: imported (protected), not created. */
  storageAccountId?: string;
  /** The ARM ID of its existing container (…/blobServices/default/containers/NAME): imported too. Without it the container is created. */
  blobContainerId?: string;
}

export function azureManageModes(component: string, manage: AzureHaPairManageArgs | undefined): { tags: AzureManageMode; ipForwarding: AzureManageMode } {
  return parseManageModes("AzureHaPair", component, manage, ["tags", "ipForwarding"] as const);
}

/** The resource group and name of an ARM resource ID (/subscriptions/S/resourceGroups/G/providers/NS/TYPE/NAME). */
export function armIdParts(id: string): { resourceGroupName: string; name: string } | undefined {
  const match = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/[^/]+\/[^/]+\/([^/]+)$/i.exec(id);
  return match ? { resourceGroupName: match[1]!, name: match[2]! } : undefined;
}

const FIX_OWNER = "set it where it is owned (Terraform: the resource's tags / ip_forwarding_enabled; the portal otherwise), or let the component write it with manage";

/**
 * An ID that is unknown at preview comes from a resource this program creates: the read cannot
 * run before `up`, so say so on the component rather than pass in silence (`up` reads it before
 * anything is built on it).
 */
function warnIfUnknownAtPreview(where: string, id: pulumi.Output<string>, opts: pulumi.InvokeOutputOptions): void {
  if (!pulumi.runtime.isDryRun()) return;
  const known = (id as unknown as { isKnown?: Promise<boolean> }).isKnown ?? Promise.resolve(true);
  void known.then(
    (isKnown) => {
      if (!isKnown) pulumi.log.warn(`${where}: its ID is not known until the resource exists, so manage: verify cannot read it at preview; pulumi up reads it first (pass a resource of this program as the object, not its ID)`, opts.parent);
    },
    () => undefined, // a failed ID fails the check itself
  );
}

function parts(where: string, id: string): { resourceGroupName: string; name: string } {
  const found = armIdParts(id);
  if (!found) throw new Error(`${where}: ${JSON.stringify(id)} is not an ARM resource ID (/subscriptions/S/resourceGroups/G/providers/Microsoft.Network/TYPE/NAME)`);
  return found;
}

function tagProblems(where: string, id: string, found: Record<string, string> | undefined, want: Record<string, string>): string[] {
  const wrong = Object.entries(want).filter(([k, v]) => found?.[k] !== v);
  if (wrong.length === 0) return [];
  return [`${where} (${id}): tag ${wrong.map(([k, v]) => `${k} is ${found?.[k] === undefined ? "missing" : JSON.stringify(found[k])}, expected ${JSON.stringify(v)}`).join("; ")}; ${FIX_OWNER}: { tags: "apply" }`];
}

/** At preview: an existing NIC's pair tags and IP forwarding, as the agent needs them. */
export function verifyExistingNic(
  where: string,
  id: pulumi.Input<string>,
  want: { tags?: Record<string, string>; ipForwardingOn: boolean },
  opts: pulumi.InvokeOutputOptions,
): pulumi.Output<string[]> {
  const nicIdOutput = pulumi.output(id);
  warnIfUnknownAtPreview(where, nicIdOutput, opts);
  return nicIdOutput.apply((nicId) => {
    const { resourceGroupName, name } = parts(where, nicId);
    const nic = network.getNetworkInterfaceOutput({ resourceGroupName, networkInterfaceName: name }, opts);
    return pulumi.all([nic.tags, nic.enableIPForwarding]).apply(([tags, forwarding]) => [
      ...tagProblems(where, nicId, tags, want.tags ?? {}),
      ...(want.ipForwardingOn && forwarding !== true ? [`${where} (${nicId}) forwards traffic but has IP forwarding off; ${FIX_OWNER}: { ipForwarding: "apply" }`] : []),
    ]);
  });
}

/** At preview: the label tag of an existing route table or public IP. */
export function verifyExistingAzureLabel(where: string, kind: "routeTable" | "publicIp", id: pulumi.Input<string>, labelKey: string, label: string, opts: pulumi.InvokeOutputOptions): pulumi.Output<string[]> {
  const idOutput = pulumi.output(id);
  warnIfUnknownAtPreview(where, idOutput, opts);
  return idOutput.apply((resourceId) => {
    const { resourceGroupName, name } = parts(where, resourceId);
    const tags =
      kind === "routeTable"
        ? network.getRouteTableOutput({ resourceGroupName, routeTableName: name }, opts).tags
        : network.getPublicIPAddressOutput({ resourceGroupName, publicIpAddressName: name }, opts).tags;
    return pulumi.output(tags).apply((found) => tagProblems(where, resourceId, found, { [labelKey]: label }));
  });
}

/**
 * Resource options that adopt an existing resource: imported, protected against deletion, and
 * its tags left as they are (its owner's tags would otherwise make the import fail).
 */
export function adoptOptions(opts: pulumi.CustomResourceOptions, existingId: string | undefined): pulumi.CustomResourceOptions {
  return existingId === undefined ? opts : { ...opts, import: existingId, protect: true, ignoreChanges: [...(opts.ignoreChanges ?? []), "tags"] };
}
