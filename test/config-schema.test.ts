/**
 * The JSON Schema and the TypeScript types describe one contract. This suite fails when
 * they drift apart: a property in one but not the other, a different set of required
 * fields, a default outside the schema's range, or a schema that no longer compiles strictly.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import {
  AGENT_CONFIG_SCHEMA,
  DEFAULT_AGENT,
  DEFAULT_LABEL_KEY,
  DEFAULT_NIC_MAP_KEY,
  DEFAULT_TIMEOUTS,
  DEFAULT_AZURE_TIMEOUTS,
  isEndpointUrl,
  isIpv4Prefix,
  isRouteDestination,
  validateConfig,
  type AddressesConfig,
  type AgentConfig,
  type AgentDaemonConfig,
  type AwsAgentConfig,
  type AzureAgentConfig,
  type AzureBlobStateStoreConfig,
  type AzureEndpointOverrides,
  type AzureInterfaceConfig,
  type AzureIpConfigurationConfig,
  type AzureNodeConfig,
  type AzureRouteConfig,
  type AzureTimeBudgets,
  type ElasticIpConfig,
  type EndpointOverrides,
  type InterfaceConfig,
  type NodeConfig,
  type ReconcileConfig,
  type RouteConfig,
  type SecondaryIpGroup,
  type StateStoreConfig,
  type TagKeys,
  type TimeBudgets,
} from "../runtime/config/index.js";

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));
const SCHEMA_FILE = "runtime/config/agent-config.schema.json";

/** Every optional property made required, all the way down: a literal of this type sets every field. */
type DeepRequired<T> = T extends readonly (infer U)[] ? DeepRequired<U>[] : T extends object ? { [K in keyof T]-?: DeepRequired<T[K]> } : T;
/** The keys a value of T must have. */
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type Equals<X, Y> = (<V>() => V extends X ? 1 : 2) extends <V>() => V extends Y ? 1 : 2 ? true : false;
/** A list of exactly T's required keys (compile-time checked both ways). */
function requiredOf<T>() {
  return <const K extends readonly RequiredKeys<T>[]>(...keys: Equals<K[number], RequiredKeys<T>> extends true ? K : never): readonly string[] =>
    keys as readonly string[];
}

/**
 * The required fields of every object of the contract, per the TypeScript types. Keys are
 * paths into a config, `*` standing for any array index or map key.
 */
const REQUIRED_BY_TYPES: Record<string, readonly string[]> = {
  "": requiredOf<AwsAgentConfig>()("version", "cloud", "label", "nodes", "stateStore"),
  "/tags": requiredOf<TagKeys>()(),
  "/nodes": requiredOf<AwsAgentConfig["nodes"]>()("a", "b"),
  "/nodes/*": requiredOf<NodeConfig>()("instanceId", "interfaces"),
  "/nodes/*/interfaces/*": requiredOf<InterfaceConfig>()("id"),
  "/addresses": requiredOf<AddressesConfig>()(),
  "/addresses/secondaryIps/*": requiredOf<SecondaryIpGroup>()("role", "ips"),
  "/addresses/elasticIps/*": requiredOf<ElasticIpConfig>()("allocationId", "role", "privateIp"),
  "/addresses/elasticIps/*/privateIp": requiredOf<ElasticIpConfig["privateIp"]>()("a", "b"),
  "/routes/*": requiredOf<RouteConfig>()("routeTableId", "destinations", "nextHop"),
  "/routes/*/nextHop": requiredOf<RouteConfig["nextHop"]>()("role"),
  "/stateStore": requiredOf<StateStoreConfig>()("type", "bucket", "key"),
  "/endpoints": requiredOf<EndpointOverrides>()(),
  "/timeouts": requiredOf<TimeBudgets>()(),
  "/agent": requiredOf<AgentDaemonConfig>()(),
  "/agent/listen": requiredOf<NonNullable<AgentDaemonConfig["listen"]>>()(),
  "/agent/reconcile": requiredOf<ReconcileConfig>()("roleCommand"),
};

/** The same for the Azure branch of the union. */
const AZURE_REQUIRED_BY_TYPES: Record<string, readonly string[]> = {
  "": requiredOf<AzureAgentConfig>()("version", "cloud", "label", "subscriptionId", "nodes", "stateStore"),
  "/tags": requiredOf<TagKeys>()(),
  "/nodes": requiredOf<AzureAgentConfig["nodes"]>()("a", "b"),
  "/nodes/*": requiredOf<AzureNodeConfig>()("instanceId", "interfaces"),
  "/nodes/*/interfaces/*": requiredOf<AzureInterfaceConfig>()("id", "privateIp"),
  "/addresses": requiredOf<NonNullable<AzureAgentConfig["addresses"]>>()(),
  "/addresses/ipConfigurations/*": requiredOf<AzureIpConfigurationConfig>()("name", "role", "privateIp"),
  "/routes/*": requiredOf<AzureRouteConfig>()("routeTableId", "addressPrefixes", "nextHop"),
  "/routes/*/nextHop": requiredOf<AzureRouteConfig["nextHop"]>()("role"),
  "/stateStore": requiredOf<AzureBlobStateStoreConfig>()("type", "account", "container", "blob"),
  "/endpoints": requiredOf<AzureEndpointOverrides>()(),
  "/timeouts": requiredOf<AzureTimeBudgets>()(),
  "/agent": requiredOf<AgentDaemonConfig>()(),
  "/agent/listen": requiredOf<NonNullable<AgentDaemonConfig["listen"]>>()(),
  "/agent/reconcile": requiredOf<ReconcileConfig>()("roleCommand"),
};

