import type { AzureAgentConfig } from "../config/types.js";
import type { ObservedState } from "../core/observed.js";
import { routeKey } from "../core/observed.js";
import { canonicalDestination } from "../config/semantics.js";
import type { ArmJson, Json } from "./arm.js";
import { nicOfIpConfiguration, sameResource } from "./resource-id.js";

/** The resources the verification wave reads: every route table, and the NICs of moving ipConfigurations. */
export function observedResources(config: AzureAgentConfig): { routeTables: string[]; networkInterfaces: string[] } {
  const routeTables = [...new Set((config.routes ?? []).map((r) => r.routeTableId))];
  const roles = new Set((config.addresses?.ipConfigurations ?? []).map((c) => c.role));
  const networkInterfaces = [...roles].flatMap((role) => [config.nodes.a.interfaces[role]!.id, config.nodes.b.interfaces[role]!.id]);
  return { routeTables, networkInterfaces };
}

type Props = Record<string, unknown> & { properties?: Record<string, unknown> };

/** Where each moving IP, public IP and route points, from the GETs of the resources above. */
export function buildAzureObservedState(config: AzureAgentConfig, tables: Map<string, Json>, nics: Map<string, Json>): ObservedState {
  const observed: ObservedState = { privateIps: {}, elasticIps: {}, routes: {} };
  const ipConfigs = [...nics].flatMap(([nicId, nic]) =>
    (((nic as Props).properties?.ipConfigurations ?? []) as Props[]).map((c) => ({ nicId, config: c })),
  );
  for (const want of config.addresses?.ipConfigurations ?? []) {
    const holder = ipConfigs.find((c) => c.config.properties?.privateIPAddress === want.privateIp);
    observed.privateIps[want.privateIp] = holder?.nicId ?? null;
    if (want.publicIpAddressId) {
      const carrier = ipConfigs.find((c) => sameResource((c.config.properties?.publicIPAddress as { id?: string } | undefined)?.id, want.publicIpAddressId));
      observed.elasticIps[want.publicIpAddressId] = carrier
        ? { networkInterfaceId: carrier.nicId, privateIp: (carrier.config.properties?.privateIPAddress as string | undefined) ?? null }
        : { networkInterfaceId: null, privateIp: null };
    }
  }
  for (const route of config.routes ?? []) {
    const table = tables.get(route.routeTableId) as Props | undefined;
    const routes = (table?.properties?.routes ?? []) as Props[];
    for (const prefix of route.addressPrefixes) {
      const found = routes.find((r) => typeof r.properties?.addressPrefix === "string" && canonicalDestination(r.properties.addressPrefix) === canonicalDestination(prefix));
      if (!found) {
        observed.routes[routeKey(route.routeTableId, prefix)] = null;
        continue;
      }
      const hop = found.properties?.nextHopIpAddress as string | undefined;
      const type = String(found.properties?.nextHopType ?? "None");
      const owner = (["a", "b"] as const).find((n) => type === "VirtualAppliance" && config.nodes[n].interfaces[route.nextHop.role]?.privateIp === hop);
      observed.routes[routeKey(route.routeTableId, prefix)] = {
        networkInterfaceId: owner ? config.nodes[owner].interfaces[route.nextHop.role]!.id : null,
        target: hop ? `${type} ${hop}` : type,
        state: String(found.properties?.provisioningState ?? "Succeeded"),
      };
    }
  }
  return observed;
}

export { nicOfIpConfiguration };
