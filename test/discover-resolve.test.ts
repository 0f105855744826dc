import { describe, expect, it } from "vitest";
import { scopeFromCfeDeclaration } from "../runtime/discovery/aws/cfe-declaration.js";
import { cidrContains } from "../runtime/discovery/cidr.js";
import type { AwsInventory, FoundInterface } from "../runtime/discovery/aws/inventory.js";
import { resolveAwsPair } from "../runtime/discovery/aws/resolve.js";
import { ALL_BY_TAGS, DEFAULT_AWS_TAG_KEYS, emptyQuery, type AwsPairScope } from "../runtime/discovery/aws/scope.js";
import { AmbiguousPairError, DiscoveryInputError } from "../runtime/discovery/errors.js";
import { buildCfeDeclaration, type ResolvedPair } from "../components/aws/agent-config.js";

const L = "edge";
const tags = (role?: string) => ({ f5_cloud_failover_label: L, ...(role ? { f5_cloud_failover_nic_map: role } : {}) });
const nic = (id: string, instanceId: string, role: string, primaryIp: string, secondaryIps: string[] = [], deviceIndex = 1): FoundInterface => ({
  id,
  subnetId: `subnet-${role}`,
  attachment: { instanceId, deviceIndex },
  primaryIp,
  secondaryIps,
  tags: tags(role),
});

function inventory(changes: Partial<AwsInventory> = {}): AwsInventory {
  return {
    region: "eu-west-1",
    interfaces: [
      nic("eni-0a000000000000001", "i-0a000000000000001", "external", "10.0.1.11", ["10.0.1.100"]),
      nic("eni-0a000000000000002", "i-0a000000000000001", "internal", "10.0.2.11", [], 2),
      nic("eni-0b000000000000001", "i-0b000000000000001", "external", "10.0.1.12"),
      nic("eni-0b000000000000002", "i-0b000000000000001", "internal", "10.0.2.12", [], 2),
    ],
    instances: [
      { id: "i-0a000000000000001", tags: { Name: "edge-1" } },
      { id: "i-0b000000000000001", tags: { Name: "edge-2" } },
    ],
    elasticIps: [],
    routeTables: [{ id: "rtb-01000000000000001", tags: tags(), routes: [{ destination: "0.0.0.0/0", networkInterfaceId: "eni-0a000000000000002" }, { destination: "10.9.0.0/16", otherTarget: "tgw-1" }] }],
    buckets: [{ name: "edge-state", tags: tags() }],
    endpoints: [],
    notes: [],
    ...changes,
  };
}
const scope = (): AwsPairScope => ({ label: L, keys: { ...DEFAULT_AWS_TAG_KEYS }, source: "tags", routeScopes: [], query: emptyQuery({ ...ALL_BY_TAGS }) });

function problemsOf(run: () => unknown): { problem: string; fix: string; resources: string[] }[] {
  try {
    run();
  } catch (err) {
    if (err instanceof AmbiguousPairError) return err.problems;
    throw err;
  }
  throw new Error("expected an AmbiguousPairError");
}

