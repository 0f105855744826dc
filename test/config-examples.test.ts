/** The shipped example configs validate, show the two modes, and docs/config.md covers every field. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { AGENT_CONFIG_SCHEMA, loadConfigFile, type AwsAgentConfig } from "../runtime/config/index.js";

const repo = fileURLToPath(new URL("..", import.meta.url));
const examples = resolve(repo, "examples");
const SCHEMA_FILE = resolve(repo, "runtime/config/agent-config.schema.json");

function loadAwsExample(file: string): AwsAgentConfig {
  const config = loadConfigFile(resolve(examples, file));
  if (config.cloud !== "aws") throw new Error(`${file} is not an AWS config`);
  return config;
}

describe("examples/", () => {
  const files = readdirSync(examples).filter((f) => f.endsWith(".json")).sort();

  it("has the same-AZ and the across-AZ examples", () => {
    expect(files).toEqual(expect.arrayContaining(["aws-same-az.json", "aws-across-az.json"]));
  });

  it.each(files)("%s validates and names the shipped schema in $schema", (file) => {
    const path = resolve(examples, file);
    const config = loadConfigFile(path); // throws ConfigInvalidError with every error if not
    expect(config.$schema).toBe("../runtime/config/agent-config.schema.json");
    expect(resolve(dirname(path), config.$schema!)).toBe(SCHEMA_FILE);
    expect(existsSync(SCHEMA_FILE)).toBe(true);
  });

  it("aws-same-az.json moves secondary IPs, an EIP on a moving IP, and routes", () => {
    const config = loadAwsExample("aws-same-az.json");
    const moving = new Set(config.addresses?.secondaryIps?.flatMap((g) => g.ips));
    expect(moving.size).toBeGreaterThan(0);
    const eips = config.addresses?.elasticIps ?? [];
    expect(eips.length).toBeGreaterThan(0);
    for (const eip of eips) {
      expect(eip.privateIp.a).toBe(eip.privateIp.b);
      expect(moving.has(eip.privateIp.a)).toBe(true);
    }
    expect(config.routes?.length).toBeGreaterThan(0);
  });

  it("aws-across-az.json uses per-node EIP private IPs, routes with a prefix list and an IPv6 route", () => {
    const config = loadAwsExample("aws-across-az.json");
    expect(config.addresses?.secondaryIps ?? []).toEqual([]);
    const eips = config.addresses?.elasticIps ?? [];
    expect(eips.length).toBeGreaterThan(0);
    for (const eip of eips) expect(eip.privateIp.a).not.toBe(eip.privateIp.b);
    const destinations = (config.routes ?? []).flatMap((r) => r.destinations);
    expect(destinations.some((d) => d.startsWith("pl-"))).toBe(true);
    expect(destinations.some((d) => d.includes(":"))).toBe(true);
  });
});

describe("docs/config.md", () => {
  const doc = readFileSync(resolve(repo, "docs/config.md"), "utf8");

  it("documents every property of the schema", () => {
    type Schema = { $ref?: string; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: boolean | Schema };
    const defs = (AGENT_CONFIG_SCHEMA as { $defs: Record<string, Schema> }).$defs;
    const deref = (s: Schema): Schema => (s.$ref ? deref(defs[s.$ref.replace("#/$defs/", "")]!) : s);
    const names = new Set<string>();
    const walk = (node: Schema, depth: number) => {
      const s = deref(node);
      if (depth > 10) return;
      for (const [name, child] of Object.entries(s.properties ?? {})) {
        names.add(name);
        walk(child, depth + 1);
      }
      if (s.items) walk(s.items, depth + 1);
      if (typeof s.additionalProperties === "object") walk(s.additionalProperties, depth + 1);
    };
    // Both branches of the cloud union, each from its root.
    walk(AGENT_CONFIG_SCHEMA as Schema, 0);
    walk(defs.awsConfig!, 0);
    walk(defs.azureConfig!, 0);
    // Named in code style, alone or as the last part of a dotted path (`tags.labelKey`, `privateIp.a`).
    const documented = (name: string) => new RegExp(`\`([^\`\\s]*\\.)?${name.replace(/[$]/g, "\\$")}\``).test(doc);
    const missing = [...names].filter((name) => !documented(name));
    expect(missing).toEqual([]);
  });

  it("names the default tag keys, the endpoint variables and the region order", () => {
    for (const text of [
      "f5_cloud_failover_label",
      "f5_cloud_failover_nic_map",
      "AWS_ENDPOINT_URL_EC2",
      "AWS_ENDPOINT_URL_S3",
      "AWS_ENDPOINT_URL",
      "AWS_EC2_METADATA_SERVICE_ENDPOINT",
      "AWS_REGION",
      "IMDS",
    ]) {
      expect(doc, text).toContain(text);
    }
  });
});
