import type { AgentConfig, NodeId } from "./types.js";
import { NODE_IDS, timeBudgets } from "./types.js";
import type { ConfigError } from "./validate.js";

/**
 * Rules a JSON Schema cannot express. The document has already passed the schema, so
 * every field has its declared shape.
 */
export function semanticErrors(config: AgentConfig): ConfigError[] {
  const errors: ConfigError[] = [];
  const add = (path: string, message: string) => errors.push({ path, message });

  if (config.nodes.a.instanceId === config.nodes.b.instanceId) {
    add("/nodes/b/instanceId", `is the same instance as /nodes/a/instanceId (${config.nodes.a.instanceId}); a pair needs two instances`);
  }

  const eniSeenAt = new Map<string, string>();
  for (const node of NODE_IDS) {
    for (const [role, nic] of Object.entries(config.nodes[node].interfaces)) {
      const path = `/nodes/${node}/interfaces/${role}/id`;
      const first = eniSeenAt.get(nic.id);
      if (first) add(path, `${nic.id} is already used at ${first}; every role of every node needs its own interface`);
      else eniSeenAt.set(nic.id, path);
    }
  }

  const requireRole = (path: string, role: string) => {
    const missing = NODE_IDS.filter((node: NodeId) => !(role in config.nodes[node].interfaces));
    if (missing.length > 0) {
      add(path, `role "${role}" is not an interface of node ${missing.join(" and ")}; add it under ${missing.map((n) => `/nodes/${n}/interfaces`).join(" and ")} or use one of: ${Object.keys(config.nodes.a.interfaces).join(", ")}`);
    }
  };

  const movingIpAt = new Map<string, { path: string; role: string }>();
  (config.addresses?.secondaryIps ?? []).forEach((group, g) => {
    requireRole(`/addresses/secondaryIps/${g}/role`, group.role);
    group.ips.forEach((ip, i) => {
      const path = `/addresses/secondaryIps/${g}/ips/${i}`;
      const first = movingIpAt.get(ip);
      // Repeats inside one group are the schema's uniqueItems error; this catches them across groups.
      if (first) add(path, `${ip} is already listed at ${first.path}; an IP can move with one group only`);
      else movingIpAt.set(ip, { path, role: group.role });
    });
  });

  const allocationAt = new Map<string, string>();
  (config.addresses?.elasticIps ?? []).forEach((eip, e) => {
    const base = `/addresses/elasticIps/${e}`;
    requireRole(`${base}/role`, eip.role);
    const first = allocationAt.get(eip.allocationId);
    if (first) add(`${base}/allocationId`, `${eip.allocationId} is already listed at ${first}`);
    else allocationAt.set(eip.allocationId, `${base}/allocationId`);
    if (eip.privateIp.a === eip.privateIp.b) {
      const moving = movingIpAt.get(eip.privateIp.a);
      if (!moving || moving.role !== eip.role) {
        add(`${base}/privateIp`, `a and b are both ${eip.privateIp.a}, but that IP is not a secondary IP moving with role "${eip.role}"; give each node its own private IP, or list the IP under /addresses/secondaryIps with role "${eip.role}"`);
      }
    } else {
      for (const node of NODE_IDS) {
        const moving = movingIpAt.get(eip.privateIp[node]);
        if (moving) add(`${base}/privateIp/${node}`, `${eip.privateIp[node]} moves between the nodes (${moving.path}), so it cannot be node ${node}'s own address; use the same moving IP for a and b, or a private IP of node ${node} that does not move`);
      }
    }
  });

  const routeAt = new Map<string, string>();
  (config.routes ?? []).forEach((route, r) => {
    requireRole(`/routes/${r}/nextHop/role`, route.nextHop.role);
    route.destinations.forEach((destination, d) => {
      const key = `${route.routeTableId} ${destination}`;
      const path = `/routes/${r}/destinations/${d}`;
      const first = routeAt.get(key);
      if (first) add(path, `route ${destination} in ${route.routeTableId} is already listed at ${first}`);
      else routeAt.set(key, path);
    });
  });

  const budgets = timeBudgets(config);
  if (budgets.requestMs >= budgets.deadlineMs) {
    add("/timeouts/requestMs", `${budgets.requestMs} ms must be shorter than the failover deadline (${budgets.deadlineMs} ms) so that a request can be retried`);
  }
  if (budgets.connectMs > budgets.requestMs) {
    add("/timeouts/connectMs", `${budgets.connectMs} ms must not exceed the request timeout (${budgets.requestMs} ms)`);
  }
  return errors;
}
