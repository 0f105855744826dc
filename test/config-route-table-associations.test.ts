/**
 * Association mode's contract: `routeTableAssociations` names subnets whose whole route table
 * follows the active node. The schema shapes each entry; the cross-field rules catch what a
 * schema cannot: a twin table also driven per route, a table that is both nodes', a subnet
 * listed twice, roles missing on a node, subnets sharing twin tables but not their routes.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { validateConfig, type ConfigError } from "../runtime/config/index.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- mutations reach into an untyped document on purpose
type Doc = Record<string, any>;
const BASE = readFileSync(fileURLToPath(new URL("./fixtures/configs/base.json", import.meta.url)), "utf8");

const TABLE_A = "rtb-0aaaaaaaaaaaaaaa7";
const TABLE_B = "rtb-0bbbbbbbbbbbbbbb7";
function withAssociations(...entries: Doc[]): Doc {
  const doc = JSON.parse(BASE) as Doc;
  doc.routeTableAssociations = entries;
  return doc;
}
const entry = (subnetId: string, a = TABLE_A, b = TABLE_B, routes: Doc[] = [{ destinations: ["10.20.0.0/16"], nextHop: { role: "internal" } }]): Doc => ({
  subnetId,
  routeTableIds: { a, b },
  routes,
});
function errorsOf(doc: Doc): ConfigError[] {
  const result = validateConfig(doc);
  return result.ok ? [] : result.errors;
}

describe("config: routeTableAssociations", () => {
  it("accepts several subnets naming the same twin tables", () => {
    const result = validateConfig(withAssociations(entry("subnet-0aaaaaaaaaaaaaaa1"), entry("subnet-0aaaaaaaaaaaaaaa2")));
    expect(result.ok).toBe(true);
    if (result.ok && result.config.cloud === "aws") expect(result.config.routeTableAssociations?.map((s) => s.subnetId)).toEqual(["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]);
  });

  it("shapes each entry with the schema: subnet ID, both nodes' tables, at least one route", () => {
    const errors = errorsOf(withAssociations({ subnetId: "sub-1", routeTableIds: { a: TABLE_A }, routes: [] }));
    const paths = errors.map((e) => e.path);
    expect(paths).toContain("/routeTableAssociations/0/subnetId");
    expect(paths).toContain("/routeTableAssociations/0/routeTableIds/b");
    expect(paths).toContain("/routeTableAssociations/0/routes");
    expect(errors.find((e) => e.path === "/routeTableAssociations/0/subnetId")?.message).toMatch(/subnet ID like subnet-/);
  });

  it("refuses a twin table that is also a per-route table", () => {
    const errors = errorsOf(withAssociations(entry("subnet-0aaaaaaaaaaaaaaa1", "rtb-0aaaaaaaaaaaaaaa1")));
    expect(errors).toEqual([
      expect.objectContaining({ path: "/routeTableAssociations/0/routeTableIds/a", message: expect.stringMatching(/rtb-0aaaaaaaaaaaaaaa1 is also a per-route table at \/routes\/0\/routeTableId/) }),
    ]);
  });

  it("refuses one table for both nodes, and a table that is a's in one subnet and b's in another", () => {
    expect(errorsOf(withAssociations(entry("subnet-0aaaaaaaaaaaaaaa1", TABLE_A, TABLE_A)))).toEqual([
      expect.objectContaining({ path: "/routeTableAssociations/0/routeTableIds/b", message: expect.stringContaining("each node needs its own twin table") }),
      expect.objectContaining({ path: "/routeTableAssociations/0/routeTableIds/b", message: expect.stringContaining("is node a's twin table") }),
    ]);
    const crossed = errorsOf(withAssociations(entry("subnet-0aaaaaaaaaaaaaaa1"), entry("subnet-0aaaaaaaaaaaaaaa2", TABLE_B, TABLE_A)));
    expect(crossed.map((e) => e.path)).toEqual(["/routeTableAssociations/1/routeTableIds/a", "/routeTableAssociations/1/routeTableIds/b"]);
    expect(crossed[0]!.message).toContain(`${TABLE_B} is node b's twin table at /routeTableAssociations/0/routeTableIds/b`);
  });

  it("refuses a table paired with two different twins", () => {
    const errors = errorsOf(withAssociations(entry("subnet-0aaaaaaaaaaaaaaa1"), entry("subnet-0aaaaaaaaaaaaaaa2", TABLE_A, "rtb-0bbbbbbbbbbbbbbb8")));
    expect(errors).toEqual([expect.objectContaining({ path: "/routeTableAssociations/1/routeTableIds/a", message: expect.stringContaining(`is paired with ${TABLE_B}`) })]);
  });

  it("refuses a subnet listed twice", () => {
    const errors = errorsOf(withAssociations(entry("subnet-0aaaaaaaaaaaaaaa1"), entry("subnet-0aaaaaaaaaaaaaaa1")));
    expect(errors).toEqual([expect.objectContaining({ path: "/routeTableAssociations/1/subnetId", message: expect.stringContaining("already listed at /routeTableAssociations/0/subnetId") })]);
  });

  it("requires each route's role on both nodes and names the roles both have", () => {
    const doc = withAssociations(entry("subnet-0aaaaaaaaaaaaaaa1", TABLE_A, TABLE_B, [{ destinations: ["10.20.0.0/16"], nextHop: { role: "transit" } }]));
    doc.nodes.a.interfaces.transit = { id: "eni-0aaaaaaaaaaaaaaa9" };
    const errors = errorsOf(doc);
    expect(errors).toEqual([
      expect.objectContaining({ path: "/routeTableAssociations/0/routes/0/nextHop/role", message: expect.stringMatching(/role "transit" is not an interface of node b.*external, internal/) }),
    ]);
  });

  it("refuses a route listed twice (after canonicalisation) and subnets sharing tables but not routes", () => {
    const dup = errorsOf(withAssociations(entry("subnet-0aaaaaaaaaaaaaaa1", TABLE_A, TABLE_B, [{ destinations: ["10.20.0.0/16"], nextHop: { role: "internal" } }, { destinations: ["10.20.1.0/16"], nextHop: { role: "external" } }])));
    expect(dup).toEqual([expect.objectContaining({ path: "/routeTableAssociations/0/routes/1/destinations/0", message: expect.stringContaining("(both are 10.20.0.0/16)") })]);
    const mixed = errorsOf(withAssociations(entry("subnet-0aaaaaaaaaaaaaaa1"), entry("subnet-0aaaaaaaaaaaaaaa2", TABLE_A, TABLE_B, [{ destinations: ["10.20.0.0/16"], nextHop: { role: "external" } }])));
    expect(mixed).toEqual([expect.objectContaining({ path: "/routeTableAssociations/1/routes/0/destinations/0", message: expect.stringContaining('points at role "internal"') })]);
  });
});
