/**
 * A reusable Pulumi mock harness: run a program (a component, a whole stack) under
 * pulumi.runtime.setMocks, with no engine and no cloud, and see every resource it registers —
 * type, name, inputs, parent, resource options, and the realistic ID/ARN/state the mock
 * "cloud" gave it — so tests can assert on them, and an end-to-end test can seed the simulated
 * cloud with exactly the declared resources.
 *
 * IDs look like EC2's (eni-/i-/eipalloc-/rtb-/vpc-/subnet-/sg-/vpce- + 17 hex digits),
 * deterministic per resource name; ARNs carry the account and Region; private IPs and CIDRs come
 * from the inputs (an interface without a private IP gets the next free host of its subnet).
 *
 * Run as `pulumi up` by default. As `pulumi preview` (`preview: true`) the mock cloud answers as
 * the engine does for resources to be created: the ID and every output the cloud computes are
 * unknown; only the inputs (and the provider's schema defaults) are known.
 */
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import { azureClientConfig, azureCloudState, MOCK_SUBSCRIPTION } from "./azure-mocks.js";

export const MOCK_ACCOUNT = "123456789012";
export const MOCK_REGION = "us-east-1";

export interface RegisteredResource {
  type: string;
  name: string;
  urn: string;
  /** URN of the parent (the stack's root has none). */
  parent?: string;
  custom: boolean;
  /** The inputs as the program gave them (Outputs resolved). */
  inputs: Record<string, any>;
  /** The outputs the mock cloud returned (inputs plus computed fields). */
  state: Record<string, any>;
  id?: string;
  ignoreChanges: string[];
  /** URNs of explicit and input dependencies. */
  dependencies: string[];
  /** Per input property, the URNs it depends on (what the engine hands policies as propertyDependencies). */
  propertyDependencies: Record<string, string[]>;
  /** Resource options as sent to the engine. */
  protect?: boolean;
  retainOnDelete?: boolean;
  /** Alias URNs the SDK computed (only with MockCloudOptions.aliasSpecs false, as for an engine without alias specs). */
  aliasUrns: string[];
  /** What a component registered with registerOutputs (plain values). */
  outputs?: Record<string, any>;
  /** The `import` resource option (the ID adopted), when set. */
  importId?: string;
}

export interface InvokeRecord {
  token: string;
  inputs: Record<string, any>;
  /** The provider reference (URN::ID) the invoke was sent with, when not the default provider. */
  provider?: string;
}

export interface MockCloudOptions {
  region?: string;
  accountId?: string;
  /** The Azure subscription of azure-native resources (default MOCK_SUBSCRIPTION). */
  subscriptionId?: string;
  /** Run as `pulumi preview` (unknown IDs and computed outputs) or as `pulumi up` (the default). */
  preview?: boolean;
  /** Collect the program's warnings (pulumi.log.warn) in `warnings` instead of printing them; finish() restores the console. */
  captureWarnings?: boolean;
  /** Existing resources the program looks up by ID (data sources). */
  existing?: {
    vpcs?: Record<string, { cidrBlock?: string; enableDnsSupport?: boolean; enableDnsHostnames?: boolean }>;
    networkInterfaces?: Record<string, { privateIp: string; subnetId?: string; sourceDestCheck?: boolean }>;
    vpcEndpoints?: Record<string, { dnsEntries: { dnsName: string; hostedZoneId: string }[] }>;
  };
  /**
   * Collect the errors the program fails with (an apply that throws into a resource's inputs
   * rejects that registration, which the engine reports as the program's failure) instead of
   * letting them reach the test runner as unhandled rejections. Only for tests that expect the
   * program to fail; call finish() to get them and restore the runner's handlers.
   */
  captureProgramErrors?: boolean;
  /**
   * Whether the mock engine takes alias specs (the default, as today's engine: it derives the
   * children's aliases from their parent's itself). False makes the SDK compute every child's
   * alias URNs from its parent's aliases (its documented fallback for older engines), so a test
   * can see where a renamed component's children would be found.
   */
  aliasSpecs?: boolean;
  /** Override or add invoke answers by token. */
  calls?: Record<string, (inputs: Record<string, any>) => Record<string, any>>;
}

