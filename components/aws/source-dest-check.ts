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
 * - delete: by default nothing. Deleting the resource is not a request to break the pair: a
 *   rename without an alias creates the new resource and then deletes the old one, and a restore
 *   would leave the routing interface with the check on, dropping the traffic through the pair.
 *   `restoreOnDelete: true` (explicit opt-in) restores the value found at create.
 *
 * Credentials: the provider runs in Pulumi's dynamic-provider host, a separate process that knows
 * nothing of the program's `aws.Provider`. The component passes that provider's non-secret
 * settings — Region, profile, the role to assume (ARN, session name, external ID) and endpoint
 * overrides — as inputs, and the provider resolves credentials from them with the AWS SDK's own
 * credential providers (the default chain or the named profile, then STS AssumeRole). No
 * credential (key, secret, session token) ever enters the inputs or the state.
 * The caller needs ec2:DescribeNetworkInterfaces and ec2:ModifyNetworkInterfaceAttribute.
 *
 * Everything the provider's methods use is inside them or in `sourceDestCheckOperations`
 * (Pulumi serializes them into the stack's state; a captured ESM import would not serialize),
 * and the SDK is loaded with `require` in the provider host.
 */
import * as pulumi from "@pulumi/pulumi";

/** The role to assume before calling EC2 (an `aws.Provider`'s `assumeRoles[0]`, without its credentials). */
export interface AssumeRoleSettings {
  roleArn: string;
  sessionName?: string;
  /** Not a secret (AWS: a value the role's owner agreed with the caller). */
  externalId?: string;
}

export interface SourceDestCheckInputs {
  networkInterfaceId: string;
  region: string;
  /** EC2 endpoint override (the provider's `endpoints[].ec2`, tests against the simulated cloud); the SDK default otherwise. */
  endpoint?: string;
  /** STS endpoint override for AssumeRole (the provider's `endpoints[].sts`). */
  stsEndpoint?: string;
  /** Shared-config profile of the base credentials (the provider's `profile`); the SDK default chain otherwise. */
  profile?: string;
  assumeRole?: AssumeRoleSettings;
  /** Turn the check back on (to the value found at create) when the resource is deleted. Default false. */
  restoreOnDelete?: boolean;
}

export interface SourceDestCheckOutputs extends SourceDestCheckInputs {
  /** Always false once created. */
  sourceDestCheck: boolean;
  /** The value found before the first change (restored on delete only with restoreOnDelete). */
  previousSourceDestCheck: boolean;
}

/** The slice of @aws-sdk/client-ec2 the operations use (passed in so tests can give the real module). */
export interface Ec2Sdk {
  EC2Client: new (config: Record<string, unknown>) => { send(command: unknown): Promise<any>; destroy(): void };
  DescribeNetworkInterfacesCommand: new (input: Record<string, unknown>) => unknown;
  ModifyNetworkInterfaceAttributeCommand: new (input: Record<string, unknown>) => unknown;
}

/** The slice of an STS client module the operations use (@aws-sdk/client-sts, or the SDK's own nested STS client). */
export interface StsSdk {
  STSClient: new (config: Record<string, unknown>) => { send(command: unknown): Promise<any>; destroy(): void };
  AssumeRoleCommand: new (input: Record<string, unknown>) => unknown;
}

/** How the operations reach AWS: the SDK modules and, for the default provider, the stack's `aws:profile`. */
export interface SourceDestCheckContext {
  /** Needed only when an input names a role to assume. */
  sts?: StsSdk;
  /**
   * The SDK's default credential chain (@aws-sdk/credential-provider-node's defaultProvider),
   * for a named profile or none: the base credentials of AssumeRole (the STS client the SDK
   * ships has no chain of its own). Without it, clients use their `profile` option and built-in chain.
   */
  credentialChain?: (init: { profile?: string }) => unknown;
  /** `aws:profile` of the stack, used when the inputs name no profile (the default provider). */
  stackProfile?: string;
}

interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** The session name AssumeRole gets when the provider names none. */
export const DEFAULT_ASSUME_ROLE_SESSION = "ha-pair-source-dest-check";

/** The CRUD logic, free of captured imports (see above). */
export function sourceDestCheckOperations(sdk: Ec2Sdk, context: SourceDestCheckContext = {}) {
  const baseCredentials = (profile: string | undefined) => {
    if (context.credentialChain) return { credentials: context.credentialChain(profile !== undefined ? { profile } : {}) };
    return profile !== undefined ? { profile } : {};
  };
  const assumedCredentials = (inputs: SourceDestCheckInputs, role: AssumeRoleSettings) => {
    if (!context.sts) throw new Error(`SourceDestCheckOff of ${inputs.networkInterfaceId}: no STS client available to assume ${role.roleArn}`);
    const sts = context.sts;
    let cached: TemporaryCredentials | undefined;
    return async () => {
      if (cached && (cached.expiration === undefined || cached.expiration.getTime() - Date.now() > 60_000)) return cached;
      const client = new sts.STSClient({
        region: inputs.region,
        ...(inputs.stsEndpoint ? { endpoint: inputs.stsEndpoint } : {}),
        ...baseCredentials(inputs.profile ?? context.stackProfile),
      });
      try {
        const answer = await client.send(
          new sts.AssumeRoleCommand({
            RoleArn: role.roleArn,
            RoleSessionName: role.sessionName ?? DEFAULT_ASSUME_ROLE_SESSION,
            ...(role.externalId !== undefined ? { ExternalId: role.externalId } : {}),
          }),
        );
        const c = answer.Credentials;
        if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`STS AssumeRole of ${role.roleArn} returned no credentials`);
        cached = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, ...(c.Expiration ? { expiration: new Date(c.Expiration) } : {}) };
        return cached;
      } catch (err) {
        throw new Error(`SourceDestCheckOff of ${inputs.networkInterfaceId}: could not assume ${role.roleArn} (the role of the component's aws.Provider): ${(err as Error).message}`);
      } finally {
        client.destroy();
      }
    };
  };
  const client = (inputs: SourceDestCheckInputs) =>
    new sdk.EC2Client({
      region: inputs.region,
      ...(inputs.endpoint ? { endpoint: inputs.endpoint } : {}),
      ...(inputs.assumeRole ? { credentials: assumedCredentials(inputs, inputs.assumeRole) } : baseCredentials(inputs.profile ?? context.stackProfile)),
    });
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
      // Leave the attribute as it is unless restoring was asked for (see the module comment).
      if (props.restoreOnDelete !== true || props.previousSourceDestCheck !== true) return;
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

