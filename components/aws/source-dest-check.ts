/**
 * Source/destination check off on a routing interface the stack does NOT own.
 *
 * An interface created in the same program gets `sourceDestCheck: false` in its own args (the
 * component checks it). For an existing interface, adopting it as an `aws.ec2.NetworkInterface`
 * would make the stack its owner: a `pulumi destroy` (or a replacement) would delete the node's
 * interface, and its declared private IPs would fight the agent after every failover. Instead
 * this dynamic resource owns only the one attribute:
 * - create/update: read the current value (DescribeNetworkInterfaces), remember it, call
 *   ModifyNetworkInterfaceAttribute(SourceDestCheck=false), read it back and fail unless it is off;
 * - read (`pulumi refresh`): the live value, so a check turned back on shows as drift and the
 *   next `pulumi up` turns it off again;
 * - delete: restore the value found at create (an interface already gone is fine).
 *
 * The operator's credentials need ec2:DescribeNetworkInterfaces and
 * ec2:ModifyNetworkInterfaceAttribute. The provider runs in Pulumi's dynamic-provider host, a
 * separate process: it uses the SDK's default credential chain, the `aws:profile` of the stack
 * if set, and the Region passed in.
 *
 * Everything the provider's methods use is inside them or in `sourceDestCheckOperations`
 * (Pulumi serializes them into the stack's state; a captured ESM import would not serialize),
 * and the SDK is loaded with `require` in the provider host.
 */
import * as pulumi from "@pulumi/pulumi";

export interface SourceDestCheckInputs {
  networkInterfaceId: string;
  region: string;
  /** Endpoint override (tests against the simulated cloud); the SDK default otherwise. */
  endpoint?: string;
}

export interface SourceDestCheckOutputs extends SourceDestCheckInputs {
  /** Always false once created. */
  sourceDestCheck: boolean;
  /** The value found before the first change, restored on delete. */
  previousSourceDestCheck: boolean;
}

/** The slice of @aws-sdk/client-ec2 the operations use (passed in so tests can give the real module). */
export interface Ec2Sdk {
  EC2Client: new (config: Record<string, unknown>) => { send(command: unknown): Promise<any>; destroy(): void };
  DescribeNetworkInterfacesCommand: new (input: Record<string, unknown>) => unknown;
  ModifyNetworkInterfaceAttributeCommand: new (input: Record<string, unknown>) => unknown;
}

/** The CRUD logic, free of captured imports (see above). */
export function sourceDestCheckOperations(sdk: Ec2Sdk, profile?: string) {
  const client = (inputs: SourceDestCheckInputs) =>
    new sdk.EC2Client({ region: inputs.region, ...(inputs.endpoint ? { endpoint: inputs.endpoint } : {}), ...(profile ? { profile } : {}) });
  const current = async (ec2: ReturnType<typeof client>, id: string): Promise<boolean | undefined> => {
    try {
      const answer = await ec2.send(new sdk.DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [id] }));
      const found = (answer.NetworkInterfaces ?? [])[0];
      return found ? found.SourceDestCheck !== false : undefined;
    } catch (err) {
      if ((err as { name?: string }).name === "InvalidNetworkInterfaceID.NotFound") return undefined;
      throw err;
    }
  };
  const set = async (ec2: ReturnType<typeof client>, id: string, value: boolean) => {
    await ec2.send(new sdk.ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: id, SourceDestCheck: { Value: value } }));
  };
  const turnOff = async (inputs: SourceDestCheckInputs, previous: boolean | undefined): Promise<SourceDestCheckOutputs> => {
    const ec2 = client(inputs);
    try {
      const before = await current(ec2, inputs.networkInterfaceId);
      if (before === undefined) throw new Error(`network interface ${inputs.networkInterfaceId} does not exist in ${inputs.region}; check the interface IDs given to AwsHaPair`);
      if (before) await set(ec2, inputs.networkInterfaceId, false);
      const after = await current(ec2, inputs.networkInterfaceId);
      if (after !== false) {
        throw new Error(`source/destination check of ${inputs.networkInterfaceId} is still on after ModifyNetworkInterfaceAttribute; a routing interface must have it off`);
      }
      return { ...inputs, sourceDestCheck: false, previousSourceDestCheck: previous ?? before };
    } finally {
      ec2.destroy();
    }
  };
  return {
    create: async (inputs: SourceDestCheckInputs) => {
      const outs = await turnOff(inputs, undefined);
      return { id: `${inputs.networkInterfaceId}/source-dest-check`, outs };
    },
    update: async (olds: SourceDestCheckOutputs, news: SourceDestCheckInputs) => ({ outs: await turnOff(news, olds.previousSourceDestCheck) }),
    read: async (id: string, props: SourceDestCheckOutputs) => {
      const ec2 = client(props);
      try {
        const now = await current(ec2, props.networkInterfaceId);
        return { id, props: { ...props, sourceDestCheck: now ?? true } };
      } finally {
        ec2.destroy();
      }
    },
    delete: async (props: SourceDestCheckOutputs) => {
      if (props.previousSourceDestCheck !== true) return;
      const ec2 = client(props);
      try {
        if ((await current(ec2, props.networkInterfaceId)) !== undefined) await set(ec2, props.networkInterfaceId, true);
      } finally {
        ec2.destroy();
      }
    },
  };
}

interface ProviderState {
  profile?: string;
}

export const sourceDestCheckProvider: pulumi.dynamic.ResourceProvider<SourceDestCheckInputs, SourceDestCheckOutputs> & ProviderState = {
  async configure(this: ProviderState, request) {
    this.profile = request.config.get("aws:profile");
  },
  async diff(_id, olds, news) {
    const replaces = ["networkInterfaceId", "region"].filter((key) => olds[key as keyof SourceDestCheckInputs] !== news[key as keyof SourceDestCheckInputs]);
    // A refresh that found the check back on is a change to make, not a state to accept.
    const changes = replaces.length > 0 || olds.sourceDestCheck !== false || olds.endpoint !== news.endpoint;
    return { changes, replaces, deleteBeforeReplace: true };
  },
  async create(this: ProviderState, inputs) {
    return sourceDestCheckOperations(require("@aws-sdk/client-ec2"), this.profile).create(inputs);
  },
  async update(this: ProviderState, _id, olds, news) {
    return sourceDestCheckOperations(require("@aws-sdk/client-ec2"), this.profile).update(olds, news);
  },
  async read(this: ProviderState, id, props) {
    return sourceDestCheckOperations(require("@aws-sdk/client-ec2"), this.profile).read(id, props as SourceDestCheckOutputs);
  },
  async delete(this: ProviderState, _id, props) {
    await sourceDestCheckOperations(require("@aws-sdk/client-ec2"), this.profile).delete(props);
  },
};

export interface SourceDestCheckOffArgs {
  networkInterfaceId: pulumi.Input<string>;
  region: pulumi.Input<string>;
  endpoint?: pulumi.Input<string>;
}

/** Turns source/dest check off on an existing interface without owning the interface. */
export class SourceDestCheckOff extends pulumi.dynamic.Resource {
  declare readonly networkInterfaceId: pulumi.Output<string>;
  declare readonly sourceDestCheck: pulumi.Output<boolean>;
  declare readonly previousSourceDestCheck: pulumi.Output<boolean>;

  constructor(name: string, args: SourceDestCheckOffArgs, opts?: pulumi.CustomResourceOptions) {
    super(sourceDestCheckProvider, name, { sourceDestCheck: undefined, previousSourceDestCheck: undefined, ...args }, opts, "ha-pair", "SourceDestCheckOff");
  }
}
