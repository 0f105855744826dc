import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import type { AgentConfig, AwsAgentConfig } from "../../config/types.js";
import { timeBudgets } from "../../config/types.js";
import { describeTwinDrift, twinTableDrift } from "../../core/twin-drift.js";
import { asHaPairError } from "../../core/errors.js";
import type { CloudProvider } from "../../core/provider.js";
import { planOperations } from "../../core/operations.js";
import { planFailover } from "../../core/planner.js";
import { openContext, nodeOfIdentity, requireConfigFlag } from "../context.js";
import { EXIT_FAILED, EXIT_OK } from "../errors.js";
import { green, pad, red, yellow, dim } from "../output.js";
import { CONFIG_FLAGS, stringFlag, type Command } from "./types.js";
import { deadlineSignal } from "../../core/deadline.js";

export type CheckStatus = "ok" | "warn" | "fail" | "skip";
export interface PreflightCheck {
  name: string;
  status: CheckStatus;
  detail: string;
}

/** Addresses that stay inside the VPC (or this host): RFC 1918, CGNAT, loopback, ULA. */
const privateRanges = new BlockList();
for (const [net, prefix] of [["10.0.0.0", 8], ["172.16.0.0", 12], ["192.168.0.0", 16], ["100.64.0.0", 10], ["127.0.0.0", 8]] as const) {
  privateRanges.addSubnet(net, prefix, "ipv4");
}
privateRanges.addSubnet("fd00::", 8, "ipv6");
privateRanges.addAddress("::1", "ipv6");

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && privateRanges.check(address, family === 4 ? "ipv4" : "ipv6");
}

async function endpointCheck(service: string, url: string, inVpc: boolean): Promise<PreflightCheck> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
  } catch (err) {
    return { name: `endpoint ${service}`, status: "fail", detail: `${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? String(err)}): check the VPC's DNS settings and the endpoint's private DNS` };
  }
  const publicOnes = addresses.filter((a) => !isPrivateAddress(a));
  const shown = `${url} → ${addresses.join(", ")}`;
  if (publicOnes.length === 0) return { name: `endpoint ${service}`, status: "ok", detail: `${shown} (private)` };
  if (!inVpc) return { name: `endpoint ${service}`, status: "skip", detail: `${shown}; not on EC2, so VPC endpoints are not checked` };
  if (service === "s3") {
    return { name: "endpoint s3", status: "warn", detail: `${shown} is public: fine through an S3 gateway endpoint on this subnet's route table (not visible from here); without one, state writes need internet access` };
  }
  return { name: `endpoint ${service}`, status: "fail", detail: `${shown} is public: create an ${service.toUpperCase()} interface VPC endpoint with private DNS enabled, so failover needs no internet, NAT or public IP` };
}

/** The config against the cloud (issue 9, defect 2): one check line per problem, with its JSON path and the fix. */
async function configAgainstCloud(provider: CloudProvider, signal: AbortSignal): Promise<PreflightCheck[]> {
  if (!provider.checkConfig) return [];
  try {
    const { problems, refused } = await provider.checkConfig(signal);
    if (refused.length > 0) return refused.map((p) => ({ name: `permission ${p.action}`, status: "fail", detail: `${p.target}: ${p.detail ?? "denied"}` }));
    if (problems.length === 0) {
      return [{ name: "config matches cloud", status: "ok", detail: "every interface attached to its own node, every instance, route and allocation present, every moving IP inside its interface's subnet" }];
    }
    return problems.map((p) => ({ name: `config ${p.path}`, status: p.severity === "error" ? "fail" : "warn", detail: `${p.message} Fix: ${p.fix}` }));
  } catch (err) {
    return [{ name: "config matches cloud", status: "fail", detail: `could not be checked: ${asHaPairError(err).describe()}` }];
  }
}

