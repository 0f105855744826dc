/**
 * The malformed-config corpus: every way a hand-written or generated agent config can be
 * wrong, each answered by validateConfig with the exact JSON path and a message a network
 * engineer can act on. Most cases are one mutation of a valid base config; a few are files.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  ConfigInvalidError,
  locateJsonSyntaxError,
  parseConfigText,
  validateConfig,
  type ConfigError,
} from "../runtime/config/index.js";
import { canonicalDestination } from "../runtime/config/semantics.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- mutations reach into an untyped document on purpose
type Doc = Record<string, any>;

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/configs/${name}`, import.meta.url));
const BASE_TEXT = readFileSync(fixture("base.json"), "utf8");
const base = (): Doc => JSON.parse(BASE_TEXT) as Doc;

interface Expected {
  path: string;
  /** A fragment of the message (or a pattern), enough to prove it says what is wrong and what is expected. */
  message: string | RegExp;
}
interface Case {
  name: string;
  mutate: (doc: Doc) => Doc | void;
  expect: Expected[];
}

const e = (path: string, message: string | RegExp): Expected => ({ path, message });
const ENI = "eni-0123456789abcdef0";

const cases: Case[] = [
  // --- top level: wrong types, missing fields, unknown properties ---------------------
  { name: "root is an array", mutate: () => [] as unknown as Doc, expect: [e("", /^must be an object \(an ha-pair agent config: .*\), got an array \[\]$/)] },
  { name: "root is null", mutate: () => null as unknown as Doc, expect: [e("", /^must be an object \(an ha-pair agent config: .*\), got null$/)] },
  { name: "version is a string", mutate: (d) => { d.version = "1"; }, expect: [e("/version", 'must be the config contract version, 1, got "1"')] },
  { name: "version 2", mutate: (d) => { d.version = 2; }, expect: [e("/version", "version, 1, got 2")] },
  { name: "version missing", mutate: (d) => { delete d.version; }, expect: [e("/version", "is required: the config contract version, 1")] },
  { name: "cloud unknown", mutate: (d) => { d.cloud = "gcp"; }, expect: [e("/cloud", 'must be one of "aws", "azure" (the cloud the pair runs in: aws or azure; the rest of the document follows that cloud\'s branch), got "gcp"')] },
  { name: "cloud missing", mutate: (d) => { delete d.cloud; }, expect: [e("/cloud", "is required")] },
  { name: "$schema is a number", mutate: (d) => { d.$schema = 1; }, expect: [e("/$schema", "must be a string")] },
  { name: "unknown top-level property, wrong case", mutate: (d) => { d.Region = d.region; delete d.region; }, expect: [e("/Region", 'did you mean "region"?')] },
  { name: "unknown top-level property", mutate: (d) => { d.failoverMode = "fast"; }, expect: [e("/failoverMode", /not a known property here.*Allowed: \$schema, version, cloud, label, region/)] },
  // Without a cloud there is no branch of the union to hold the rest against: only the cloud is asked for.
  { name: "all required fields missing", mutate: () => ({}), expect: [e("/cloud", "is required: the cloud the pair runs in: aws or azure")] },
  { name: "all required fields missing but the cloud", mutate: () => ({ cloud: "aws" }), expect: ["version", "label", "nodes", "stateStore"].map((k) => e(`/${k}`, "is required")) },

  // --- label, region -----------------------------------------------------------------
  { name: "label is a number", mutate: (d) => { d.label = 42; }, expect: [e("/label", "must be a string")] },
  { name: "label empty", mutate: (d) => { d.label = ""; }, expect: [e("/label", "must be at least 1 character long")] },
  { name: "label with a forbidden character", mutate: (d) => { d.label = "prod*edge"; }, expect: [e("/label", 'must be an AWS tag value: 1-256 letters, digits, spaces and _ . : / = + - @, got "prod*edge"')] },
  { name: "label too long", mutate: (d) => { d.label = "x".repeat(257); }, expect: [e("/label", "must be at most 256 characters long")] },
  { name: "region with an AZ letter", mutate: (d) => { d.region = "us-east-1a"; }, expect: [e("/region", 'must be an AWS Region name such as us-east-1 (lowercase, no Availability Zone letter), got "us-east-1a"')] },
  { name: "region upper case", mutate: (d) => { d.region = "US-EAST-1"; }, expect: [e("/region", "AWS Region name")] },
  { name: "region without dashes", mutate: (d) => { d.region = "useast1"; }, expect: [e("/region", "AWS Region name")] },
  { name: "region is a number", mutate: (d) => { d.region = 1; }, expect: [e("/region", "must be a string")] },

  // --- tags ----------------------------------------------------------------------------
  { name: "label tag key with aws: prefix", mutate: (d) => { d.tags = { labelKey: "aws:label" }; }, expect: [e("/tags/labelKey", 'not starting with aws:, which is reserved for AWS, got "aws:label"')] },
  { name: "nic map tag key with AWS: prefix in another case", mutate: (d) => { d.tags = { nicMapKey: "Aws:nic" }; }, expect: [e("/tags/nicMapKey", "not starting with aws:")] },
  { name: "tag key too long", mutate: (d) => { d.tags = { labelKey: "k".repeat(129) }; }, expect: [e("/tags/labelKey", "must be at most 128 characters long")] },
  { name: "tag key with a forbidden character", mutate: (d) => { d.tags = { labelKey: "label#1" }; }, expect: [e("/tags/labelKey", "must be an AWS tag key")] },
  { name: "tag key empty", mutate: (d) => { d.tags = { nicMapKey: "" }; }, expect: [e("/tags/nicMapKey", "must be at least 1 character long")] },
  { name: "label and nic map share a tag key", mutate: (d) => { d.tags = { labelKey: "ha", nicMapKey: "ha" }; }, expect: [e("/tags/nicMapKey", '"ha" is used for both the label tag and the nic map tag')] },
  { name: "nic map key equal to the default label key", mutate: (d) => { d.tags = { nicMapKey: "f5_cloud_failover_label" }; }, expect: [e("/tags/nicMapKey", "must be two different tag keys")] },
  { name: "tags: mistyped property", mutate: (d) => { d.tags = { labelkey: "ha" }; }, expect: [e("/tags/labelkey", 'did you mean "labelKey"?')] },

  // --- nodes -----------------------------------------------------------------------------
  { name: "nodes is an array", mutate: (d) => { d.nodes = [d.nodes.a, d.nodes.b]; }, expect: [e("/nodes", "must be an object")] },
  { name: "node b missing", mutate: (d) => { delete d.nodes.b; }, expect: [e("/nodes/b", 'is required: a node: {"instanceId"')] },
  { name: "a third node", mutate: (d) => { d.nodes.c = d.nodes.b; }, expect: [e("/nodes/c", "Allowed: a, b")] },
  { name: "node is null", mutate: (d) => { d.nodes.a = null; }, expect: [e("/nodes/a", "must be an object")] },
  { name: "instance ID missing", mutate: (d) => { delete d.nodes.a.instanceId; }, expect: [e("/nodes/a/instanceId", "is required: an EC2 instance ID like i-0123456789abcdef0")] },
  { name: "instance ID too short", mutate: (d) => { d.nodes.a.instanceId = "i-123"; }, expect: [e("/nodes/a/instanceId", 'must be an EC2 instance ID like i-0123456789abcdef0, got "i-123"')] },
  { name: "instance ID in upper case", mutate: (d) => { d.nodes.b.instanceId = "i-0BBBBBBBBBBBBBBB1"; }, expect: [e("/nodes/b/instanceId", "EC2 instance ID")] },
  { name: "instance ID is a name tag", mutate: (d) => { d.nodes.b.instanceId = "bigip-b"; }, expect: [e("/nodes/b/instanceId", "EC2 instance ID")] },
  { name: "same instance for both nodes", mutate: (d) => { d.nodes.b.instanceId = d.nodes.a.instanceId; }, expect: [e("/nodes/b/instanceId", "is the same instance as /nodes/a/instanceId (i-0aaaaaaaaaaaaaaa1); a pair needs two different instances")] },
  { name: "interfaces missing", mutate: (d) => { delete d.nodes.b.interfaces; }, expect: [e("/nodes/b/interfaces", "is required: this node's interfaces keyed by role")] },
  { name: "interfaces empty", mutate: (d) => { d.nodes.a.interfaces = {}; d.addresses = undefined; delete d.addresses; delete d.routes; }, expect: [e("/nodes/a/interfaces", "must have at least 1 entry")] },
  { name: "interfaces as a list", mutate: (d) => { d.nodes.a.interfaces = [{ id: ENI }]; }, expect: [e("/nodes/a/interfaces", "must be an object (this node's interfaces keyed by role")] },
  { name: "interface given as a bare ENI ID", mutate: (d) => { d.nodes.a.interfaces.external = ENI; }, expect: [e("/nodes/a/interfaces/external", 'must be an object (an interface: {"id": "eni-0123456789abcdef0"}), got "eni-0123456789abcdef0"')] },
  { name: "interface without id", mutate: (d) => { d.nodes.a.interfaces.internal = {}; }, expect: [e("/nodes/a/interfaces/internal/id", "is required: a network interface ID")] },
  { name: "interface id under another name", mutate: (d) => { d.nodes.a.interfaces.internal = { eniId: ENI }; }, expect: [e("/nodes/a/interfaces/internal/id", "is required"), e("/nodes/a/interfaces/internal/eniId", "Allowed: id")] },
  { name: "ENI ID malformed", mutate: (d) => { d.nodes.a.interfaces.external.id = "eni-12345"; }, expect: [e("/nodes/a/interfaces/external/id", 'must be a network interface ID like eni-0123456789abcdef0, got "eni-12345"')] },
  { name: "ENI ID is an attachment ID", mutate: (d) => { d.nodes.b.interfaces.internal.id = "eni-attach-0123456789abcdef0"; }, expect: [e("/nodes/b/interfaces/internal/id", "network interface ID")] },
  { name: "role name starting with a digit", mutate: (d) => { d.nodes.a.interfaces["1st"] = { id: ENI }; }, expect: [e("/nodes/a/interfaces/1st", 'the key "1st" must be an interface role name')] },
  { name: "role name with a slash is escaped in the path", mutate: (d) => { d.nodes.a.interfaces["ext/1"] = { id: ENI }; }, expect: [e("/nodes/a/interfaces/ext~11", "interface role name")] },
  { name: "same ENI on both nodes", mutate: (d) => { d.nodes.b.interfaces.external.id = d.nodes.a.interfaces.external.id; }, expect: [e("/nodes/b/interfaces/external/id", "eni-0aaaaaaaaaaaaaaa1 is already used at /nodes/a/interfaces/external/id")] },
  { name: "same ENI for two roles of one node", mutate: (d) => { d.nodes.a.interfaces.internal.id = d.nodes.a.interfaces.external.id; }, expect: [e("/nodes/a/interfaces/internal/id", "every role of every node needs its own network interface")] },

  // --- secondary IPs (same-subnet mode) ---------------------------------------------------
  { name: "addresses: unknown property", mutate: (d) => { d.addresses.secondaryIPs = []; }, expect: [e("/addresses/secondaryIPs", 'did you mean "secondaryIps"?')] },
  { name: "secondaryIps is an object", mutate: (d) => { d.addresses.secondaryIps = { role: "external", ips: ["10.0.1.50"] }; }, expect: [e("/addresses/secondaryIps", "must be an array")] },
  { name: "group without role", mutate: (d) => { delete d.addresses.secondaryIps[0].role; }, expect: [e("/addresses/secondaryIps/0/role", "is required: an interface role name")] },
  { name: "group without ips", mutate: (d) => { delete d.addresses.secondaryIps[0].ips; }, expect: [e("/addresses/secondaryIps/0/ips", "is required")] },
  { name: "group with no ips", mutate: (d) => { d.addresses.secondaryIps[0].ips = []; }, expect: [e("/addresses/secondaryIps/0/ips", "must list at least 1 item")] },
  { name: "IPv4 octet out of range", mutate: (d) => { d.addresses.secondaryIps[0].ips[1] = "10.0.1.256"; }, expect: [e("/addresses/secondaryIps/0/ips/1", 'must be an IPv4 address like 10.0.1.10, got "10.0.1.256"')] },
  { name: "IPv4 written as a CIDR", mutate: (d) => { d.addresses.secondaryIps[0].ips[1] = "10.0.1.51/32"; }, expect: [e("/addresses/secondaryIps/0/ips/1", "IPv4 address")] },
  { name: "IPv4 with a leading zero", mutate: (d) => { d.addresses.secondaryIps[0].ips[1] = "10.0.1.051"; }, expect: [e("/addresses/secondaryIps/0/ips/1", "IPv4 address")] },
  { name: "IP given as a number", mutate: (d) => { d.addresses.secondaryIps[0].ips[1] = 167772467; }, expect: [e("/addresses/secondaryIps/0/ips/1", "must be a string")] },
  { name: "duplicate IP in one group", mutate: (d) => { d.addresses.secondaryIps[0].ips.push("10.0.1.50"); }, expect: [e("/addresses/secondaryIps/0/ips/2", 'repeats "10.0.1.50" (also at /addresses/secondaryIps/0/ips/0)')] },
  { name: "same IP in two groups", mutate: (d) => { d.addresses.secondaryIps.push({ role: "internal", ips: ["10.0.2.50", "10.0.1.51"] }); }, expect: [e("/addresses/secondaryIps/1/ips/1", "10.0.1.51 is already listed at /addresses/secondaryIps/0/ips/1; an IP can move with one group only")] },
  { name: "group role missing on node b", mutate: (d) => { d.nodes.a.interfaces.dmz = { id: ENI }; d.addresses.secondaryIps.push({ role: "dmz", ips: ["10.0.3.50"] }); }, expect: [e("/addresses/secondaryIps/1/role", 'role "dmz" is not an interface of node b; add it under /nodes/b/interfaces, or use a role both nodes have: external, internal')] },
  { name: "group role with a space", mutate: (d) => { d.addresses.secondaryIps[0].role = "ext ernal"; }, expect: [e("/addresses/secondaryIps/0/role", 'must be an interface role name such as external or internal (a letter, then letters, digits, _ or -), got "ext ernal"')] },

  // --- Elastic IPs -------------------------------------------------------------------------
  { name: "allocation ID malformed", mutate: (d) => { d.addresses.elasticIps[0].allocationId = "eipalloc-xyz"; }, expect: [e("/addresses/elasticIps/0/allocationId", 'must be an Elastic IP allocation ID like eipalloc-0123456789abcdef0, got "eipalloc-xyz"')] },
  { name: "association ID instead of allocation ID", mutate: (d) => { d.addresses.elasticIps[0].allocationId = "eipassoc-0123456789abcdef0"; }, expect: [e("/addresses/elasticIps/0/allocationId", "allocation ID")] },
  { name: "public IP instead of allocation ID", mutate: (d) => { delete d.addresses.elasticIps[1].allocationId; d.addresses.elasticIps[1].publicIp = "203.0.113.11"; }, expect: [e("/addresses/elasticIps/1/allocationId", "is required: an Elastic IP allocation ID")] },
  { name: "duplicate allocation ID", mutate: (d) => { d.addresses.elasticIps[1].allocationId = d.addresses.elasticIps[0].allocationId; }, expect: [e("/addresses/elasticIps/1/allocationId", "eipalloc-0aaaaaaaaaaaaaaa1 is already listed at /addresses/elasticIps/0/allocationId")] },
  { name: "public IP malformed", mutate: (d) => { d.addresses.elasticIps[0].publicIp = "203.0.113"; }, expect: [e("/addresses/elasticIps/0/publicIp", 'must be an IPv4 address like 10.0.1.10, got "203.0.113"')] },
  { name: "same public IP twice", mutate: (d) => { d.addresses.elasticIps[1].publicIp = "203.0.113.10"; }, expect: [e("/addresses/elasticIps/1/publicIp", "203.0.113.10 is already the public IP at /addresses/elasticIps/0/publicIp")] },
  { name: "private IP of node b missing", mutate: (d) => { delete d.addresses.elasticIps[1].privateIp.b; }, expect: [e("/addresses/elasticIps/1/privateIp/b", "is required: an IPv4 address")] },
  { name: "private IP given as one string", mutate: (d) => { d.addresses.elasticIps[1].privateIp = "10.0.1.11"; }, expect: [e("/addresses/elasticIps/1/privateIp", 'must be an object (the private IP the Elastic IP maps to on each node\'s interface of the role: {"a"')] },
  { name: "private IP for an unknown node", mutate: (d) => { d.addresses.elasticIps[1].privateIp.c = "10.0.1.13"; }, expect: [e("/addresses/elasticIps/1/privateIp/c", "Allowed: a, b")] },
  { name: "EIP role missing on both nodes", mutate: (d) => { d.addresses.elasticIps[1].role = "public"; }, expect: [e("/addresses/elasticIps/1/role", 'role "public" is not an interface of node a and b')] },
  { name: "EIP private IP a == b that does not move", mutate: (d) => { d.addresses.elasticIps[1].privateIp = { a: "10.0.1.11", b: "10.0.1.11" }; }, expect: [e("/addresses/elasticIps/1/privateIp", "a and b are both 10.0.1.11, but that IP is not a secondary IP that moves between the nodes; give each node its own private IP")] },
  { name: "EIP on a moving IP of another role", mutate: (d) => { d.addresses.elasticIps[0].role = "internal"; }, expect: [e("/addresses/elasticIps/0/privateIp", 'that IP moves with role "external" (/addresses/secondaryIps/0/ips/0), not "internal"')] },
  { name: "EIP private IP of one node is a moving IP", mutate: (d) => { d.addresses.elasticIps[1].privateIp.a = "10.0.1.51"; }, expect: [e("/addresses/elasticIps/1/privateIp/a", "10.0.1.51 moves between the nodes (/addresses/secondaryIps/0/ips/1), so it cannot be node a's own address")] },
  { name: "node a's private IP claimed for node b", mutate: (d) => { d.addresses.elasticIps.push({ allocationId: "eipalloc-0aaaaaaaaaaaaaaa3", role: "external", privateIp: { a: "10.0.1.13", b: "10.0.1.11" } }); }, expect: [e("/addresses/elasticIps/2/privateIp/b", "10.0.1.11 is node a's address at /addresses/elasticIps/1/privateIp/a; a private IP lives on one interface")] },
  { name: "two EIPs on one private IP", mutate: (d) => { d.addresses.elasticIps.push({ allocationId: "eipalloc-0aaaaaaaaaaaaaaa3", role: "external", privateIp: { a: "10.0.1.11", b: "10.0.1.14" } }); }, expect: [e("/addresses/elasticIps/2/privateIp/a", "10.0.1.11 on node a already carries the Elastic IP at /addresses/elasticIps/1 (eipalloc-0aaaaaaaaaaaaaaa2); a private IP can have only one Elastic IP")] },
  { name: "two EIPs on one moving IP", mutate: (d) => { d.addresses.elasticIps.push({ allocationId: "eipalloc-0aaaaaaaaaaaaaaa3", role: "external", privateIp: { a: "10.0.1.50", b: "10.0.1.50" } }); }, expect: [e("/addresses/elasticIps/2/privateIp", "10.0.1.50 already carries the Elastic IP at /addresses/elasticIps/0 (eipalloc-0aaaaaaaaaaaaaaa1)")] },

  // --- routes --------------------------------------------------------------------------------
  { name: "routes is an object", mutate: (d) => { d.routes = d.routes[0]; }, expect: [e("/routes", "must be an array")] },
  { name: "routeTableID typo", mutate: (d) => { d.routes[0].routeTableID = d.routes[0].routeTableId; delete d.routes[0].routeTableId; }, expect: [e("/routes/0/routeTableId", "is required: a route table ID like rtb-0123456789abcdef0"), e("/routes/0/routeTableID", 'is not a known property here; did you mean "routeTableId"? Allowed: routeTableId, destinations, nextHop')] },
  { name: "route table ID malformed", mutate: (d) => { d.routes[0].routeTableId = "rtb-12"; }, expect: [e("/routes/0/routeTableId", 'must be a route table ID like rtb-0123456789abcdef0, got "rtb-12"')] },
  { name: "route table ID is a subnet ID", mutate: (d) => { d.routes[0].routeTableId = "subnet-0123456789abcdef0"; }, expect: [e("/routes/0/routeTableId", "route table ID")] },
  { name: "destinations empty", mutate: (d) => { d.routes[0].destinations = []; }, expect: [e("/routes/0/destinations", "must list at least 1 item")] },
  { name: "destination is a bare string", mutate: (d) => { d.routes[0].destinations = "0.0.0.0/0"; }, expect: [e("/routes/0/destinations", "must be an array")] },
  { name: "IPv4 prefix longer than 32", mutate: (d) => { d.routes[0].destinations[1] = "10.0.0.0/33"; }, expect: [e("/routes/0/destinations/1", 'must be a route destination: an IPv4 CIDR (10.0.0.0/16), an IPv6 CIDR (2001:db8::/32) or a prefix list ID (pl-0123456789abcdef0), got "10.0.0.0/33"')] },
  { name: "IPv6 prefix longer than 128", mutate: (d) => { d.routes[0].destinations[1] = "2001:db8::/129"; }, expect: [e("/routes/0/destinations/1", '"2001:db8::/129"')] },
  { name: "destination without a prefix", mutate: (d) => { d.routes[0].destinations[1] = "10.0.0.0"; }, expect: [e("/routes/0/destinations/1", "route destination")] },
  { name: "destination with a short address", mutate: (d) => { d.routes[0].destinations[1] = "10.0.0/8"; }, expect: [e("/routes/0/destinations/1", "route destination")] },
  { name: "destination with a garbage prefix", mutate: (d) => { d.routes[0].destinations[1] = "10.0.0.0/8x"; }, expect: [e("/routes/0/destinations/1", "route destination")] },
  { name: "destination 'default'", mutate: (d) => { d.routes[0].destinations[0] = "default"; }, expect: [e("/routes/0/destinations/0", "route destination")] },
  { name: "prefix list ID malformed", mutate: (d) => { d.routes[0].destinations[1] = "pl-12345"; }, expect: [e("/routes/0/destinations/1", "prefix list ID (pl-0123456789abcdef0)")] },
  { name: "duplicate destination in one route", mutate: (d) => { d.routes[0].destinations.push("0.0.0.0/0"); }, expect: [e("/routes/0/destinations/2", 'repeats "0.0.0.0/0" (also at /routes/0/destinations/0)')] },
  { name: "duplicate destination across route entries of one table", mutate: (d) => { d.routes.push({ routeTableId: d.routes[0].routeTableId, destinations: ["192.168.0.0/16"], nextHop: { role: "external" } }); }, expect: [e("/routes/1/destinations/0", "route 192.168.0.0/16 in rtb-0aaaaaaaaaaaaaaa1 is already listed at /routes/0/destinations/1; a route has one next hop")] },
  { name: "duplicate destination hidden by host bits", mutate: (d) => { d.routes[0].destinations.push("192.168.7.1/16"); }, expect: [e("/routes/0/destinations/2", "(both are 192.168.0.0/16)")] },
  { name: "duplicate IPv6 destination written two ways", mutate: (d) => { d.routes[0].destinations.push("2001:DB8::/32", "2001:0db8:0::/32"); }, expect: [e("/routes/0/destinations/3", "already listed at /routes/0/destinations/2 (both are 2001:db8:0:0:0:0:0:0/32)")] },
  { name: "next hop missing", mutate: (d) => { delete d.routes[0].nextHop; }, expect: [e("/routes/0/nextHop", "is required: the role of the active node's interface")] },
  { name: "next hop as a string", mutate: (d) => { d.routes[0].nextHop = "internal"; }, expect: [e("/routes/0/nextHop", 'must be an object (the role of the active node\'s interface the routes point to: {"role": "internal"}), got "internal"')] },
  { name: "next hop as an ENI", mutate: (d) => { d.routes[0].nextHop = { networkInterfaceId: ENI }; }, expect: [e("/routes/0/nextHop/role", "is required"), e("/routes/0/nextHop/networkInterfaceId", "Allowed: role")] },
  { name: "next hop role missing on node b", mutate: (d) => { delete d.nodes.b.interfaces.internal; }, expect: [e("/routes/0/nextHop/role", 'role "internal" is not an interface of node b; add it under /nodes/b/interfaces, or use a role both nodes have: external')] },

  // --- state store -----------------------------------------------------------------------------
  { name: "state store missing", mutate: (d) => { delete d.stateStore; }, expect: [e("/stateStore", "is required: where the agent keeps its fenced state object")] },
  { name: "state store type dynamodb", mutate: (d) => { d.stateStore.type = "dynamodb"; }, expect: [e("/stateStore/type", 'must be the state store type, s3, got "dynamodb"')] },
  { name: "state store with a prefix instead of a key", mutate: (d) => { d.stateStore.prefix = d.stateStore.key; delete d.stateStore.key; }, expect: [e("/stateStore/key", "is required: an S3 object key"), e("/stateStore/prefix", "Allowed: type, bucket, key")] },
  { name: "bucket in upper case", mutate: (d) => { d.stateStore.bucket = "Prod-Edge"; }, expect: [e("/stateStore/bucket", 'must be an S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, no two dots in a row, not an IP address, no xn-- or sthree- prefix, no -s3alias or --ol-s3 suffix, got "Prod-Edge"')] },
  { name: "bucket too short", mutate: (d) => { d.stateStore.bucket = "ab"; }, expect: [e("/stateStore/bucket", 'must be at least 3 characters long (an S3 bucket name')] },
  { name: "bucket too long", mutate: (d) => { d.stateStore.bucket = "b".repeat(64); }, expect: [e("/stateStore/bucket", "must be at most 63 characters long")] },
  { name: "bucket with two dots in a row", mutate: (d) => { d.stateStore.bucket = "prod..state"; }, expect: [e("/stateStore/bucket", "S3 bucket name")] },
  { name: "bucket that looks like an IP address", mutate: (d) => { d.stateStore.bucket = "192.168.5.4"; }, expect: [e("/stateStore/bucket", "S3 bucket name")] },
  { name: "bucket ending with a hyphen", mutate: (d) => { d.stateStore.bucket = "prod-state-"; }, expect: [e("/stateStore/bucket", "S3 bucket name")] },
  { name: "bucket with a reserved prefix", mutate: (d) => { d.stateStore.bucket = "xn--state"; }, expect: [e("/stateStore/bucket", "S3 bucket name")] },
  { name: "bucket given as an ARN", mutate: (d) => { d.stateStore.bucket = "arn:aws:s3:::prod-state"; }, expect: [e("/stateStore/bucket", "S3 bucket name")] },
  { name: "key starting with /", mutate: (d) => { d.stateStore.key = "/ha-pair/state.json"; }, expect: [e("/stateStore/key", 'must be an S3 object key that neither starts nor ends with /, e.g. ha-pair/prod-edge/state.json, got "/ha-pair/state.json"')] },
  { name: "key ending with /", mutate: (d) => { d.stateStore.key = "ha-pair/"; }, expect: [e("/stateStore/key", "neither starts nor ends with /")] },
  { name: "key empty", mutate: (d) => { d.stateStore.key = ""; }, expect: [e("/stateStore/key", "must be at least 1 character long")] },

  // --- endpoints ---------------------------------------------------------------------------------
  { name: "endpoint with an ftp scheme", mutate: (d) => { d.endpoints = { ec2: "ftp://ec2.internal" }; }, expect: [e("/endpoints/ec2", 'must be an http:// or https:// URL with a host (no user:password@, query or #fragment), got "ftp://ec2.internal"')] },
  { name: "endpoint without a scheme", mutate: (d) => { d.endpoints = { s3: "s3.us-east-1.amazonaws.com" }; }, expect: [e("/endpoints/s3", "http:// or https:// URL")] },
  { name: "endpoint without a host", mutate: (d) => { d.endpoints = { imds: "http://" }; }, expect: [e("/endpoints/imds", "URL with a host")] },
  { name: "endpoint with credentials", mutate: (d) => { d.endpoints = { s3: "https://key:secret@s3.example.com" }; }, expect: [e("/endpoints/s3", "no user:password@")] },
  { name: "endpoint with a query", mutate: (d) => { d.endpoints = { ec2: "https://ec2.example.com/?region=x" }; }, expect: [e("/endpoints/ec2", "query")] },
  { name: "endpoint with a space", mutate: (d) => { d.endpoints = { ec2: "https://ec2 .example.com" }; }, expect: [e("/endpoints/ec2", "http:// or https:// URL")] },
  { name: "endpoint for an unknown service", mutate: (d) => { d.endpoints = { sts: "https://sts.example.com" }; }, expect: [e("/endpoints/sts", "Allowed: ec2, s3, imds")] },

  // --- time budgets -------------------------------------------------------------------------------
  { name: "deadline below the minimum", mutate: (d) => { d.timeouts = { deadlineMs: 500 }; }, expect: [e("/timeouts/deadlineMs", "must be at least 1000 (overall failover deadline in ms, from 1000 to 600000; default 30000), got 500")] },
  { name: "request timeout above the maximum", mutate: (d) => { d.timeouts = { requestMs: 70000 }; }, expect: [e("/timeouts/requestMs", "must be at most 60000")] },
  { name: "connect timeout not a whole number", mutate: (d) => { d.timeouts = { connectMs: 1.5 }; }, expect: [e("/timeouts/connectMs", "must be a whole number (TCP connect timeout of each API request in ms, from 50 to 30000; default 1000), got 1.5")] },
  { name: "deadline written with a unit", mutate: (d) => { d.timeouts = { deadlineMs: "30s" }; }, expect: [e("/timeouts/deadlineMs", 'must be a whole number (overall failover deadline in ms, from 1000 to 600000; default 30000), got "30s"')] },
  { name: "request timeout equal to the deadline", mutate: (d) => { d.timeouts = { deadlineMs: 5000, requestMs: 5000 }; }, expect: [e("/timeouts/requestMs", "requestMs (5000 ms) must be shorter than deadlineMs (5000 ms) so that a failed request can be retried within the deadline")] },
  { name: "deadline below the default request timeout", mutate: (d) => { d.timeouts = { deadlineMs: 2000 }; }, expect: [e("/timeouts/deadlineMs", "requestMs (3000 ms, the default) must be shorter than deadlineMs (2000 ms)")] },
  { name: "connect timeout above the request timeout", mutate: (d) => { d.timeouts = { requestMs: 800, connectMs: 900 }; }, expect: [e("/timeouts/connectMs", "connectMs (900 ms) must not exceed requestMs (800 ms): the connect timeout is part of each request")] },
  { name: "verify interval not shorter than the deadline", mutate: (d) => { d.timeouts = { deadlineMs: 5000, verifyIntervalMs: 8000 }; }, expect: [e("/timeouts/verifyIntervalMs", "verifyIntervalMs (8000 ms) must be shorter than deadlineMs (5000 ms)")] },
  { name: "timeouts: unknown property", mutate: (d) => { d.timeouts = { retries: 3 }; }, expect: [e("/timeouts/retries", "Allowed: deadlineMs, requestMs, connectMs, verifyIntervalMs")] },
  { name: "timeouts in seconds under a typo", mutate: (d) => { d.timeouts = { deadlineMS: 30000 }; }, expect: [e("/timeouts/deadlineMS", 'did you mean "deadlineMs"?')] },

  // --- several errors in one document: all of them, schema and cross-field together -------------
  {
    name: "many errors at once",
    mutate: (d) => {
      d.version = 3;
      d.nodes.a.interfaces.external.id = "eni-xyz";
      d.nodes.b.instanceId = d.nodes.a.instanceId;
      d.routes[0].nextHop.role = "dmz";
      d.stateStore.bucket = "Prod_State";
      d.timeouts = { requestMs: 900, connectMs: 1000 };
    },
    expect: [
      e("/version", "version, 1, got 3"),
      e("/nodes/a/interfaces/external/id", "network interface ID"),
      e("/stateStore/bucket", "S3 bucket name"),
      e("/nodes/b/instanceId", "same instance"),
      e("/routes/0/nextHop/role", 'role "dmz" is not an interface of node a and b'),
      e("/timeouts/connectMs", "must not exceed requestMs"),
    ],
  },
];

