/**
 * Reading a topology file (`ha-pair sim aws --topology FILE`): JSON of the Topology shape,
 * checked with a JSON Schema (ajv) and then for references that must resolve (an interface's
 * subnet, a route's interface, the pair's roles, ...). Every error names where it is (a JSON
 * pointer), what is wrong and how to fix it.
 */
import { readFileSync } from "node:fs";
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { NodeId } from "../runtime/config/types.js";
import type { Topology } from "./topology.js";

const id = (prefix: string) => ({ type: "string", pattern: `^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$` });
const ipv4 = { type: "string", format: "ipv4" };
const cidr = { type: "string", pattern: "^[0-9.]+/[0-9]{1,2}$|^[0-9a-fA-F:]+/[0-9]{1,3}$" };
const tags = { type: "object", additionalProperties: { type: "string" } };

const TOPOLOGY_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  additionalProperties: false,
  required: ["region", "accountId", "vpcs", "subnets", "instances", "elasticIps", "routeTables", "buckets", "pair"],
  properties: {
    $schema: { type: "string" },
    region: { type: "string", pattern: "^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$" },
    accountId: { type: "string", pattern: "^[0-9]{12}$" },
    vpcs: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "cidr"],
        properties: { id: id("vpc"), cidr, enableDnsSupport: { type: "boolean" }, enableDnsHostnames: { type: "boolean" } },
      },
    },
    subnets: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "vpcId", "cidr", "availabilityZone"],
        properties: { id: id("subnet"), vpcId: id("vpc"), cidr, availabilityZone: { type: "string", pattern: "^[a-z]{2}(-gov)?-[a-z]+-[0-9]+[a-z]$" } },
      },
    },
    instances: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "interfaces"],
        properties: {
          id: id("i"),
          node: { enum: ["a", "b"] },
          name: { type: "string" },
          roleName: { type: "string", pattern: "^[\\w+=,.@-]{1,64}$" },
          interfaces: {
            type: "array",
            minItems: 1,
            items: {
              type: "object",
              additionalProperties: false,
              required: ["id", "role", "subnetId", "deviceIndex", "primaryIp"],
              properties: {
                id: id("eni"),
                role: { type: "string", pattern: "^[A-Za-z][A-Za-z0-9_-]{0,62}$" },
                subnetId: id("subnet"),
                deviceIndex: { type: "integer", minimum: 0, maximum: 31 },
                primaryIp: ipv4,
                secondaryIps: { type: "array", items: ipv4, uniqueItems: true },
                sourceDestCheck: { type: "boolean" },
                tags,
              },
            },
          },
        },
      },
    },
    elasticIps: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["allocationId", "publicIp"],
        properties: {
          allocationId: id("eipalloc"),
          publicIp: ipv4,
          association: {
            type: "object",
            additionalProperties: false,
            required: ["networkInterfaceId", "privateIp"],
            properties: { networkInterfaceId: id("eni"), privateIp: ipv4 },
          },
          tags,
        },
      },
    },
    routeTables: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "vpcId", "routes"],
        properties: {
          id: id("rtb"),
          vpcId: id("vpc"),
          routes: {
            type: "array",
            items: {
              type: "object",
              additionalProperties: false,
              required: ["destination"],
              properties: { destination: { type: "string", minLength: 1 }, networkInterfaceId: id("eni"), gatewayId: { type: "string", minLength: 1 } },
            },
          },
          subnetIds: { type: "array", items: id("subnet") },
          main: { type: "boolean" },
          tags,
        },
      },
    },
    prefixLists: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "name", "cidrs"],
        properties: { id: id("pl"), name: { type: "string" }, cidrs: { type: "array", items: cidr } },
      },
    },
    vpcEndpoints: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "vpcId", "serviceName", "type"],
        properties: {
          id: id("vpce"),
          vpcId: id("vpc"),
          serviceName: { type: "string", minLength: 1 },
          type: { enum: ["Gateway", "Interface"] },
          routeTableIds: { type: "array", items: id("rtb") },
          subnetIds: { type: "array", items: id("subnet") },
          privateDnsEnabled: { type: "boolean" },
          tags: { type: "object", additionalProperties: { type: "string" } },
        },
      },
    },
    buckets: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["name"],
        properties: {
          name: { type: "string", pattern: "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$" },
          tags: { type: "object", additionalProperties: { type: "string" } },
        },
      },
    },
    pair: {
      type: "object",
      additionalProperties: false,
      required: ["label", "stateStore", "secondaryIps", "elasticIps", "routes"],
      properties: {
        label: { type: "string", minLength: 1 },
        labelKey: { type: "string", minLength: 1 },
        nicMapKey: { type: "string", minLength: 1 },
        stateStore: {
          type: "object",
          additionalProperties: false,
          required: ["bucket", "key"],
          properties: { bucket: { type: "string" }, key: { type: "string", minLength: 1 } },
        },
        secondaryIps: {
          type: "array",
          items: {
            type: "object",
            additionalProperties: false,
            required: ["role", "ips"],
            properties: { role: { type: "string" }, ips: { type: "array", items: ipv4 } },
          },
        },
        elasticIps: {
          type: "array",
          items: {
            type: "object",
            additionalProperties: false,
            required: ["allocationId", "role", "privateIp"],
            properties: {
              allocationId: id("eipalloc"),
              role: { type: "string" },
              privateIp: { type: "object", additionalProperties: false, required: ["a", "b"], properties: { a: ipv4, b: ipv4 } },
            },
          },
        },
        routes: {
          type: "array",
          items: {
            type: "object",
            additionalProperties: false,
            required: ["routeTableId", "destinations", "nextHopRole"],
            properties: { routeTableId: id("rtb"), destinations: { type: "array", items: { type: "string" } }, nextHopRole: { type: "string" } },
          },
        },
        routeTableAssociations: {
          type: "array",
          items: {
            type: "object",
            additionalProperties: false,
            required: ["subnetId", "routeTableIds", "routes"],
            properties: {
              subnetId: id("subnet"),
              routeTableIds: { type: "object", additionalProperties: false, required: ["a", "b"], properties: { a: id("rtb"), b: id("rtb") } },
              routes: {
                type: "array",
                items: {
                  type: "object",
                  additionalProperties: false,
                  required: ["destinations", "nextHopRole"],
                  properties: { destinations: { type: "array", items: { type: "string" } }, nextHopRole: { type: "string" } },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020, formats: string[]) => void;
const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats(ajv, ["ipv4"]);
const validateSchema = ajv.compile<Topology>(TOPOLOGY_SCHEMA);

export interface TopologyError {
  path: string;
  message: string;
}

export class TopologyFileError extends Error {
  constructor(
    readonly file: string,
    readonly errors: TopologyError[],
  ) {
    super(
      `${file}: invalid topology (${errors.length} error${errors.length === 1 ? "" : "s"}):\n` +
        errors.map((e) => `  ${e.path || "/"}: ${e.message}`).join("\n") +
        "\nSee sim/topology.ts for the shape, or start from `exampleTopology()` in sim/topologies.ts.",
    );
    this.name = "TopologyFileError";
  }
}

function schemaError(error: ErrorObject): TopologyError {
  const at = error.instancePath;
  switch (error.keyword) {
    case "required":
      return { path: `${at}/${String(error.params.missingProperty)}`, message: "is required" };
    case "additionalProperties":
      return { path: `${at}/${String(error.params.additionalProperty)}`, message: "is not a known property here; remove it or fix its spelling" };
    case "pattern":
      return { path: at, message: `must match ${String(error.params.pattern)}` };
    case "enum":
      return { path: at, message: `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}` };
    default:
      return { path: at, message: error.message ?? "is invalid" };
  }
}

/** References that must resolve, and the pair's shape; the document already fits the schema. */
export function topologyErrors(topology: Topology): TopologyError[] {
  const errors: TopologyError[] = [];
  const add = (path: string, message: string) => errors.push({ path, message });
  const vpcIds = new Set(topology.vpcs.map((v) => v.id));
  const subnetIds = new Set(topology.subnets.map((s) => s.id));
  const interfaces = new Map<string, { ips: string[]; node?: NodeId; role: string }>();
  const ipOwner = new Map<string, string>();

  topology.subnets.forEach((subnet, s) => {
    if (!vpcIds.has(subnet.vpcId)) add(`/subnets/${s}/vpcId`, `${subnet.vpcId} is not a VPC of this topology; add it under /vpcs or use one of: ${[...vpcIds].join(", ")}`);
  });
  topology.instances.forEach((instance, i) => {
    instance.interfaces.forEach((nic, n) => {
      const path = `/instances/${i}/interfaces/${n}`;
      if (interfaces.has(nic.id)) add(`${path}/id`, `${nic.id} is already used by another interface; every interface needs its own ID`);
      if (!subnetIds.has(nic.subnetId)) add(`${path}/subnetId`, `${nic.subnetId} is not a subnet of this topology; add it under /subnets or use one of: ${[...subnetIds].join(", ")}`);
      const ips = [nic.primaryIp, ...(nic.secondaryIps ?? [])];
      for (const ip of ips) {
        const owner = ipOwner.get(ip);
        if (owner) add(path, `${ip} is already on ${owner}; a private IP lives on one interface`);
        else ipOwner.set(ip, nic.id);
      }
      interfaces.set(nic.id, { ips, role: nic.role, ...(instance.node ? { node: instance.node } : {}) });
    });
  });
  for (const node of ["a", "b"] as const) {
    const count = topology.instances.filter((instance) => instance.node === node).length;
    if (count !== 1) add("/instances", `needs exactly one instance with "node": "${node}", found ${count}`);
  }
  topology.elasticIps.forEach((eip, e) => {
    const association = eip.association;
    if (!association) return;
    const nic = interfaces.get(association.networkInterfaceId);
    if (!nic) add(`/elasticIps/${e}/association/networkInterfaceId`, `${association.networkInterfaceId} is not an interface of this topology`);
    else if (!nic.ips.includes(association.privateIp)) add(`/elasticIps/${e}/association/privateIp`, `${association.privateIp} is not a private IP of ${association.networkInterfaceId} (it has ${nic.ips.join(", ")})`);
  });
  const prefixListIds = new Set((topology.prefixLists ?? []).map((p) => p.id));
  topology.routeTables.forEach((table, t) => {
    if (!vpcIds.has(table.vpcId)) add(`/routeTables/${t}/vpcId`, `${table.vpcId} is not a VPC of this topology`);
    table.routes.forEach((route, r) => {
      const path = `/routeTables/${t}/routes/${r}`;
      if (route.networkInterfaceId === undefined && route.gatewayId === undefined) add(path, "needs a target: networkInterfaceId or gatewayId");
      if (route.networkInterfaceId !== undefined && !interfaces.has(route.networkInterfaceId)) add(`${path}/networkInterfaceId`, `${route.networkInterfaceId} is not an interface of this topology`);
      if (route.destination.startsWith("pl-") && !prefixListIds.has(route.destination)) add(`${path}/destination`, `${route.destination} is not a prefix list of this topology; add it under /prefixLists`);
    });
  });

  const { pair } = topology;
  if (!topology.buckets.some((bucket) => bucket.name === pair.stateStore.bucket)) {
    add("/pair/stateStore/bucket", `${pair.stateStore.bucket} is not a bucket of this topology; add {"name": "${pair.stateStore.bucket}"} under /buckets`);
  }
  const roleOf = (node: NodeId, role: string) => [...interfaces.entries()].find(([, nic]) => nic.node === node && nic.role === role);
  const requireRole = (path: string, role: string) => {
    const missing = (["a", "b"] as const).filter((node) => !roleOf(node, role));
    if (missing.length > 0) add(path, `role "${role}" is not an interface role of node ${missing.join(" and ")}`);
  };
  pair.secondaryIps.forEach((group, g) => {
    requireRole(`/pair/secondaryIps/${g}/role`, group.role);
    group.ips.forEach((ip, i) => {
      if (!ipOwner.has(ip)) add(`/pair/secondaryIps/${g}/ips/${i}`, `${ip} is on no interface; list it under secondaryIps of the active node's "${group.role}" interface`);
    });
  });
  pair.elasticIps.forEach((eip, e) => {
    requireRole(`/pair/elasticIps/${e}/role`, eip.role);
    if (!topology.elasticIps.some((candidate) => candidate.allocationId === eip.allocationId)) add(`/pair/elasticIps/${e}/allocationId`, `${eip.allocationId} is not under /elasticIps`);
  });
  pair.routes.forEach((route, r) => {
    requireRole(`/pair/routes/${r}/nextHopRole`, route.nextHopRole);
    const table = topology.routeTables.find((candidate) => candidate.id === route.routeTableId);
    if (!table) {
      add(`/pair/routes/${r}/routeTableId`, `${route.routeTableId} is not under /routeTables`);
      return;
    }
    route.destinations.forEach((destination, d) => {
      if (!table.routes.some((existing) => existing.destination === destination)) {
        add(`/pair/routes/${r}/destinations/${d}`, `${route.routeTableId} has no route to ${destination}; add it to the table's routes (a route must exist to be replaced)`);
      }
    });
  });
  return errors;
}

export function parseTopology(text: string, file: string): Topology {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const position = /position (\d+)/.exec(message);
    let where = "";
    if (position) {
      const before = text.slice(0, Number(position[1])).split("\n");
      where = ` at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
    }
    throw new TopologyFileError(file, [{ path: "", message: `is not valid JSON${where}: ${message}` }]);
  }
  if (!validateSchema(document)) throw new TopologyFileError(file, (validateSchema.errors ?? []).map(schemaError));
  const errors = topologyErrors(document);
  if (errors.length > 0) throw new TopologyFileError(file, errors);
  return document;
}

export function loadTopologyFile(file: string): Topology {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new TopologyFileError(file, [{ path: "", message: code === "ENOENT" ? "file not found; give the path of a topology JSON file, or \"example\"" : `cannot be read (${code ?? String(err)})` }]);
  }
  return parseTopology(text, file);
}