const ID_PREFIX: Record<string, string> = {
  "aws:ec2/vpc:Vpc": "vpc",
  "aws:ec2/subnet:Subnet": "subnet",
  "aws:ec2/networkInterface:NetworkInterface": "eni",
  "aws:ec2/instance:Instance": "i",
  "aws:ec2/eip:Eip": "eipalloc",
  "aws:ec2/routeTable:RouteTable": "rtb",
  "aws:ec2/internetGateway:InternetGateway": "igw",
  "aws:ec2/securityGroup:SecurityGroup": "sg",
  "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
  "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc",
  "aws:ec2/networkInterfaceAttachment:NetworkInterfaceAttachment": "eni-attach",
};

const ARN_TYPE: Record<string, string> = {
  vpc: "vpc",
  subnet: "subnet",
  eni: "network-interface",
  i: "instance",
  eipalloc: "elastic-ip",
  rtb: "route-table",
  igw: "internet-gateway",
  sg: "security-group",
  vpce: "vpc-endpoint",
};

/** Outputs the provider fills from its schema defaults (known at preview), not from the cloud. */
const DEFAULTS_KNOWN_AT_PREVIEW: Record<string, string[]> = {
  "aws:ec2/networkInterface:NetworkInterface": ["sourceDestCheck"],
  "aws:ec2/vpc:Vpc": ["enableDnsSupport"],
  "aws:ec2/subnet:Subnet": ["mapPublicIpOnLaunch"],
  // Auto-names: the provider's Check picks them, before the preview shows the plan.
  "aws:iam/role:Role": ["name"],
  "aws:iam/instanceProfile:InstanceProfile": ["name"],
};

const hex = (seed: string, length: number) => createHash("sha256").update(seed).digest("hex").slice(0, length);

/** An EC2-style ID: prefix-0 + 16 hex digits (17 in all), deterministic per seed. */
export function ec2Id(prefix: string, seed: string): string {
  return `${prefix}-0${hex(`${prefix}:${seed}`, 16)}`;
}

function ipv4ToInt(ip: string): number {
  return ip.split(".").reduce((acc, octet) => acc * 256 + Number(octet), 0);
}
function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** Resolve an Input, rejecting with the error of any apply on the way (unknown in preview: undefined). */
export async function resolve<T>(value: pulumi.Input<T>): Promise<T> {
  return (pulumi.output(value) as unknown as { promise(): Promise<T> }).promise();
}

/** A deserialized value with the SDK's unknown markers replaced by the engine's wire sentinel. */
function onTheWire(value: unknown): unknown {
  if (pulumi.isUnknown(value)) return pulumi.runtime.unknownValue;
  if (Array.isArray(value)) return value.map(onTheWire);
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, onTheWire(v)]));
  }
  return value;
}

function propertyDependenciesOf(req: any): Record<string, string[]> {
  const map = req.getPropertydependenciesMap?.();
  if (!map) return {};
  const result: Record<string, string[]> = {};
  map.forEach((deps: { getUrnsList(): string[] }, key: string) => {
    result[key] = deps.getUrnsList();
  });
  return result;
}

export class PulumiMockHarness {
  readonly resources: RegisteredResource[] = [];
  readonly invokes: InvokeRecord[] = [];
  /** Invokes the mock cloud could not answer (an existing resource missing from MockCloudOptions.existing). */
  readonly invokeErrors: string[] = [];
  readonly region: string;
  readonly accountId: string;
  private readonly options: MockCloudOptions;
  private readonly pendingMeta = new Map<string, Pick<RegisteredResource, "parent" | "ignoreChanges" | "dependencies" | "propertyDependencies" | "protect" | "retainOnDelete" | "aliasUrns" | "importId">>();
  private readonly hostsUsed = new Map<string, number>();
  /** With captureProgramErrors: what the program failed with, in order. */
  readonly programErrors: Error[] = [];
  private savedListeners: NodeJS.UnhandledRejectionListener[] | undefined;
  /** With captureWarnings: the program's warnings, in order. */
  readonly warnings: string[] = [];
  private savedWarn: typeof console.warn | undefined;

