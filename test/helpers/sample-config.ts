import type { AwsAgentConfig as AgentConfig } from "../../runtime/config/types.js";

/** A valid same-subnet pair: 2 roles per node, moving IPs, one EIP per mode, two route tables. */
export function sampleConfig(overrides: Partial<AgentConfig> = {}): AgentConfig {
  return {
    version: 1,
    cloud: "aws",
    label: "edge-pair",
    region: "us-east-1",
    nodes: {
      a: {
        instanceId: "i-0aaaaaaaaaaaaaaa1",
        interfaces: { external: { id: "eni-0aaaaaaaaaaaaaa01" }, internal: { id: "eni-0aaaaaaaaaaaaaa02" } },
      },
      b: {
        instanceId: "i-0bbbbbbbbbbbbbbb1",
        interfaces: { external: { id: "eni-0bbbbbbbbbbbbbb01" }, internal: { id: "eni-0bbbbbbbbbbbbbb02" } },
      },
    },
    addresses: {
      secondaryIps: [
        { role: "external", ips: ["10.0.1.10", "10.0.1.11"] },
        { role: "internal", ips: ["10.0.2.10"] },
      ],
      elasticIps: [
        { allocationId: "eipalloc-0eeeeeeeeeeeeeee1", role: "external", privateIp: { a: "10.0.1.4", b: "10.0.1.5" } },
        { allocationId: "eipalloc-0eeeeeeeeeeeeeee2", role: "external", privateIp: { a: "10.0.1.10", b: "10.0.1.10" } },
      ],
    },
    routes: [
      { routeTableId: "rtb-0ccccccccccccccc1", destinations: ["0.0.0.0/0", "pl-0123456789abcdef0"], nextHop: { role: "internal" } },
      { routeTableId: "rtb-0ccccccccccccccc2", destinations: ["10.100.0.0/16"], nextHop: { role: "internal" } },
    ],
    stateStore: { type: "s3", bucket: "edge-pair-state", key: "ha-pair/edge-pair/state.json" },
    ...overrides,
  };
}