const SUB = "6d1c7e4a-3b2f-4f8e-9a51-0c2d8e7f9a10";
const RG = `/subscriptions/${SUB}/resourceGroups/rg-edge/providers`;
const azureMaximal: DeepRequired<AzureAgentConfig> = {
  $schema: "../runtime/config/agent-config.schema.json",
  version: 1,
  cloud: "azure",
  label: "prod-edge",
  subscriptionId: SUB,
  tags: { labelKey: "ha_label", nicMapKey: "ha_nic_map" },
  nodes: {
    a: { instanceId: `${RG}/Microsoft.Compute/virtualMachines/nva-a`, interfaces: { external: { id: `${RG}/Microsoft.Network/networkInterfaces/nva-a-ext`, privateIp: "10.0.1.4" }, internal: { id: `${RG}/Microsoft.Network/networkInterfaces/nva-a-int`, privateIp: "10.0.2.4" } } },
    b: { instanceId: `${RG}/Microsoft.Compute/virtualMachines/nva-b`, interfaces: { external: { id: `${RG}/Microsoft.Network/networkInterfaces/nva-b-ext`, privateIp: "10.0.1.5" }, internal: { id: `${RG}/Microsoft.Network/networkInterfaces/nva-b-int`, privateIp: "10.0.2.5" } } },
  },
  addresses: { ipConfigurations: [{ name: "vip1", role: "external", privateIp: "10.0.1.10", publicIpAddressId: `${RG}/Microsoft.Network/publicIPAddresses/pip-vip1` }] },
  routes: [{ routeTableId: `${RG}/Microsoft.Network/routeTables/rt-spoke`, addressPrefixes: ["0.0.0.0/0", "10.100.0.0/16"], nextHop: { role: "internal" } }],
  stateStore: { type: "azureBlob", account: "prodedgestate", container: "ha-pair", blob: "prod-edge/state.json" },
  endpoints: { arm: "https://management.azure.com", blob: "https://prodedgestate.blob.core.windows.net", imds: "http://169.254.169.254" },
  timeouts: { deadlineMs: 240_000, requestMs: 10_000, connectMs: 2_000, verifyIntervalMs: 500, pollIntervalMs: 500 },
  agent: {
    listen: { address: "127.0.0.1", port: 8787 },
    tokenFile: "/etc/ha-pair/token",
    stateRefreshSeconds: 5,
    reconcile: { roleCommand: ["/usr/local/bin/vrrp-state", "VI_1"], intervalSeconds: 10, holdDownSeconds: 30, timeoutSeconds: 5 },
  },
};

/** Every field of the contract set: adding a field to types.ts without adding it here fails to compile. */
const maximal: DeepRequired<AwsAgentConfig> = {
  $schema: "../runtime/config/agent-config.schema.json",
  version: 1,
  cloud: "aws",
  label: "prod-edge",
  region: "eu-central-1",
  tags: { labelKey: "ha_label", nicMapKey: "ha_nic_map" },
  nodes: {
    a: { instanceId: "i-0aaaaaaaaaaaaaaa1", interfaces: { external: { id: "eni-0aaaaaaaaaaaaaaa1" }, internal: { id: "eni-0aaaaaaaaaaaaaaa2" } } },
    b: { instanceId: "i-0bbbbbbbbbbbbbbb1", interfaces: { external: { id: "eni-0bbbbbbbbbbbbbbb1" }, internal: { id: "eni-0bbbbbbbbbbbbbbb2" } } },
  },
  addresses: {
    secondaryIps: [{ role: "external", ips: ["10.0.1.50"] }],
    elasticIps: [{ allocationId: "eipalloc-0aaaaaaaaaaaaaaa1", publicIp: "203.0.113.10", role: "external", privateIp: { a: "10.0.1.10", b: "10.0.1.11" } }],
  },
  routes: [{ routeTableId: "rtb-0aaaaaaaaaaaaaaa1", destinations: ["0.0.0.0/0", "2001:db8::/32", "pl-0123456789abcdef0"], nextHop: { role: "internal" } }],
  stateStore: { type: "s3", bucket: "prod-edge-ha-state", key: "ha-pair/prod-edge/state.json" },
  endpoints: { ec2: "https://ec2.eu-central-1.amazonaws.com", s3: "https://s3.eu-central-1.amazonaws.com", imds: "http://169.254.169.254" },
  timeouts: { deadlineMs: 20_000, requestMs: 2_000, connectMs: 500, verifyIntervalMs: 100 },
  agent: {
    listen: { address: "127.0.0.1", port: 8787 },
    tokenFile: "/etc/ha-pair/token",
    stateRefreshSeconds: 5,
    reconcile: { roleCommand: ["/usr/local/bin/vrrp-state", "VI_1"], intervalSeconds: 10, holdDownSeconds: 30, timeoutSeconds: 5 },
  },
};
// The maximal config is an AgentConfig (DeepRequired only removes the question marks).
const typed: AgentConfig = maximal;

