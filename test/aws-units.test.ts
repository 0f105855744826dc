/**
 * The AWS provider's pure parts: settings and endpoint precedence, request inputs, the
 * observed-state builder, the state parser, the required-action list.
 */
import { describe, expect, it } from "vitest";
import { AWS_REQUIRED_ACTIONS, AWS_S3_BUCKET_ACTIONS } from "../runtime/aws/index.js";
import { IMDS_DEFAULT_ENDPOINT, IMDS_DEFAULT_ENDPOINT_IPV6, MAX_ATTEMPTS, needsPathStyle, resolveAwsSettings } from "../runtime/aws/clients.js";
import { EC2_MUTATING_API, EC2_READ_API, S3_API } from "../runtime/aws/api-actions.js";
import { assignPrivateIpsInput, associateAddressInput, operationArns, replaceRouteInput } from "../runtime/aws/ec2-operations.js";
import { buildObservedState, canonicalCidr, observedIds } from "../runtime/aws/observe.js";
import { parseIdentityDocument } from "../runtime/aws/identity.js";
import { parseState } from "../runtime/aws/s3-state-store.js";
import { partitionOf } from "../runtime/aws/arns.js";
import type { AgentConfig } from "../runtime/config/types.js";
import { HaPairError } from "../runtime/core/errors.js";
import type { OperationAction, ReplaceRouteOperation } from "../runtime/core/operations.js";
import { routeKey } from "../runtime/core/observed.js";
import { sampleConfig } from "./helpers/sample-config.js";