describe("resolving a discovered pair", () => {
  it("makes the agent config of a clean pair: routes at other targets are not the pair's", () => {
    const { config } = resolveAwsPair(inventory(), scope());
    expect(config.nodes.a.instanceId).toBe("i-0a000000000000001");
    expect(config.addresses).toEqual({ secondaryIps: [{ role: "external", ips: ["10.0.1.100"] }] });
    expect(config.routes).toEqual([{ routeTableId: "rtb-01000000000000001", destinations: ["0.0.0.0/0"], nextHop: { role: "internal" } }]);
    expect(config.stateStore).toEqual({ type: "s3", bucket: "edge-state", key: "ha-pair/edge/state.json" });
  });

  it("two interfaces of one role on a node: names both and the fix", () => {
    const inv = inventory();
    inv.interfaces.push(nic("eni-0a000000000000009", "i-0a000000000000001", "external", "10.0.1.99", [], 3));
    const [p, ...rest] = problemsOf(() => resolveAwsPair(inv, scope()));
    expect(rest).toEqual([]);
    expect(p!.problem).toContain("two interfaces with f5_cloud_failover_nic_map=external: eni-0a000000000000001 and eni-0a000000000000009");
    expect(p!.fix).toMatch(/another f5_cloud_failover_nic_map value/);
    expect(p!.resources).toEqual(["i-0a000000000000001", "eni-0a000000000000001", "eni-0a000000000000009"]);
  });

  it("a route whose next hop is neither node", () => {
    const inv = inventory();
    inv.routeTables[0]!.routes.push({ destination: "172.16.0.0/12", networkInterfaceId: "eni-0c000000000000001" });
    const [p] = problemsOf(() => resolveAwsPair(inv, scope()));
    expect(p!.problem).toBe("route 172.16.0.0/12 in rtb-01000000000000001 points at eni-0c000000000000001, which is neither node's interface");
    expect(p!.fix).toMatch(/f5_self_ips/);
    // With the nodes' next hops on the table (CFE's routeTag), that route is left alone.
    inv.routeTables[0]!.tags.f5_self_ips = "10.0.2.11,10.0.2.12";
    expect(resolveAwsPair(inv, scope()).config.routes).toEqual([{ routeTableId: "rtb-01000000000000001", destinations: ["0.0.0.0/0"], nextHop: { role: "internal" } }]);
  });

  it("a nic-map value that pairs nothing, and a third instance", () => {
    const inv = inventory();
    inv.interfaces.push(nic("eni-0a000000000000003", "i-0a000000000000001", "ha", "10.0.3.11", [], 3));
    const problems = problemsOf(() => resolveAwsPair(inv, scope()));
    expect(problems.map((p) => p.problem)).toEqual(["f5_cloud_failover_nic_map=ha pairs nothing: eni-0a000000000000003 on i-0a000000000000001 has no counterpart on i-0b000000000000001"]);
    inv.interfaces.push(nic("eni-0c000000000000001", "i-0c000000000000001", "external", "10.0.1.13"));
    expect(problemsOf(() => resolveAwsPair(inv, scope()))[0]!.problem).toMatch(/tags interfaces of 3 instances \(.*i-0c000000000000001\); a pair is exactly two instances/);
  });

  it("floating IPs on both nodes, an EIP it cannot map, no bucket: every problem at once", () => {
    const inv = inventory({ buckets: [] });
    inv.interfaces[2]!.secondaryIps = ["10.0.1.101"];
    inv.elasticIps = [{ allocationId: "eipalloc-01000000000000001", publicIp: "198.51.100.1", tags: tags() }];
    const problems = problemsOf(() => resolveAwsPair(inv, scope()));
    expect(problems.map((p) => p.problem)).toEqual([
      "both nodes hold secondary IPs of role external (eni-0a000000000000001: 10.0.1.100; eni-0b000000000000001: 10.0.1.101); from tags alone it is unknown which of them float",
      "eipalloc-01000000000000001 (198.51.100.1) carries f5_cloud_failover_label=edge but is not associated",
      'no S3 bucket of pair "edge" found (none tagged f5_cloud_failover_label=edge, none named by the source)',
    ]);
    expect(problems[2]!.fix).toMatch(/--state-bucket NAME/);
  });

  it("reads back the CFE declaration the components generate (round trip through buildCfeDeclaration)", () => {
    const pair: ResolvedPair = {
      label: L,
      region: "eu-west-1",
      labelKey: "f5_cloud_failover_label",
      nicMapKey: "f5_cloud_failover_nic_map",
      nodes: {
        a: { instanceId: "i-0a000000000000001", interfaces: { external: { id: "eni-0a000000000000001", privateIp: "10.0.1.11" }, internal: { id: "eni-0a000000000000002", privateIp: "10.0.2.11" } } },
        b: { instanceId: "i-0b000000000000001", interfaces: { external: { id: "eni-0b000000000000001", privateIp: "10.0.1.12" }, internal: { id: "eni-0b000000000000002", privateIp: "10.0.2.12" } } },
      },
      secondaryIps: [{ role: "external", ips: ["10.0.1.100"] }],
      elasticIps: [],
      routes: [{ routeTableId: "rtb-01000000000000001", destinations: ["0.0.0.0/0"], nextHopRole: "internal" }],
      bucket: "edge-state",
      stateKey: "ha-pair/edge/state.json",
    };
    const cfeScope = scopeFromCfeDeclaration(buildCfeDeclaration(pair), { file: "decl.json", keys: { ...DEFAULT_AWS_TAG_KEYS }, labelKeyGiven: false });
    expect(cfeScope).toMatchObject({ label: L, movingIps: ["10.0.1.100"], routeScopes: [{ routeTableId: "rtb-01000000000000001", ranges: ["0.0.0.0/0"], nextHopIps: ["10.0.2.11", "10.0.2.12"] }] });
    expect(cfeScope.query).toMatchObject({ routeTableIds: ["rtb-01000000000000001"], bucketName: "edge-state" });
    const { config } = resolveAwsPair(inventory(), cfeScope);
    expect(config.addresses).toEqual({ secondaryIps: [{ role: "external", ips: ["10.0.1.100"] }] });
    expect(config.routes).toEqual([{ routeTableId: "rtb-01000000000000001", destinations: ["0.0.0.0/0"], nextHop: { role: "internal" } }]);
  });

  it("a declaration that is not for AWS, or names no label, is bad input with its JSON path", () => {
    const read = (doc: unknown) => () => scopeFromCfeDeclaration(doc, { file: "decl.json", keys: { ...DEFAULT_AWS_TAG_KEYS }, labelKeyGiven: false });
    expect(read({ class: "Cloud_Failover", environment: "azure" })).toThrow(new DiscoveryInputError("decl.json", '/environment: is "azure"; `discover aws` reads an "aws" declaration'));
    expect(read({ declaration: { class: "Cloud_Failover", environment: "aws", failoverAddresses: {} } })).toThrow(/\/declaration\/failoverAddresses\/scopingTags: is missing/);
    expect(read({ class: "Cloud_Failover", environment: "aws", failoverAddresses: { scopingTags: { a: "1", b: "2" } } })).toThrow(/pass --label-key KEY/);
  });

  it("reports what a declaration says that discovery does not read, instead of dropping it", () => {
    const scope = scopeFromCfeDeclaration(
      { class: "Cloud_Failover", environment: "aws", failoverAddresses: { scopingTags: { f5_cloud_failover_label: L } }, failoverRoutes: { scopingTags: { f5_cloud_failover_label: L }, retrieveFromRoutes: true }, retryFailover: { enabled: true } },
      { file: "decl.json", keys: { ...DEFAULT_AWS_TAG_KEYS }, labelKeyGiven: false },
    );
    expect(scope.notes).toEqual(["decl.json: not read by discovery (check the discovered config covers what they say): /retryFailover, /failoverRoutes/retrieveFromRoutes"]);
    expect(resolveAwsPair(inventory(), scope).notes).toContain(scope.notes![0]);
  });

  it("CIDR containment for CFE's scopingAddressRanges", () => {
    expect(cidrContains("10.0.0.0/8", "10.1.0.0/16")).toBe(true);
    expect(cidrContains("10.0.0.0/16", "10.1.0.0/16")).toBe(false);
    expect(cidrContains("0.0.0.0/0", "0.0.0.0/0")).toBe(true);
    expect(cidrContains("2001:db8::/32", "2001:db8:1::/48")).toBe(true);
    expect(cidrContains("2001:db8::/32", "2001:db9::/48")).toBe(false);
    expect(cidrContains("0.0.0.0/0", "pl-0123456789abcdef0")).toBe(false);
    // An IPv6 address with an embedded IPv4 tail is read as two 16-bit groups.
    expect(cidrContains("::ffff:10.0.0.0/104", "::ffff:10.1.2.3/128")).toBe(true);
    expect(cidrContains("::ffff:10.0.0.0/104", "::ffff:11.1.2.3/128")).toBe(false);
  });
});
