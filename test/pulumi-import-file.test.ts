import { describe, expect, it } from "vitest";
import { checkImportFile } from "../runtime/discovery/import-file.js";

// The rules of `pulumi import --file` as the CLI applies them (pkg/cmd/pulumi/import.go).
describe("the pulumi import --file check", () => {
  it("accepts the documented shape, and a component parent in the same file", () => {
    expect(checkImportFile({ resources: [{ type: "aws:ec2/vpc:Vpc", name: "application-vpc", id: "vpc-0ad77710973388316" }] })).toEqual([]);
    expect(
      checkImportFile({
        nameTable: { prov: "urn:pulumi:dev::proj::pulumi:providers:aws::default" },
        resources: [
          { type: "ha-pair:index:AwsHaPair", name: "pair", component: true },
          { type: "aws:s3/bucket:Bucket", name: "pair-state", id: "b", parent: "pair", provider: "prov" },
        ],
      }),
    ).toEqual([]);
  });

  it("refuses what the CLI refuses", () => {
    expect(checkImportFile({ resources: [{ type: "aws:s3/bucket:Bucket", name: "x" }] })).toEqual(["/resources/0: resource 'x' of type 'aws:s3/bucket:Bucket' has no ID"]);
    expect(checkImportFile({ resources: [{ type: "a:b:C", name: "c", id: "1", component: true }] })).toEqual(["/resources/0: resource 'c' has an ID, but is marked as a component"]);
    expect(checkImportFile({ resources: [{ type: "a:b:C", name: "c", id: "1", remote: true }] })).toEqual(["/resources/0: resource 'c' is marked as remote, but not as a component"]);
    expect(checkImportFile({ resources: [{ type: "a:b:C", name: "c", id: "1", parent: "p" }] })[0]).toMatch(/the parent 'p' of resource 'c' has no entry in 'nameTable'/);
    expect(checkImportFile({ resources: [{ type: "a:b:C", name: "c", id: "1", provider: "p" }] })[0]).toMatch(/the provider 'p' .* has no entry in 'nameTable'/);
    expect(checkImportFile({ resources: [{ type: "a:b:C", name: "c", id: "1" }, { type: "a:b:C", name: "c", id: "2" }] })).toEqual(["/resources/1: resource 'c' has an ambiguous URN; set name (or logicalName) to be unique"]);
    expect(checkImportFile({ resources: [{ type: "not-a-token", name: "c", id: "1" }] })[0]).toMatch(/\/resources\/0\/type/);
    expect(checkImportFile({ resources: [{ type: "a:b:C", id: "1" }] })[0]).toMatch(/\/resources\/0/);
    expect(checkImportFile({ nameTable: { p: "not-a-urn" }, resources: [] })[0]).toMatch(/\/nameTable\/p/);
    expect(checkImportFile({ resources: [], extra: 1 })[0]).toMatch(/additional properties/);
  });
});