  constructor(options: MockCloudOptions = {}) {
    this.options = options;
    this.region = options.region ?? MOCK_REGION;
    this.accountId = options.accountId ?? MOCK_ACCOUNT;
  }

  /** Install the mocks (fresh: nothing registered before counts) and run the program. */
  async run<T>(program: () => T | Promise<T>): Promise<T> {
    await pulumi.runtime.setMocks(
      { newResource: (args) => this.newResource(args), call: (args) => this.call(args) },
      "ha-pair-test",
      "test",
      this.options.preview ?? false,
    );
    if (this.options.captureWarnings && !this.savedWarn) {
      this.savedWarn = console.warn;
      // Without an engine, pulumi.log.warn prints "warning: [runtime] <message>" to the console.
      console.warn = (...args: unknown[]) => void this.warnings.push(args.map(String).join(" ").replace(/^warning: \[runtime\] /, ""));
    }
    if (this.options.aliasSpecs === false) {
      // @pulumi/pulumi keeps the engine's capabilities in its runtime store (no public setter).
      (createRequire(import.meta.url)("@pulumi/pulumi/runtime/state.js") as { getStore(): { supportsAliasSpecs: boolean } }).getStore().supportsAliasSpecs = false;
    }
    this.captureRequestMetadata();
    if (this.options.captureProgramErrors && !this.savedListeners) {
      this.savedListeners = process.listeners("unhandledRejection");
      process.removeAllListeners("unhandledRejection");
      process.on("unhandledRejection", (reason) => {
        this.programErrors.push(reason instanceof Error ? reason : new Error(String(reason)));
      });
    }
    return program();
  }

  /** Wait for the program's registrations to finish; with captureProgramErrors, restore the runner's handlers. */
  async finish(): Promise<Error[]> {
    await this.settle();
    if (this.savedWarn) {
      console.warn = this.savedWarn;
      this.savedWarn = undefined;
    }
    if (this.savedListeners) {
      process.removeAllListeners("unhandledRejection");
      for (const listener of this.savedListeners) process.on("unhandledRejection", listener);
      this.savedListeners = undefined;
    }
    return this.programErrors;
  }

  /** Every resource of a type (e.g. "aws:ec2/vpcEndpoint:VpcEndpoint"). */
  ofType(type: string): RegisteredResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  /** The one resource of this type and name; throws listing what exists otherwise. */
  get(type: string, name: string): RegisteredResource {
    const found = this.resources.find((r) => r.type === type && r.name === name);
    if (!found) throw new Error(`no ${type} named ${name}; registered: ${this.ofType(type).map((r) => r.name).join(", ") || "none of that type"}`);
    return found;
  }

  byUrn(urn: string | undefined): RegisteredResource | undefined {
    return urn === undefined ? undefined : this.resources.find((r) => r.urn === urn);
  }

  /** The resource whose ID is `id` (for following references between resources). */
  byId(id: string): RegisteredResource | undefined {
    return this.resources.find((r) => r.id === id);
  }

  /** Let every registration started so far finish (their callbacks run on later ticks). */
  async settle(): Promise<void> {
    let count = -1;
    while (count !== this.resources.length) {
      count = this.resources.length;
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    }
  }

