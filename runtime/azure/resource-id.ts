/** The parts of an ARM resource ID: /subscriptions/S/resourceGroups/RG/providers/NS/TYPE/NAME[/CHILD/NAME...]. */
export interface ResourceId {
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  /** e.g. Microsoft.Network/routeTables */
  type: string;
  name: string;
}

export function parseResourceId(id: string): ResourceId {
  const match = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+\/[^/]+)\/([^/]+)/i.exec(id);
  if (!match) throw new Error(`not an ARM resource ID: ${id}`);
  return { id, subscriptionId: match[1]!, resourceGroup: match[2]!, type: match[3]!, name: match[4]! };
}

/** The resource group's scope of a resource ID, for RBAC checks and messages. */
export function resourceGroupScope(id: string): string {
  const { subscriptionId, resourceGroup } = parseResourceId(id);
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}`;
}

/** ARM compares resource IDs case-insensitively. */
export function sameResource(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** The NIC an ipConfiguration ID belongs to (…/networkInterfaces/NIC/ipConfigurations/NAME → …/networkInterfaces/NIC). */
export function nicOfIpConfiguration(ipConfigurationId: string): string | undefined {
  const at = ipConfigurationId.toLowerCase().indexOf("/ipconfigurations/");
  return at < 0 ? undefined : ipConfigurationId.slice(0, at);
}
