/**
 * The agent config that matches a topology (`ha-pair sim aws --write-config`): the pair's
 * instances, their interfaces keyed by role, what moves, the state object and the sim's endpoints.
 */
import { writeFileSync } from "node:fs";
import type { AwsAgentConfig as AgentConfig, NodeConfig, NodeId } from "../runtime/config/types.js";
import { validateConfig } from "../runtime/config/validate.js";
import type { Topology } from "./topology.js";

export interface SimEndpoints {
  ec2: string;
  s3: string;
  /** The IMDS the config speaks as: node a's, so a plain shell gets node a's role credentials. */
  imds: string;
}

function nodeConfig(topology: Topology, node: NodeId): NodeConfig {
  const instance = topology.instances.find((candidate) => candidate.node === node);
  if (!instance) throw new Error(`topology has no instance with node "${node}"; mark one instance of the pair with "node": "${node}"`);
  const interfaces: NodeConfig["interfaces"] = {};
  for (const nic of [...instance.interfaces].sort((x, y) => x.deviceIndex - y.deviceIndex)) interfaces[nic.role] = { id: nic.id };
  return { instanceId: instance.id, interfaces };
}

export function buildAgentConfig(topology: Topology, endpoints: SimEndpoints): AgentConfig {
  const { pair } = topology;
  const publicIpOf = new Map(topology.elasticIps.map((eip) => [eip.allocationId, eip.publicIp]));
  const tags = { ...(pair.labelKey ? { labelKey: pair.labelKey } : {}), ...(pair.nicMapKey ? { nicMapKey: pair.nicMapKey } : {}) };
  const secondaryIps = pair.secondaryIps.filter((group) => group.ips.length > 0);
  const addresses: NonNullable<AgentConfig["addresses"]> = {
    ...(secondaryIps.length > 0 ? { secondaryIps: secondaryIps.map((group) => ({ role: group.role, ips: [...group.ips] })) } : {}),
    ...(pair.elasticIps.length > 0
      ? {
          elasticIps: pair.elasticIps.map((eip) => {
            const publicIp = publicIpOf.get(eip.allocationId);
            if (!publicIp) throw new Error(`pair.elasticIps names ${eip.allocationId}, which is not under the topology's elasticIps; add it there`);
            return { allocationId: eip.allocationId, publicIp, role: eip.role, privateIp: { ...eip.privateIp } };
          }),
        }
      : {}),
  };
  const routes = pair.routes
    .filter((route) => route.destinations.length > 0)
    .map((route) => ({ routeTableId: route.routeTableId, destinations: [...route.destinations], nextHop: { role: route.nextHopRole } }));
  return {
    version: 1,
    cloud: "aws",
    label: pair.label,
    region: topology.region,
    ...(Object.keys(tags).length > 0 ? { tags } : {}),
    nodes: { a: nodeConfig(topology, "a"), b: nodeConfig(topology, "b") },
    ...(Object.keys(addresses).length > 0 ? { addresses } : {}),
    ...(routes.length > 0 ? { routes } : {}),
    stateStore: { type: "s3", bucket: pair.stateStore.bucket, key: pair.stateStore.key },
    endpoints: { ec2: endpoints.ec2, s3: endpoints.s3, imds: endpoints.imds },
  };
}

/** Writes the config as JSON after checking it against the contract; throws listing every error. */
export function writeAgentConfig(file: string, config: AgentConfig): void {
  const result = validateConfig(config);
  if (!result.ok) {
    throw new Error(`the topology's pair does not make a valid agent config:\n${result.errors.map((e) => `  ${e.path || "/"}: ${e.message}`).join("\n")}\nFix the topology's "pair" section.`);
  }
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
}