/** Each expected error matches a distinct actual error at exactly its path; nothing else is reported. */
function expectErrors(actual: ConfigError[], expected: Expected[]) {
  const unmatched = [...actual];
  for (const want of expected) {
    const index = unmatched.findIndex((got) =>
      got.path === want.path && (typeof want.message === "string" ? got.message.includes(want.message) : want.message.test(got.message)));
    expect(index, `expected an error at ${JSON.stringify(want.path)} saying ${String(want.message)}; got ${JSON.stringify(actual, null, 2)}`).toBeGreaterThanOrEqual(0);
    unmatched.splice(index, 1);
  }
  expect(unmatched, "unexpected extra errors").toEqual([]);
}

describe("the base config", () => {
  it("is valid, so every case below fails for its own mutation only", () => {
    const result = validateConfig(base());
    expect(result).toMatchObject({ ok: true });
  });
});

describe("malformed configs", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const doc = base();
    const replaced = c.mutate(doc);
    const result = validateConfig(replaced === undefined ? doc : replaced);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expectErrors(result.errors, c.expect);
    for (const error of result.errors) {
      expect(error.message.length, error.path).toBeGreaterThan(10);
      expect(error.path === "" || error.path.startsWith("/"), error.path).toBe(true);
    }
  });

  it("has a case for every rule listed in the brief, at least 60 in all", () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });
});