/** The operations with the SDK modules of the provider host (loaded there, never captured). */
function hostOperations(stackProfile: string | undefined) {
  const loadSts = (): StsSdk | undefined => {
    for (const name of ["@aws-sdk/client-sts", "@aws-sdk/nested-clients/sts"]) {
      try {
        return require(name) as StsSdk;
      } catch {
        // try the next one
      }
    }
    return undefined;
  };
  return sourceDestCheckOperations(require("@aws-sdk/client-ec2"), {
    sts: loadSts(),
    credentialChain: require("@aws-sdk/credential-provider-node").defaultProvider,
    ...(stackProfile !== undefined ? { stackProfile } : {}),
  });
}

/** Settings whose change points the resource at another interface or account: a replacement. */
const REPLACING_INPUTS = ["networkInterfaceId", "region"] as const;

export const sourceDestCheckProvider: pulumi.dynamic.ResourceProvider<SourceDestCheckInputs, SourceDestCheckOutputs> & ProviderState = {
  async configure(this: ProviderState, request) {
    this.profile = request.config.get("aws:profile");
  },
  async diff(_id, olds, news) {
    const replaces = REPLACING_INPUTS.filter((key) => olds[key] !== news[key]);
    const settings = (i: SourceDestCheckInputs) => JSON.stringify([i.endpoint, i.stsEndpoint, i.profile, i.assumeRole, i.restoreOnDelete ?? false]);
    // A refresh that found the check back on is a change to make, not a state to accept.
    const changes = replaces.length > 0 || olds.sourceDestCheck !== false || settings(olds) !== settings(news);
    return { changes, replaces: [...replaces], deleteBeforeReplace: true };
  },
  async create(this: ProviderState, inputs) {
    return hostOperations(this.profile).create(inputs);
  },
  async update(this: ProviderState, _id, olds, news) {
    return hostOperations(this.profile).update(olds, news);
  },
  async read(this: ProviderState, id, props) {
    return hostOperations(this.profile).read(id, props as SourceDestCheckOutputs);
  },
  async delete(this: ProviderState, _id, props) {
    await hostOperations(this.profile).delete(props);
  },
};

export interface SourceDestCheckOffArgs {
  networkInterfaceId: pulumi.Input<string>;
  region: pulumi.Input<string>;
  endpoint?: pulumi.Input<string | undefined>;
  stsEndpoint?: pulumi.Input<string | undefined>;
  profile?: pulumi.Input<string | undefined>;
  assumeRole?: pulumi.Input<AssumeRoleSettings | undefined>;
  /** Turn the check back on when this resource is deleted (default false: leave it off). */
  restoreOnDelete?: pulumi.Input<boolean>;
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