type Schema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  required?: string[];
  minimum?: number;
  maximum?: number;
  description?: string;
};
const schema = AGENT_CONFIG_SCHEMA as Schema & { $defs: Record<string, Schema>; $id: string };
const deref = (s: Schema): Schema => (s.$ref ? deref(schema.$defs[s.$ref.replace("#/$defs/", "")]!) : s);

describe("agent config schema", () => {
  it("compiles in strict mode with no warnings", () => {
    const warnings: unknown[] = [];
    const logger = { log: () => undefined, warn: (...args: unknown[]) => warnings.push(args), error: (...args: unknown[]) => warnings.push(args) };
    const ajv = new Ajv2020({ strict: true, strictTypes: true, strictTuples: true, strictRequired: true, allErrors: true, logger });
    (addFormatsModule as unknown as (ajv: Ajv2020, formats: string[]) => void)(ajv, ["ipv4"]);
    ajv.addFormat("route-destination", { type: "string", validate: isRouteDestination });
    ajv.addFormat("endpoint-url", { type: "string", validate: isEndpointUrl });
    ajv.addFormat("ipv4-prefix", { type: "string", validate: isIpv4Prefix });
    const validate = ajv.compile(JSON.parse(readFileSync(root(SCHEMA_FILE), "utf8")) as object);
    expect(warnings).toEqual([]);
    expect(validate(maximal), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(azureMaximal), JSON.stringify(validate.errors)).toBe(true);
  });

  it("accepts the maximal config typed as AgentConfig, schema and cross-field rules alike", () => {
    const result = validateConfig(typed);
    expect(result.ok ? [] : result.errors).toEqual([]);
    const azure: AgentConfig = azureMaximal;
    const azureResult = validateConfig(azure);
    expect(azureResult.ok ? [] : azureResult.errors).toEqual([]);
  });

  it.each([
    ["aws", "awsConfig", () => maximal as unknown, REQUIRED_BY_TYPES],
    ["azure", "azureConfig", () => azureMaximal as unknown, AZURE_REQUIRED_BY_TYPES],
  ] as const)("%s: has exactly the properties of the TypeScript types, with the same required fields", (_cloud, branch, document, required) => {
    const visited: string[] = [];
    // /nodes/a and /nodes/b share one definition; the table names it once.
    const normalise = (p: string) => p.replace(/^\/nodes\/[ab](?=\/|$)/, "/nodes/*");
    const walk = (value: unknown, node: Schema, path: string, pattern: string) => {
      const s = deref(node);
      if (Array.isArray(value)) {
        expect(s.type, `${path} is an array in the types`).toBe("array");
        expect(value.length, `${path}: the maximal config lists at least one item`).toBeGreaterThan(0);
        value.forEach((item, i) => walk(item, s.items!, `${path}/${i}`, `${pattern}/*`));
        return;
      }
      if (value === null || typeof value !== "object") return;
      expect(s.type, `${path} is an object in the types`).toBe("object");
      const present = Object.keys(value);
      if (s.properties) {
        // A record with fixed keys: the schema's properties and the typed keys must be the same set.
        expect([...present].sort(), `properties at ${path || "/"} (types vs schema)`).toEqual(Object.keys(s.properties).sort());
        expect(s.additionalProperties, `${path || "/"} rejects unknown properties`).toBe(false);
        expect([...(s.required ?? [])].sort(), `required at ${path || "/"}`).toEqual([...(required[normalise(pattern)] ?? ["<no entry in REQUIRED_BY_TYPES>"])].sort());
        visited.push(pattern);
        for (const key of present) walk((value as Record<string, unknown>)[key], s.properties[key]!, `${path}/${key}`, `${pattern}/${key}`);
      } else {
        // A map keyed by role.
        expect(typeof s.additionalProperties, `${path} is a map in the schema`).toBe("object");
        for (const key of present) walk((value as Record<string, unknown>)[key], s.additionalProperties as Schema, `${path}/${key}`, `${pattern}/*`);
      }
    };
    walk(document(), schema.$defs[branch]!, "", "");
    expect([...new Set(visited.map(normalise))].sort()).toEqual(Object.keys(required).sort());
  });

  it("documents each time budget's default, and the defaults are within range", () => {
    const timeouts = schema.$defs.awsConfig!.properties!.timeouts!.properties!;
    const azureTimeouts = schema.$defs.azureConfig!.properties!.timeouts!.properties!;
    expect(Object.keys(timeouts).sort()).toEqual(Object.keys(DEFAULT_TIMEOUTS).sort());
    expect(Object.keys(azureTimeouts).sort()).toEqual(Object.keys(DEFAULT_AZURE_TIMEOUTS).sort());
    for (const [field, value, name] of [
      ...Object.entries(DEFAULT_TIMEOUTS).map(([name, value]) => [timeouts[name]!, value, `aws ${name}`] as const),
      ...Object.entries(DEFAULT_AZURE_TIMEOUTS).map(([name, value]) => [azureTimeouts[name]!, value, `azure ${name}`] as const),
    ]) {
      expect(value, name).toBeGreaterThanOrEqual(field.minimum!);
      expect(value, name).toBeLessThanOrEqual(field.maximum!);
      expect(field.description, name).toContain(`default ${value}`);
      expect(field.description, name).toContain(`from ${field.minimum} to ${field.maximum}`);
    }
    const defaults = validateConfig({ ...maximal, timeouts: {}, tags: {} });
    expect(defaults.ok ? [] : defaults.errors).toEqual([]);
  });

  it("documents each agent daemon default, and the defaults are within range", () => {
    const agent = schema.$defs.awsConfig!.properties!.agent!.properties!;
    expect(schema.$defs.azureConfig!.properties!.agent).toEqual(schema.$defs.awsConfig!.properties!.agent);
    const reconcile = agent.reconcile!.properties!;
    const fields: [Schema, number][] = [
      [agent.listen!.properties!.port!, DEFAULT_AGENT.port],
      [agent.stateRefreshSeconds!, DEFAULT_AGENT.stateRefreshSeconds],
      [reconcile.intervalSeconds!, DEFAULT_AGENT.reconcile.intervalSeconds],
      [reconcile.holdDownSeconds!, DEFAULT_AGENT.reconcile.holdDownSeconds],
      [reconcile.timeoutSeconds!, DEFAULT_AGENT.reconcile.timeoutSeconds],
    ];
    for (const [field, value] of fields) {
      expect(value).toBeGreaterThanOrEqual(field.minimum!);
      expect(value).toBeLessThanOrEqual(field.maximum!);
      expect(field.description).toContain(`default ${value}`);
      expect(field.description).toContain(`from ${field.minimum} to ${field.maximum}`);
    }
    expect(agent.tokenFile!.description).toContain(`default ${DEFAULT_AGENT.tokenFile}`);
  });

  it("accepts the default tag keys (shared with F5 Cloud Failover)", () => {
    expect(DEFAULT_LABEL_KEY).toBe("f5_cloud_failover_label");
    expect(DEFAULT_NIC_MAP_KEY).toBe("f5_cloud_failover_nic_map");
    const result = validateConfig({ ...maximal, tags: { labelKey: DEFAULT_LABEL_KEY, nicMapKey: DEFAULT_NIC_MAP_KEY } });
    expect(result.ok ? [] : result.errors).toEqual([]);
  });

  it("can be named in $schema by its shipped path, and ships in the package", () => {
    expect(existsSync(root(SCHEMA_FILE))).toBe(true);
    expect(schema.$id.endsWith(`/${SCHEMA_FILE}`)).toBe(true);
    const pkg = JSON.parse(readFileSync(root("package.json"), "utf8")) as { files?: string[] };
    expect(pkg.files).toContain(SCHEMA_FILE);
    // `$schema` is free text for editors; a relative path to the shipped file validates.
    expect(validateConfig({ ...maximal, $schema: `./node_modules/ha-pair/${SCHEMA_FILE}` }).ok).toBe(true);
  });

  it("gives every leaf a description, so every error can say what is expected", () => {
    const missing: string[] = [];
    const walk = (node: Schema, path: string, depth: number) => {
      if (depth > 12) return;
      const s = deref(node);
      if (s.properties) for (const [k, v] of Object.entries(s.properties)) walk(v, `${path}/${k}`, depth + 1);
      else if (s.items) walk(s.items, `${path}/*`, depth + 1);
      else if (typeof s.additionalProperties === "object") walk(s.additionalProperties, `${path}/*`, depth + 1);
      else if (!node.description && !s.description) missing.push(path);
    };
    walk(schema, "", 0);
    expect(missing).toEqual([]);
  });
});