/** Valid variations: the rules must not reject what EC2 accepts. */
const valid: { name: string; mutate: (doc: Doc) => void }[] = [
  { name: "host bits in a CIDR", mutate: (d) => { d.routes[0].destinations.push("172.16.5.4/12"); } },
  { name: "IPv6 CIDRs and a prefix list", mutate: (d) => { d.routes[0].destinations.push("::/0", "2001:db8:1::/48", "pl-0123456789abcdef0", "pl-01234567"); } },
  { name: "the same destination in two route tables", mutate: (d) => { d.routes.push({ routeTableId: "rtb-0aaaaaaaaaaaaaaa2", destinations: ["0.0.0.0/0"], nextHop: { role: "internal" } }); } },
  { name: "short (8-hex) resource IDs", mutate: (d) => { d.nodes.a.instanceId = "i-0123abcd"; d.nodes.a.interfaces.external.id = "eni-0123abcd"; d.routes[0].routeTableId = "rtb-0123abcd"; } },
  { name: "GovCloud and ISO regions", mutate: (d) => { d.region = "us-gov-west-1"; } },
  { name: "custom tag keys with unicode", mutate: (d) => { d.tags = { labelKey: "ha/label", nicMapKey: "ha:nic-map é" }; d.label = "edge pair 1"; } },
  { name: "endpoints with a port, a path and IPv6", mutate: (d) => { d.endpoints = { ec2: "https://vpce-1.ec2.us-east-1.vpce.amazonaws.com", s3: "http://127.0.0.1:4566/", imds: "http://[fd00:ec2::254]" }; } },
  { name: "a bucket with dots and a deep key", mutate: (d) => { d.stateStore = { type: "s3", bucket: "ha.state.example", key: "pairs/prod edge/state.json" }; } },
  { name: "time budgets at their limits", mutate: (d) => { d.timeouts = { deadlineMs: 1000, requestMs: 999, connectMs: 999, verifyIntervalMs: 10 }; } },
  { name: "nothing optional", mutate: (d) => { delete d.$schema; delete d.region; delete d.addresses; delete d.routes; } },
  { name: "an EIP on a moving IP of the same role", mutate: (d) => { d.addresses.elasticIps = [{ allocationId: "eipalloc-01234567", role: "external", privateIp: { a: "10.0.1.51", b: "10.0.1.51" } }]; } },
  { name: "roles that only one node has, unused", mutate: (d) => { d.nodes.a.interfaces.mgmt = { id: "eni-0ccccccccccccccc1" }; } },
];