describe("settings: region and endpoint precedence", () => {
  const withEndpoints = (endpoints: AgentConfig["endpoints"]) => sampleConfig({ endpoints });

  it("the standard variables win over the config; the service-specific one over the global one", () => {
    const config = withEndpoints({ ec2: "https://vpce-ec2.example", s3: "https://vpce-s3.example" });
    const env = { AWS_ENDPOINT_URL: "http://127.0.0.1:1", AWS_ENDPOINT_URL_S3: "http://127.0.0.1:2" };
    const s = resolveAwsSettings(config, env);
    expect(s.ec2).toEqual({ endpoint: "http://127.0.0.1:1", effective: "http://127.0.0.1:1", source: "env" });
    expect(s.s3).toMatchObject({ effective: "http://127.0.0.1:2", source: "env" });
  });

  it("from process.env, the variable is left to the SDK (no endpoint passed)", () => {
    const saved = process.env.AWS_ENDPOINT_URL_EC2;
    process.env.AWS_ENDPOINT_URL_EC2 = "http://127.0.0.1:3";
    try {
      const s = resolveAwsSettings(withEndpoints({ ec2: "https://vpce-ec2.example" }));
      expect(s.ec2).toEqual({ endpoint: undefined, effective: "http://127.0.0.1:3", source: "env" });
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_EC2;
      else process.env.AWS_ENDPOINT_URL_EC2 = saved;
    }
  });

  it("the config is used when no variable is set, else the SDK's default", () => {
    const s = resolveAwsSettings(withEndpoints({ ec2: "https://vpce-ec2.example" }), {});
    expect(s.ec2).toEqual({ endpoint: "https://vpce-ec2.example", effective: "https://vpce-ec2.example", source: "config" });
    expect(s.s3).toMatchObject({ endpoint: undefined, source: "default", forcePathStyle: false });
  });

  it("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS makes the variables count for nothing, as in the SDK", () => {
    const s = resolveAwsSettings(withEndpoints({ ec2: "https://vpce-ec2.example" }), { AWS_ENDPOINT_URL: "http://127.0.0.1:1", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" });
    expect(s.ec2.source).toBe("config");
  });

  it("IMDS: the variable wins, then the config, then the default (IPv6 on request)", () => {
    expect(resolveAwsSettings(withEndpoints({ imds: "http://127.0.0.1:5" }), { AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://127.0.0.1:4" }).imds).toMatchObject({ endpoint: "http://127.0.0.1:4", source: "env" });
    expect(resolveAwsSettings(withEndpoints({ imds: "http://127.0.0.1:5" }), {}).imds).toMatchObject({ endpoint: "http://127.0.0.1:5", source: "config" });
    expect(resolveAwsSettings(sampleConfig(), {}).imds).toMatchObject({ endpoint: IMDS_DEFAULT_ENDPOINT, source: "default", disabled: false });
    expect(resolveAwsSettings(sampleConfig(), { AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: "IPv6" }).imds.endpoint).toBe(IMDS_DEFAULT_ENDPOINT_IPV6);
    expect(resolveAwsSettings(sampleConfig(), { AWS_EC2_METADATA_DISABLED: "true" }).imds.disabled).toBe(true);
  });

  it("region: config, then AWS_REGION, else left to IMDS", () => {
    expect(resolveAwsSettings(sampleConfig({ region: "eu-west-1" }), { AWS_REGION: "us-west-2" }).region).toEqual({ value: "eu-west-1", source: "config" });
    const { region: _r, ...noRegion } = sampleConfig();
    expect(resolveAwsSettings(noRegion, { AWS_REGION: "us-west-2" }).region).toEqual({ value: "us-west-2", source: "env" });
    expect(resolveAwsSettings(noRegion, {}).region).toBeUndefined();
  });

  it("timeouts come from the config's budgets; attempts are raised so the deadline bounds a call", () => {
    const s = resolveAwsSettings(sampleConfig({ timeouts: { requestMs: 1500, connectMs: 250 } }), {});
    expect([s.requestMs, s.connectMs, s.maxAttempts]).toEqual([1500, 250, MAX_ATTEMPTS]);
    expect(resolveAwsSettings(sampleConfig(), {})).toMatchObject({ requestMs: 3000, connectMs: 1000 });
    expect(MAX_ATTEMPTS).toBeGreaterThan(3);
  });

  it("path style is forced for localhost only (the SDK already does it for IP literals)", () => {
    expect(needsPathStyle("http://localhost:4566")).toBe(true);
    expect(needsPathStyle("http://s3.localhost:4566")).toBe(true);
    expect(needsPathStyle("http://127.0.0.1:4566")).toBe(false);
    expect(needsPathStyle("https://bucket.vpce-0123.s3.us-east-1.vpce.amazonaws.com")).toBe(false);
    expect(needsPathStyle(undefined)).toBe(false);
  });
});

describe("request inputs", () => {
  const route = (destination: string): ReplaceRouteOperation => {
    const d = destination.startsWith("pl-")
      ? { kind: "prefixList" as const, prefixListId: destination }
      : destination.includes(":")
        ? { kind: "ipv6" as const, cidr: destination }
        : { kind: "ipv4" as const, cidr: destination };
    return { action: "ReplaceRoute", target: `rtb-1 ${destination}`, node: "b", routeTableId: "rtb-1", destination: d, networkInterfaceId: "eni-b", role: "internal" };
  };

  it("ReplaceRoute picks the destination field by kind; DryRun only when asked", () => {
    expect(replaceRouteInput(route("10.0.0.0/8"), false)).toEqual({ RouteTableId: "rtb-1", DestinationCidrBlock: "10.0.0.0/8", NetworkInterfaceId: "eni-b", DryRun: undefined });
    expect(replaceRouteInput(route("2001:db8::/32"), true)).toEqual({ RouteTableId: "rtb-1", DestinationIpv6CidrBlock: "2001:db8::/32", NetworkInterfaceId: "eni-b", DryRun: true });
    expect(replaceRouteInput(route("pl-0123"), false)).toMatchObject({ DestinationPrefixListId: "pl-0123" });
  });

  it("AssignPrivateIpAddresses: all IPs, AllowReassignment, and no DryRun member (the API has none)", () => {
    const input = assignPrivateIpsInput({ action: "AssignPrivateIpAddresses", target: "eni-b", node: "b", networkInterfaceId: "eni-b", role: "x", privateIps: ["10.0.1.10", "10.0.1.11"] });
    expect(input).toEqual({ NetworkInterfaceId: "eni-b", PrivateIpAddresses: ["10.0.1.10", "10.0.1.11"], AllowReassignment: true });
    expect("DryRun" in input).toBe(false);
  });

  it("AssociateAddress: explicit private IP and AllowReassociation", () => {
    const input = associateAddressInput({ action: "AssociateAddress", target: "eipalloc-1", node: "b", allocationId: "eipalloc-1", networkInterfaceId: "eni-b", privateIp: "10.0.1.5", role: "x" }, true);
    expect(input).toEqual({ AllocationId: "eipalloc-1", NetworkInterfaceId: "eni-b", PrivateIpAddress: "10.0.1.5", AllowReassociation: true, DryRun: true });
  });

  it("ARNs per action, partition from the region, placeholders when unknown", () => {
    expect(operationArns(route("10.0.0.0/8"), "cn-north-1", "111122223333")).toEqual(["arn:aws-cn:ec2:cn-north-1:111122223333:route-table/rtb-1"]);
    expect(operationArns({ action: "AssociateAddress", target: "e", node: "b", allocationId: "eipalloc-1", networkInterfaceId: "eni-b", privateIp: "1.1.1.1", role: "x" }, undefined, undefined)).toEqual([
      "arn:aws:ec2:REGION:ACCOUNT:elastic-ip/eipalloc-1",
      "arn:aws:ec2:REGION:ACCOUNT:network-interface/eni-b",
    ]);
    expect(partitionOf("us-gov-west-1")).toBe("aws-us-gov");
  });
});

describe("observed state", () => {
  const config = sampleConfig();
  const a = config.nodes.a.interfaces;
  const b = config.nodes.b.interfaces;

  it("reads every interface of both nodes, the allocations and the route tables named", () => {
    expect(observedIds(config)).toEqual({
      interfaceIds: [a.external?.id, a.internal?.id, b.external?.id, b.internal?.id],
      allocationIds: ["eipalloc-0eeeeeeeeeeeeeee1", "eipalloc-0eeeeeeeeeeeeeee2"],
      routeTableIds: ["rtb-0ccccccccccccccc1", "rtb-0ccccccccccccccc2"],
      // No association mode in this config: no subnet's table to read.
      subnetIds: [],
    });
  });

  it("maps describe results onto the config's items", () => {
    const observed = buildObservedState(config, {
      interfaces: [
        { NetworkInterfaceId: b.external?.id, PrivateIpAddresses: [{ PrivateIpAddress: "10.0.1.5", Primary: true }, { PrivateIpAddress: "10.0.1.10" }, { PrivateIpAddress: "10.0.1.11" }] },
        { NetworkInterfaceId: a.internal?.id, PrivateIpAddresses: [{ PrivateIpAddress: "10.0.2.4", Primary: true }] },
      ],
      addresses: [
        { AllocationId: "eipalloc-0eeeeeeeeeeeeeee1", AssociationId: "eipassoc-1", NetworkInterfaceId: b.external?.id, PrivateIpAddress: "10.0.1.5" },
        { AllocationId: "eipalloc-0eeeeeeeeeeeeeee2" },
      ],
      routeTables: [
        {
          RouteTableId: "rtb-0ccccccccccccccc1",
          Routes: [
            { DestinationCidrBlock: "10.0.0.0/16", GatewayId: "local", State: "active" },
            { DestinationCidrBlock: "0.0.0.0/0", NetworkInterfaceId: b.internal?.id, InstanceId: "i-b", State: "active" },
            { DestinationPrefixListId: "pl-0123456789abcdef0", NetworkInterfaceId: a.internal?.id, State: "blackhole" },
          ],
        },
      ],
    });
    expect(observed.privateIps).toEqual({ "10.0.1.10": b.external?.id, "10.0.1.11": b.external?.id, "10.0.2.10": null });
    expect(observed.elasticIps).toEqual({ "eipalloc-0eeeeeeeeeeeeeee1": { networkInterfaceId: b.external?.id, privateIp: "10.0.1.5" }, "eipalloc-0eeeeeeeeeeeeeee2": null });
    expect(observed.routes).toEqual({
      [routeKey("rtb-0ccccccccccccccc1", "0.0.0.0/0")]: { networkInterfaceId: b.internal?.id, target: b.internal?.id, state: "active" },
      [routeKey("rtb-0ccccccccccccccc1", "pl-0123456789abcdef0")]: { networkInterfaceId: a.internal?.id, target: a.internal?.id, state: "blackhole" },
      // The table was not returned: its route is absent.
      [routeKey("rtb-0ccccccccccccccc2", "10.100.0.0/16")]: null,
    });
  });

  it("a route to a gateway has no interface, and says what it targets", () => {
    const cfg = sampleConfig({ addresses: {}, routes: [{ routeTableId: "rtb-1", destinations: ["0.0.0.0/0"], nextHop: { role: "internal" } }] });
    const observed = buildObservedState(cfg, { interfaces: [], addresses: [], routeTables: [{ RouteTableId: "rtb-1", Routes: [{ DestinationCidrBlock: "0.0.0.0/0", GatewayId: "igw-1", State: "active" }] }] });
    expect(observed.routes[routeKey("rtb-1", "0.0.0.0/0")]).toEqual({ networkInterfaceId: null, target: "igw-1", state: "active" });
  });

  it("CIDRs match however they are spelled; keys keep the config's spelling", () => {
    expect(canonicalCidr("2001:DB8:0:0::/32")).toBe("2001:db8::/32");
    expect(canonicalCidr("010.000.0.0/08")).toBe("10.0.0.0/8");
    const cfg = sampleConfig({ addresses: {}, routes: [{ routeTableId: "rtb-1", destinations: ["2001:DB8::/32"], nextHop: { role: "internal" } }] });
    const observed = buildObservedState(cfg, { interfaces: [], addresses: [], routeTables: [{ RouteTableId: "rtb-1", Routes: [{ DestinationIpv6CidrBlock: "2001:db8::/32", NetworkInterfaceId: "eni-x", State: "active" }] }] });
    expect(observed.routes[routeKey("rtb-1", "2001:DB8::/32")]?.networkInterfaceId).toBe("eni-x");
  });
});

describe("state object parsing", () => {
  const good = {
    schemaVersion: 1,
    label: "p",
    generation: 3,
    activeNode: "b",
    taskId: "t",
    taskState: "SUCCEEDED",
    owner: { node: "b" },
    startedAt: "2025-01-01T00:00:00Z",
    deadlineAt: "2025-01-01T00:00:30Z",
    operations: [],
  };

  it("accepts a state object", () => {
    expect(parseState(JSON.stringify(good), "s3://b/k")).toEqual(good);
  });

  it.each([
    ["not JSON", "{"],
    ["an array", "[]"],
    ["schema version 0", JSON.stringify({ ...good, schemaVersion: 0 })],
    ["bad node", JSON.stringify({ ...good, activeNode: "c" })],
    ["no operations", JSON.stringify({ ...good, operations: undefined })],
  ])("rejects %s as corrupt, naming the object and the fix", (_what, text) => {
    let caught: unknown;
    try {
      parseState(text, "s3://b/k");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(HaPairError);
    expect((caught as HaPairError).code).toBe("StateCorrupt");
    expect((caught as HaPairError).describe()).toContain("s3://b/k");
    expect((caught as HaPairError).describe()).toContain("ha-pair reset");
  });
});

describe("identity document", () => {
  it("takes instance, region, AZ (and account) from the document", () => {
    expect(parseIdentityDocument(JSON.stringify({ instanceId: "i-1", region: "eu-west-1", availabilityZone: "eu-west-1a", accountId: "1" }), "http://x")).toEqual({
      instanceId: "i-1",
      region: "eu-west-1",
      availabilityZone: "eu-west-1a",
      accountId: "1",
    });
  });
  it("refuses a document without instanceId or region", () => {
    expect(() => parseIdentityDocument("<html>", "http://x")).toThrow(HaPairError);
  });
});

describe("AWS_REQUIRED_ACTIONS", () => {
  it("lists every action the provider's call tables name, with the service prefix, and nothing else", () => {
    const operationActions: OperationAction[] = ["AssignPrivateIpAddresses", "AssociateAddress", "ReplaceRoute", "ReplaceRouteTableAssociation"];
    expect(Object.keys(EC2_MUTATING_API).sort()).toEqual([...operationActions].sort());
    expect(AWS_REQUIRED_ACTIONS).toEqual({
      ec2Mutating: ["ec2:AssignPrivateIpAddresses", "ec2:AssociateAddress", "ec2:ReplaceRoute", "ec2:ReplaceRouteTableAssociation"],
      ec2Read: ["ec2:DescribeNetworkInterfaces", "ec2:DescribeAddresses", "ec2:DescribeRouteTables", "ec2:DescribeInstances", "ec2:DescribeSubnets"],
      s3: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
    });
    expect(AWS_REQUIRED_ACTIONS.ec2Read).toEqual(EC2_READ_API.map((a) => `ec2:${a}`));
    expect(AWS_REQUIRED_ACTIONS.s3).toEqual(S3_API.map((a) => `s3:${a}`));
    expect(AWS_S3_BUCKET_ACTIONS).toEqual(["s3:ListBucket"]);
  });
});