  /** The monitor's request carries what MockResourceArgs leaves out: parent, ignoreChanges, dependencies. */
  private captureRequestMetadata(): void {
    const monitor = pulumi.runtime.getMonitor() as unknown as {
      registerResource(req: any, callback: (err: any, res: any) => void): Promise<void>;
      registerResourceOutputs(req: any, callback: (err: any, res: any) => void): void;
    };
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req, callback) => {
      const record = this.byUrn(req.getUrn());
      if (record) record.outputs = pulumi.runtime.deserializeProperties(req.getOutputs());
      registerOutputs(req, callback);
    };
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
      this.pendingMeta.set(`${req.getType()}::${req.getName()}`, {
        parent: req.getParent() || undefined,
        ignoreChanges: req.getIgnorechangesList?.() ?? [],
        dependencies: req.getDependenciesList?.() ?? [],
        propertyDependencies: propertyDependenciesOf(req),
        protect: req.getProtect?.(),
        retainOnDelete: req.getRetainondelete?.(),
        aliasUrns: req.getAliasurnsList?.() ?? [],
        ...(req.getImportid?.() ? { importId: req.getImportid() } : {}),
      });
      return original(req, (err, response) => {
        if (!err && response) {
          const record = this.resources.find((r) => r.type === req.getType() && r.name === req.getName() && r.urn === "");
          if (record) record.urn = response.getUrn();
        }
        callback(err, response);
      });
    };
  }

  private newResource(mockArgs: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    // Values unknown during preview, as the engine sends them to providers and policy packs.
    const args = { ...mockArgs, inputs: onTheWire(mockArgs.inputs) as Record<string, any> };
    const meta = this.pendingMeta.get(`${args.type}::${args.name}`) ?? { ignoreChanges: [], dependencies: [], propertyDependencies: {}, aliasUrns: [] };
    const { id, state } = this.cloudState(args);
    this.resources.push({
      type: args.type,
      name: args.name,
      urn: "",
      custom: args.custom ?? true,
      inputs: args.inputs,
      state,
      ...(id !== undefined ? { id } : {}),
      ...meta,
    });
    return { id, state };
  }

  private arn(prefix: string, id: string): string {
    return `arn:aws:ec2:${this.region}:${this.accountId}:${ARN_TYPE[prefix] ?? prefix}/${id}`;
  }

  /** A free host address in a subnet (by subnet ID of a registered subnet). */
  private nextHost(subnetId: string | undefined): string | undefined {
    const subnet = this.resources.find((r) => r.id === subnetId);
    const cidr: string | undefined = subnet?.state.cidrBlock;
    if (!cidr || !subnetId) return undefined;
    const next = (this.hostsUsed.get(subnetId) ?? 9) + 1;
    this.hostsUsed.set(subnetId, next);
    return intToIpv4(ipv4ToInt(cidr.split("/")[0]!) + next);
  }

  /**
   * What the engine shows for a resource to be created during preview: no ID, the inputs, the
   * provider's schema defaults (known), and every output the cloud computes unknown.
   */
  private cloudState(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, any> } {
    const created = this.cloudStateAfterCreate(args);
    if (!(this.options.preview ?? false) || !args.custom || args.type.startsWith("pulumi:providers:")) return created;
    const known = new Set([...Object.keys(args.inputs), ...(DEFAULTS_KNOWN_AT_PREVIEW[args.type] ?? [])]);
    const state = Object.fromEntries(Object.entries(created.state).map(([key, value]) => [key, known.has(key) ? value : pulumi.runtime.unknownValue]));
    return { id: undefined, state };
  }

  private cloudStateAfterCreate(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, any> } {
    const inputs = { ...args.inputs };
    if (!args.custom) return { id: undefined, state: inputs };
    if (args.type.startsWith("azure-native:")) {
      const azure = azureCloudState(args.type, args.name, inputs, this.options.subscriptionId ?? MOCK_SUBSCRIPTION);
      if (azure) return azure;
    }
    const prefix = ID_PREFIX[args.type];
    const id = prefix ? ec2Id(prefix, args.name) : undefined;
    switch (args.type) {
      case "aws:ec2/vpc:Vpc":
        // What EC2 reports for attributes the args leave out.
        return { id, state: { ...inputs, arn: this.arn("vpc", id!), enableDnsSupport: inputs.enableDnsSupport ?? true, enableDnsHostnames: inputs.enableDnsHostnames ?? false, mainRouteTableId: ec2Id("rtb", `${args.name}-main`), ownerId: this.accountId } };
      case "aws:ec2/subnet:Subnet":
        return { id, state: { ...inputs, arn: this.arn("subnet", id!), mapPublicIpOnLaunch: inputs.mapPublicIpOnLaunch ?? false, ownerId: this.accountId } };
      case "aws:ec2/networkInterface:NetworkInterface": {
        const privateIp = inputs.privateIp ?? inputs.privateIpLists?.[0] ?? inputs.privateIps?.[0] ?? this.nextHost(inputs.subnetId);
        const privateIps = inputs.privateIpLists ?? inputs.privateIps ?? (privateIp ? [privateIp] : []);
        return { id, state: { ...inputs, arn: this.arn("eni", id!), privateIp, privateIps, sourceDestCheck: inputs.sourceDestCheck ?? true, ownerId: this.accountId, macAddress: `02:${hex(args.name, 10).match(/../g)!.join(":")}` } };
      }
      case "aws:ec2/instance:Instance":
        return { id, state: { ...inputs, arn: this.arn("i", id!), instanceState: "running", privateIp: inputs.privateIp ?? "" } };
      case "aws:ec2/eip:Eip": {
        const n = (this.ofType(args.type).length % 250) + 10;
        return { id, state: { ...inputs, allocationId: id, arn: this.arn("eipalloc", id!), publicIp: `203.0.113.${n}`, domain: "vpc", associationId: inputs.networkInterface ? ec2Id("eipassoc", args.name) : undefined } };
      }
      case "aws:ec2/routeTable:RouteTable":
      case "aws:ec2/internetGateway:InternetGateway":
      case "aws:ec2/securityGroup:SecurityGroup":
        return { id, state: { ...inputs, arn: this.arn(prefix!, id!), ownerId: this.accountId } };
      case "aws:ec2/vpcEndpoint:VpcEndpoint": {
        const service = String(inputs.serviceName ?? "").split(".").at(-1) ?? "svc";
        const dnsEntries =
          inputs.vpcEndpointType === "Interface"
            ? [
                { dnsName: `${id}-${hex(args.name, 8)}.${service}.${this.region}.vpce.amazonaws.com`, hostedZoneId: "Z7HUB22UULQXV" },
                ...(inputs.privateDnsEnabled ? [{ dnsName: `${service}.${this.region}.amazonaws.com`, hostedZoneId: "ZONEPRIVATE0001" }] : []),
              ]
            : [];
        return { id, state: { ...inputs, arn: this.arn("vpce", id!), dnsEntries, prefixListId: inputs.vpcEndpointType === "Gateway" ? ec2Id("pl", args.name) : undefined, state: "available" } };
      }
      case "aws:ec2/route:Route":
        return { id: `r-${inputs.routeTableId}${ipv4ToInt(String(inputs.destinationCidrBlock ?? "0.0.0.0/0").split("/")[0]!)}`, state: inputs };
      case "aws:ec2/tag:Tag":
        return { id: `${inputs.resourceId},${inputs.key}`, state: inputs };
      case "aws:s3/bucket:Bucket": {
        const bucket = inputs.bucket ?? `${inputs.bucketPrefix ?? `${args.name}-`}${hex(args.name, 12)}`;
        return { id: bucket, state: { ...inputs, bucket, arn: `arn:aws:s3:::${bucket}`, bucketDomainName: `${bucket}.s3.amazonaws.com`, region: this.region } };
      }
      case "aws:iam/role:Role": {
        const name = inputs.name ?? `${args.name}-${hex(args.name, 7)}`;
        return { id: name, state: { ...inputs, name, arn: `arn:aws:iam::${this.accountId}:role/${name}`, uniqueId: `AROA${hex(name, 17).toUpperCase()}` } };
      }
      case "aws:iam/instanceProfile:InstanceProfile": {
        const name = inputs.name ?? `${args.name}-${hex(args.name, 7)}`;
        return { id: name, state: { ...inputs, name, arn: `arn:aws:iam::${this.accountId}:instance-profile/${name}` } };
      }
      case "aws:iam/rolePolicy:RolePolicy":
        return { id: `${inputs.role}:${inputs.name ?? args.name}`, state: inputs };
      case "aws:s3/bucketObjectv2:BucketObjectv2":
        return { id: inputs.key, state: { ...inputs, etag: hex(`${args.name}:${JSON.stringify(inputs.content ?? "")}`, 32) } };
      case "pulumi-nodejs:dynamic/ha-pair:SourceDestCheckOff": {
        const { __provider: _provider, ...rest } = inputs;
        return { id: `${inputs.networkInterfaceId}/source-dest-check`, state: { ...rest, sourceDestCheck: false, previousSourceDestCheck: true } };
      }
      default:
        return { id: id ?? `${args.name}-${hex(args.name, 8)}`, state: inputs };
    }
  }

  private call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
    try {
      return this.answer(args);
    } catch (err) {
      // The runtime reports a failed mock invoke only as "error serializing property ...": say which and why.
      const message = `mock invoke ${args.token}(${JSON.stringify(args.inputs)}) failed: ${(err as Error).message}`;
      this.invokeErrors.push(message);
      console.error(message);
      throw err;
    }
  }

  private answer(args: pulumi.runtime.MockCallArgs): Record<string, any> {
    const inputs = args.inputs ?? {};
    this.invokes.push({ token: args.token, inputs, ...(args.provider ? { provider: args.provider } : {}) });
    const custom = this.options.calls?.[args.token];
    if (custom) return custom(inputs);
    const existing = this.options.existing ?? {};
    switch (args.token) {
      case "azure-native:authorization:getClientConfig":
        return azureClientConfig(this.options.subscriptionId ?? MOCK_SUBSCRIPTION);
      case "aws:index/getRegion:getRegion":
        return { id: this.region, name: this.region, region: this.region, endpoint: `ec2.${this.region}.amazonaws.com`, description: "mock" };
      case "aws:index/getCallerIdentity:getCallerIdentity":
        return { id: this.accountId, accountId: this.accountId, arn: `arn:aws:iam::${this.accountId}:user/pulumi`, userId: "AIDAMOCK" };
      case "aws:index/getPartition:getPartition":
        return { id: "aws", partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws" };
      case "aws:index/getAvailabilityZones:getAvailabilityZones":
        return { id: this.region, names: ["a", "b", "c"].map((z) => `${this.region}${z}`), zoneIds: ["use1-az1", "use1-az2", "use1-az4"], state: "available" };
      case "aws:ec2/getAmi:getAmi":
        return { id: ec2Id("ami", JSON.stringify(inputs)), imageId: ec2Id("ami", JSON.stringify(inputs)), name: "debian-12-amd64-20250101-0000", architecture: "x86_64" };
      case "aws:ec2/getVpc:getVpc": {
        const vpc = existing.vpcs?.[inputs.id] ?? this.byId(inputs.id)?.state;
        if (!vpc) throw new Error(`mock: no VPC ${inputs.id}`);
        return { id: inputs.id, cidrBlock: vpc.cidrBlock ?? "10.0.0.0/16", enableDnsSupport: vpc.enableDnsSupport ?? true, enableDnsHostnames: vpc.enableDnsHostnames ?? false, arn: this.arn("vpc", inputs.id) };
      }
      case "aws:ec2/getNetworkInterface:getNetworkInterface": {
        const eni = existing.networkInterfaces?.[inputs.id] ?? this.byId(inputs.id)?.state;
        if (!eni) throw new Error(`mock: no network interface ${inputs.id}`);
        return { id: inputs.id, privateIp: eni.privateIp, subnetId: eni.subnetId, arn: this.arn("eni", inputs.id) };
      }
      case "aws:ec2/getVpcEndpoint:getVpcEndpoint": {
        const endpoint = existing.vpcEndpoints?.[inputs.id];
        if (!endpoint) throw new Error(`mock: no VPC endpoint ${inputs.id}`);
        return { id: inputs.id, dnsEntries: endpoint.dnsEntries, state: "available" };
      }
      default:
        throw new Error(`mock: no answer for invoke ${args.token}; add it to MockCloudOptions.calls`);
    }
  }
}