describe("valid variations", () => {
  it.each(valid.map((v) => [v.name, v] as const))("%s", (_name, v) => {
    const doc = base();
    v.mutate(doc);
    const result = validateConfig(doc);
    expect(result.ok ? [] : result.errors).toEqual([]);
  });
});

describe("every error points into the document", () => {
  // Replace every value in the base config by values of every other type: the validator must
  // never throw, and every path it reports must name the value or a missing child of an object.
  const replacements: unknown[] = [null, 0, -1, 1.5, "", "x", true, [], {}, ["x"], { x: 1 }];
  const leaves: string[][] = [];
  const walk = (value: unknown, path: string[]) => {
    leaves.push(path);
    if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    }
  };
  walk(base(), []);

  const resolve = (doc: unknown, pointer: string): { found: boolean; parent: unknown } => {
    if (pointer === "") return { found: true, parent: undefined };
    const parts = pointer.slice(1).split("/").map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    let current: unknown = doc;
    let parent: unknown;
    for (const part of parts) {
      parent = current;
      if (!current || typeof current !== "object" || !Object.hasOwn(current, part)) return { found: false, parent };
      current = (current as Record<string, unknown>)[part];
    }
    return { found: true, parent };
  };

  it(`for ${leaves.length} paths x ${replacements.length} replacements`, () => {
    let checked = 0;
    for (const path of leaves) {
      for (const replacement of replacements) {
        const doc = base();
        let target: Doc = doc;
        for (const key of path.slice(0, -1)) target = target[key] as Doc;
        const last = path.at(-1);
        const mutated = last === undefined ? replacement : (target[last] = structuredClone(replacement), doc);
        const result = validateConfig(mutated);
        if (result.ok) continue;
        for (const error of result.errors) {
          const { found, parent } = resolve(mutated, error.path);
          // Found, or a required property missing from an object that is there.
          expect(found || (parent !== null && typeof parent === "object" && error.message.startsWith("is required")), `${path.join("/")} = ${JSON.stringify(replacement)}: ${error.path}: ${error.message}`).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(leaves.length);
  });
});

// --- a handful of files --------------------------------------------------------------------------------
describe("config files", () => {
  const syntax: { file: string; line: number; column: number; reason: string }[] = [
    { file: "syntax/trailing-comma.json", line: 9, column: 3, reason: "remove the trailing comma" },
    { file: "syntax/comment.json", line: 2, column: 3, reason: 'expected a property name in double quotes, found "/"' },
    { file: "syntax/single-quotes.json", line: 3, column: 12, reason: "expected a value" },
    { file: "syntax/missing-comma.json", line: 5, column: 3, reason: 'expected "," or "}" after a property value, found "\\""' },
    { file: "syntax/truncated.json", line: 6, column: 1, reason: "found the end of the document" },
  ];
  it.each(syntax)("$file: JSON syntax error at line $line, column $column", ({ file, line, column, reason }) => {
    const text = readFileSync(fixture(file), "utf8");
    let thrown: unknown;
    try {
      parseConfigText(text, file);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigInvalidError);
    const errors = (thrown as ConfigInvalidError).errors;
    expect(errors).toHaveLength(1);
    expect(errors[0]!.path).toBe("");
    expect(errors[0]!.message).toContain(`is not valid JSON: line ${line}, column ${column}: `);
    expect(errors[0]!.message).toContain(reason);
    expect((thrown as Error).message).toContain(`${file}: invalid agent config (1 error)`);
  });

  it("a file saved with a byte order mark parses", () => {
    expect(parseConfigText(`\uFEFF${BASE_TEXT}`, "bom.json").label).toBe("prod-edge");
  });

  it("a hand-written config with several mistakes reports each of them", () => {
    const text = readFileSync(fixture("invalid/hand-written.json"), "utf8");
    const result = validateConfig(JSON.parse(text));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expectErrors(result.errors, [
      e("/region", "AWS Region name"),
      e("/nodes/a/interfaces/external", "must be an object"),
      e("/nodes/b/instanceId", "EC2 instance ID"),
      e("/addresses/elasticIps/0/privateIp/b", "is required"),
      e("/routes/0/routeTableID", 'did you mean "routeTableId"?'),
      e("/routes/0/routeTableId", "is required"),
      e("/routes/0/destinations/1", '"10.1.0.0/40"'),
      e("/stateStore/key", "neither starts nor ends with /"),
    ]);
  });

  it("a config with only cross-field mistakes reports each of them", () => {
    const text = readFileSync(fixture("invalid/cross-field.json"), "utf8");
    const result = validateConfig(JSON.parse(text));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expectErrors(result.errors, [
      e("/nodes/b/interfaces/external/id", "is already used at /nodes/a/interfaces/external/id"),
      e("/addresses/secondaryIps/1/ips/0", "an IP can move with one group only"),
      e("/addresses/secondaryIps/1/role", 'role "dmz" is not an interface of node b'),
      e("/addresses/elasticIps/1/allocationId", "is already listed at /addresses/elasticIps/0/allocationId"),
      e("/addresses/elasticIps/1/privateIp", "a and b are both 10.0.1.20"),
      e("/routes/1/destinations/0", "is already listed at /routes/0/destinations/0"),
      e("/timeouts/deadlineMs", "requestMs (3000 ms, the default) must be shorter than deadlineMs (3000 ms)"),
    ]);
  });
});

describe("helpers", () => {
  it("locates a JSON syntax error where JSON.parse gives no position", () => {
    expect(locateJsonSyntaxError('{"a": }')).toEqual({ offset: 6, reason: expect.stringContaining("expected a value") as string });
    expect(locateJsonSyntaxError('{"a": 1}')).toBeUndefined();
    expect(locateJsonSyntaxError("[1, 2] x")?.offset).toBe(7);
  });

  it("canonicalises route destinations by network", () => {
    expect(canonicalDestination("10.1.2.3/8")).toBe("10.0.0.0/8");
    expect(canonicalDestination("0.0.0.0/0")).toBe("0.0.0.0/0");
    expect(canonicalDestination("255.255.255.255/32")).toBe("255.255.255.255/32");
    expect(canonicalDestination("2001:DB8:ffff::1/32")).toBe("2001:db8:0:0:0:0:0:0/32");
    expect(canonicalDestination("::ffff:10.0.0.1/128")).toBe("0:0:0:0:0:ffff:a00:1/128");
    expect(canonicalDestination("pl-0123456789abcdef0")).toBe("pl-0123456789abcdef0");
  });
});
