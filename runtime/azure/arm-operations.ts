/**
 * The two Azure operations, each a read-modify-write from a fresh GET with If-Match, retried as
 * a whole (so a 412 re-reads and recomputes) under the failover deadline.
 */
import { HaPairError } from "../core/errors.js";
import type { MoveIpConfigurationsOperation, UpdateRouteTableOperation } from "../core/operations.js";
import { canonicalDestination } from "../config/semantics.js";
import type { ArmJson, Json } from "./arm.js";
import { withArmRetries } from "./retry.js";
import { sameResource } from "./resource-id.js";

export interface StepOptions {
  signal: AbortSignal;
  requestMs: number;
  pollMs: number;
  /** Each HTTP exchange of an operation, for the timeline (GET, PUT, polls). */
  onStep?: (step: { action: string; target: string; ms: number; ok: boolean; errorCode?: string }) => void;
}

type RouteJson = { name?: string; properties?: { addressPrefix?: string; nextHopType?: string; nextHopIpAddress?: string } };
type IpConfigJson = { name?: string; id?: string; properties?: { privateIPAddress?: string; primary?: boolean; subnet?: { id?: string }; publicIPAddress?: { id?: string } } & Json };

const props = (resource: Json): Json => (resource.properties ??= {}) as Json;

/**
 * Point the table's routes at the active node: one PUT of the whole table (its other routes,
 * subnets, tags, BGP setting untouched), skipped when every route already points there.
 */
export async function updateRouteTable(arm: ArmJson, op: UpdateRouteTableOperation, options: StepOptions): Promise<{ attempts: number }> {
  const { attempts } = await withArmRetries({ action: "update route table", resource: op.routeTableId }, options.signal, async () => {
    const table = await arm.get(op.routeTableId, options);
    const routes = (props(table).routes ?? []) as RouteJson[];
    let changed = false;
    for (const want of op.routes) {
      const route = routes.find((r) => r.properties?.addressPrefix !== undefined && canonicalDestination(r.properties.addressPrefix) === canonicalDestination(want.addressPrefix));
      if (!route) {
        throw new HaPairError({
          code: "RouteNotFound",
          errorClass: "permanent",
          message: `Route table ${op.routeTableId} has no route for ${want.addressPrefix}; the agent moves routes, it does not create them.`,
          resource: op.routeTableId,
          fix: `Add the route ${want.addressPrefix} to ${op.routeTableId} (the stack creates it), or correct routes[].addressPrefixes in the config.`,
        });
      }
      const properties = (route.properties ??= {});
      if (properties.nextHopType === "VirtualAppliance" && properties.nextHopIpAddress === want.nextHopIpAddress) continue;
      properties.nextHopType = "VirtualAppliance";
      properties.nextHopIpAddress = want.nextHopIpAddress;
      changed = true;
    }
    if (!changed) return;
    await arm.putAndWait(op.routeTableId, table, etagOf(table), options);
  });
  return { attempts };
}

/**
 * Move ipConfigurations between the NICs of a role: the giving NIC first (PUT without them, wait
 * for Succeeded: Azure refuses an IP on two NICs), then the receiving NIC (PUT with them appended
 * in the receiving NIC's subnet, each with its public IP). Every other property of both NICs is
 * sent back exactly as read. A NIC never loses its primary ipConfiguration: a moving
 * ipConfiguration that is primary on the giving NIC stops the move.
 */
export async function moveIpConfigurations(arm: ArmJson, op: MoveIpConfigurationsOperation, options: StepOptions): Promise<{ attempts: number }> {
  const give = await withArmRetries({ action: "remove ipConfigurations from network interface", resource: op.fromNetworkInterfaceId }, options.signal, async () => {
    const nic = await arm.get(op.fromNetworkInterfaceId, options);
    const configs = (props(nic).ipConfigurations ?? []) as IpConfigJson[];
    const moving = (c: IpConfigJson) => op.ipConfigurations.some((m) => m.name.toLowerCase() === c.name?.toLowerCase() || m.privateIp === c.properties?.privateIPAddress);
    const leaving = configs.filter(moving);
    if (leaving.length === 0) {
      // Already without them — but an update still in flight (a run that died after its PUT)
      // keeps the IPs allocated until it ends: the receiving NIC would get PrivateIPAddressInUse.
      const state = props(nic).provisioningState;
      if (state !== undefined && state !== "Succeeded") {
        throw new HaPairError({
          code: "AnotherOperationInProgress",
          errorClass: "transient",
          message: `${op.fromNetworkInterfaceId} is ${String(state)}: its earlier update must end before the IPs it released are free.`,
          resource: op.fromNetworkInterfaceId,
        });
      }
      return;
    }
    const primary = leaving.find((c) => c.properties?.primary === true);
    if (primary) {
      throw new HaPairError({
        code: "IpConfigurationPrimary",
        errorClass: "permanent",
        message: `ipConfiguration ${primary.name} (${primary.properties?.privateIPAddress}) is the primary of ${op.fromNetworkInterfaceId}; a NIC keeps its primary ipConfiguration, so it cannot move.`,
        resource: op.fromNetworkInterfaceId,
        fix: "Move a secondary ipConfiguration instead: give the floating IP its own ipConfiguration on the NIC and name that one in addresses.ipConfigurations.",
      });
    }
    props(nic).ipConfigurations = configs.filter((c) => !moving(c));
    await arm.putAndWait(op.fromNetworkInterfaceId, nic, etagOf(nic), options);
  });
  const take = await withArmRetries({ action: "add ipConfigurations to network interface", resource: op.toNetworkInterfaceId }, options.signal, async () => {
    const nic = await arm.get(op.toNetworkInterfaceId, options);
    const configs = (props(nic).ipConfigurations ?? []) as IpConfigJson[];
    const subnet = configs.find((c) => c.properties?.primary === true)?.properties?.subnet ?? configs[0]?.properties?.subnet;
    if (!subnet?.id) {
      throw new HaPairError({ code: "InvalidIPConfigCount", errorClass: "permanent", message: `${op.toNetworkInterfaceId} has no ipConfiguration with a subnet to add the moving ones to.`, resource: op.toNetworkInterfaceId });
    }
    let changed = false;
    for (const want of op.ipConfigurations) {
      const have = configs.find((c) => c.name?.toLowerCase() === want.name.toLowerCase());
      if (have) {
        const p = (have.properties ??= {});
        if (p.privateIPAddress === want.privateIp && (want.publicIpAddressId === undefined || sameResource(p.publicIPAddress?.id, want.publicIpAddressId))) continue;
        p.privateIPAddress = want.privateIp;
        p.privateIPAllocationMethod = "Static";
        if (want.publicIpAddressId) p.publicIPAddress = { id: want.publicIpAddressId };
      } else {
        configs.push({
          name: want.name,
          properties: {
            privateIPAddress: want.privateIp,
            privateIPAllocationMethod: "Static",
            privateIPAddressVersion: "IPv4",
            primary: false,
            subnet: { id: subnet.id },
            ...(want.publicIpAddressId ? { publicIPAddress: { id: want.publicIpAddressId } } : {}),
          },
        });
      }
      changed = true;
    }
    if (!changed) return;
    props(nic).ipConfigurations = configs;
    await arm.putAndWait(op.toNetworkInterfaceId, nic, etagOf(nic), options);
  });
  return { attempts: give.attempts + take.attempts };
}

function etagOf(resource: Json): string | undefined {
  return typeof resource.etag === "string" ? resource.etag : undefined;
}
