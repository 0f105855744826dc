/**
 * IP forwarding on a routing NIC the stack does NOT own (Azure's counterpart of
 * SourceDestCheckOff). A NIC created in the same program gets `enableIPForwarding: true` in its
 * own args (the component checks them at preview). Adopting an existing NIC as a
 * network.NetworkInterface would make the stack its owner (a destroy would delete the node's NIC,
 * and its declared ipConfigurations would fight the agent after every failover), so this dynamic
 * resource owns only the one property:
 * - create/update: GET the NIC, and when forwarding is off PUT the same body (every other property
 *   kept) with enableIPForwarding true and If-Match; read it back and fail unless it is on;
 * - read (`pulumi refresh`): the live value, so forwarding turned off shows as drift;
 * - delete: nothing. Deleting the resource is not a request to break the pair (a rename without
 *   an alias creates the new one and deletes the old one): forwarding is never turned off here.
 * The caller needs Microsoft.Network/networkInterfaces/read and /write on the NIC.
 */
import * as pulumi from "@pulumi/pulumi";
import { ARM_SCOPE, armFailure, hostArmRequest, type ArmRequest } from "./arm-client.js";

export const NIC_API_VERSION = "2024-05-01";

export interface IpForwardingInputs {
  networkInterfaceId: string;
  /** ARM endpoint (default https://management.azure.com; the simulated ARM in tests). */
  armEndpoint?: string;
}

export interface IpForwardingOutputs extends IpForwardingInputs {
  enableIPForwarding: boolean;
  /** What the NIC had before the first change (reported, never restored). */
  previousEnableIPForwarding: boolean;
}

export function ipForwardingOperations(request: ArmRequest) {
  const url = (i: IpForwardingInputs) => `${(i.armEndpoint ?? "https://management.azure.com").replace(/\/+$/, "")}${i.networkInterfaceId}?api-version=${NIC_API_VERSION}`;
  const get = async (i: IpForwardingInputs) => {
    const answer = await request("GET", url(i), { scope: ARM_SCOPE });
    if (answer.status !== 200) throw armFailure(`IP forwarding on ${i.networkInterfaceId}: read the NIC`, answer);
    return answer;
  };
  const turnOn = async (i: IpForwardingInputs): Promise<IpForwardingOutputs> => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await get(i);
      const nic = current.body as { etag?: string; properties?: Record<string, unknown> };
      const previous = nic.properties?.enableIPForwarding === true;
      if (previous) return { ...i, enableIPForwarding: true, previousEnableIPForwarding: true };
      const body = { ...nic, properties: { ...nic.properties, enableIPForwarding: true } };
      const etag = current.etag ?? nic.etag;
      const put = await request("PUT", url(i), { scope: ARM_SCOPE, body, headers: etag ? { "If-Match": etag } : {} });
      // Someone else changed the NIC between our GET and PUT (or an operation is in flight): read it again.
      if (put.status === 412 || put.status === 409 || put.status === 429) {
        await new Promise((r) => setTimeout(r, 2_000 * (attempt + 1)));
        continue;
      }
      if (put.status !== 200 && put.status !== 201) throw armFailure(`IP forwarding on ${i.networkInterfaceId}: update the NIC`, put);
      for (let poll = 0; poll < 120; poll++) {
        const after = (await get(i)).body as { properties?: { enableIPForwarding?: boolean; provisioningState?: string } };
        if (after.properties?.provisioningState !== "Updating") {
          if (after.properties?.enableIPForwarding !== true) throw new Error(`IP forwarding on ${i.networkInterfaceId}: still off after the update (provisioningState ${after.properties?.provisioningState}); check the NIC in the portal`);
          return { ...i, enableIPForwarding: true, previousEnableIPForwarding: false };
        }
        await new Promise((r) => setTimeout(r, 1_000));
      }
      throw new Error(`IP forwarding on ${i.networkInterfaceId}: the NIC update did not finish in 2 minutes; run pulumi up again`);
    }
    throw new Error(`IP forwarding on ${i.networkInterfaceId}: the NIC kept changing under us (5 conflicting writes); run pulumi up again`);
  };
  return {
    create: async (inputs: IpForwardingInputs) => {
      const outs = await turnOn(inputs);
      return { id: `${inputs.networkInterfaceId}/ipForwarding`, outs };
    },
    update: async (olds: IpForwardingOutputs, news: IpForwardingInputs) => {
      const outs = await turnOn(news);
      return { outs: { ...outs, previousEnableIPForwarding: olds.previousEnableIPForwarding } };
    },
    read: async (id: string, props: IpForwardingOutputs) => {
      const nic = (await get(props)).body as { properties?: { enableIPForwarding?: boolean } };
      return { id, props: { ...props, enableIPForwarding: nic.properties?.enableIPForwarding === true } };
    },
    /** Never turns forwarding off (see above). */
    delete: async (_props: IpForwardingOutputs) => undefined,
  };
}

export const ipForwardingProvider: pulumi.dynamic.ResourceProvider<IpForwardingInputs, IpForwardingOutputs> = {
  async diff(_id, olds, news) {
    const replaces = olds.networkInterfaceId !== news.networkInterfaceId ? ["networkInterfaceId"] : [];
    // A refresh that found forwarding off is a change to make, not a state to accept.
    return { changes: replaces.length > 0 || olds.enableIPForwarding !== true || olds.armEndpoint !== news.armEndpoint, replaces };
  },
  async create(inputs) {
    return ipForwardingOperations(hostArmRequest()).create(inputs);
  },
  async update(_id, olds, news) {
    return ipForwardingOperations(hostArmRequest()).update(olds, news);
  },
  async read(id, props) {
    return ipForwardingOperations(hostArmRequest()).read(id, props as IpForwardingOutputs);
  },
  async delete() {
    // Nothing: forwarding stays on (see above).
  },
};

export interface AzureIpForwardingOnArgs {
  networkInterfaceId: pulumi.Input<string>;
  armEndpoint?: pulumi.Input<string | undefined>;
}

/** Turns IP forwarding on on an existing NIC without owning the NIC, and never turns it off. */
export class AzureIpForwardingOn extends pulumi.dynamic.Resource {
  declare readonly networkInterfaceId: pulumi.Output<string>;
  declare readonly enableIPForwarding: pulumi.Output<boolean>;
  declare readonly previousEnableIPForwarding: pulumi.Output<boolean>;

  constructor(name: string, args: AzureIpForwardingOnArgs, opts?: pulumi.CustomResourceOptions) {
    super(ipForwardingProvider, name, { enableIPForwarding: undefined, previousEnableIPForwarding: undefined, ...args }, opts, "ha-pair", "AzureIpForwardingOn");
  }
}