export const preflightCommand: Command = {
  name: "preflight",
  summary: "check this node can fail over: IMDS, private endpoints, the config matches the cloud, every mutating call permitted (DryRun), state readable and writable",
  usage: "ha-pair preflight --config FILE [--json]",
  options: CONFIG_FLAGS,
  async run({ values, out }) {
    const context = openContext(requireConfigFlag(stringFlag(values, "config")));
    const { config, provider } = context;
    const signal = deadlineSignal(timeBudgets(config).deadlineMs);
    const checks: PreflightCheck[] = [];

    const nodeMajor = Number(process.versions.node.split(".")[0]);
    checks.push({
      name: "node runtime",
      status: nodeMajor >= 22 ? "ok" : "warn",
      detail: nodeMajor >= 22
        ? `Node ${process.versions.node}`
        : `Node ${process.versions.node}: this agent keeps working (its AWS SDK is pinned), but AWS SDK releases after January 2027 need Node 22 or newer; upgrade Node before upgrading the agent past them`,
    });

    let inVpc = false;
    try {
      const identity = await provider.identity(signal);
      inVpc = true;
      const node = nodeOfIdentity(config, identity);
      checks.push({
        name: "instance metadata",
        status: node ? "ok" : "warn",
        detail: `${identity.instanceId} in ${identity.region}${node ? ` is node ${node}` : ` is neither node of pair "${config.label}": triggers on this host need --activate`}`,
      });
    } catch (err) {
      checks.push({ name: "instance metadata", status: "fail", detail: asHaPairError(err).describe() });
    }

    const endpoints = provider.endpoints ? await provider.endpoints() : [];
    for (const endpoint of endpoints) checks.push(await endpointCheck(endpoint.service, endpoint.url, inVpc));

    // Every call either node would make, checked with DryRun: a node must be able to take the pair over.
    const operations = [...planOperations(planFailover(config, "a")), ...planOperations(planFailover(config, "b"))];
    const [permissions, configChecks, stateRead, stateWrite, twinChecks] = await Promise.all([
      provider.checkPermissions(operations, signal).catch((err: unknown) => asHaPairError(err)),
      configAgainstCloud(provider, signal),
      provider.stateStore.read(signal).then(
        (stored) => ({ name: "state read", status: "ok" as const, detail: `${provider.stateStore.location}: ${stored ? `generation ${stored.state.generation}, node ${stored.state.activeNode}, ${stored.state.taskState}` : "no state yet (the first failover creates it)"}` }),
        (err: unknown) => ({ name: "state read", status: "fail" as const, detail: asHaPairError(err).describe() }),
      ),
      provider.stateStore.probeWrite(signal).then(
        () => ({ name: "state write", status: "ok" as const, detail: `${provider.stateStore.location}: conditional write permitted (probe changed nothing)` }),
        (err: unknown) => ({ name: "state write", status: "fail" as const, detail: asHaPairError(err).describe() }),
      ),
      // Association mode's twin tables, read in the same round (listed after the state checks).
      config.cloud === "aws" && (config.routeTableAssociations ?? []).length > 0 ? twinTableChecks(config, provider, signal) : [],
    ]);
    if (permissions instanceof Error) {
      checks.push({ name: "permissions", status: "fail", detail: permissions.describe() });
    } else {
      for (const p of permissions) {
        checks.push({ name: `permission ${p.action}`, status: p.allowed ? "ok" : "fail", detail: p.allowed ? `${p.target}: allowed (${config.cloud === "azure" ? "RBAC permissions" : "DryRun"})` : `${p.target}: ${p.detail ?? "denied"}` });
      }
    }
    checks.push(...configChecks);
    checks.push(stateRead, stateWrite, ...twinChecks);

    const ok = checks.every((c) => c.status !== "fail");
    if (out.json) {
      out.document({ ok, checks });
    } else {
      const mark = { ok: green("ok  "), warn: yellow("warn"), fail: red("FAIL"), skip: dim("skip") };
      for (const c of checks) out.line(`  ${mark[c.status]}  ${pad(c.name, 38)} ${c.detail}`);
      out.line(ok ? green("preflight passed") : red(`preflight failed: ${checks.filter((c) => c.status === "fail").length} check(s)`));
    }
    return ok ? EXIT_OK : EXIT_FAILED;
  },
};

/** Association mode: the twin route tables must be identical but for the pair's routes (twin-drift.ts). */
async function twinTableChecks(config: AwsAgentConfig, provider: CloudProvider, signal: AbortSignal): Promise<PreflightCheck[]> {
  try {
    const drift = twinTableDrift(config, await provider.observe(signal, { twinTables: true }));
    if (drift.length === 0) {
      const pairs = new Set((config.routeTableAssociations ?? []).map((s) => `${s.routeTableIds.a}/${s.routeTableIds.b}`));
      return [{ name: "twin route tables", status: "ok", detail: `${[...pairs].join(", ")}: identical but for the pair's routes, which point at each node's own interfaces` }];
    }
    return drift.map((d) => ({ name: "twin route tables", status: "fail" as const, detail: describeTwinDrift(d) }));
  } catch (err) {
    return [{ name: "twin route tables", status: "fail", detail: `could not read them: ${asHaPairError(err).describe()}` }];
  }
}
