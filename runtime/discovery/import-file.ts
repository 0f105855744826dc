/**
 * The `pulumi import --file` document, and a check of it against the format as the Pulumi CLI
 * reads it (pkg/cmd/pulumi/import.go, since v3.94): a "nameTable" of name → URN and "resources"
 * with type, name, id (required unless "component": true, forbidden with it), optional parent
 * and provider (a name in the nameTable or, for a parent, another resource of the file),
 * logicalName, version, properties, remote (components only). Names must be unique where they
 * are referred to, and no two resources may end up with the same URN.
 */
import { Ajv } from "ajv";

export interface ImportResource {
  type: string;
  name: string;
  id?: string;
  parent?: string;
  provider?: string;
  version?: string;
  logicalName?: string;
  properties?: string[];
  component?: boolean;
  remote?: boolean;
  pluginDownloadUrl?: string;
}

export interface ImportFile {
  nameTable: Record<string, string>;
  resources: ImportResource[];
}

export const IMPORT_FILE_SCHEMA = {
  $schema: "http://json-schema.org/draft-07/schema#",
  title: "pulumi import --file",
  type: "object",
  additionalProperties: false,
  properties: {
    nameTable: { type: "object", additionalProperties: { type: "string", pattern: "^urn:pulumi:[^:]+::[^:]+::.+::.+$" } },
    resources: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["type"],
        properties: {
          type: { type: "string", pattern: "^[^:]+:[^:]*:[^:]+$" },
          name: { type: "string", minLength: 1 },
          logicalName: { type: "string", minLength: 1 },
          id: { type: "string" },
          parent: { type: "string", minLength: 1 },
          provider: { type: "string", minLength: 1 },
          version: { type: "string" },
          pluginDownloadUrl: { type: "string" },
          properties: { type: "array", items: { type: "string" } },
          component: { type: "boolean" },
          remote: { type: "boolean" },
        },
        anyOf: [{ required: ["name"] }, { required: ["logicalName"] }],
      },
    },
  },
} as const;

const validateShape = new Ajv({ allErrors: true, strict: false }).compile(IMPORT_FILE_SCHEMA);

/** Every way the Pulumi CLI would refuse this file; empty when it would accept it. */
export function checkImportFile(document: unknown): string[] {
  if (!validateShape(document)) return (validateShape.errors ?? []).map((e) => `${e.instancePath || "/"}: ${e.message ?? "invalid"}`);
  const file = document as ImportFile;
  const errors: string[] = [];
  const resources = file.resources ?? [];
  const nameTable = file.nameTable ?? {};
  const nameOf = (r: ImportResource) => r.name ?? r.logicalName!;
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(nameOf(r), (counts.get(nameOf(r)) ?? 0) + 1);
  resources.forEach((r, i) => {
    const at = `/resources/${i}`;
    if (!r.component && !r.id) errors.push(`${at}: resource '${nameOf(r)}' of type '${r.type}' has no ID`);
    if (r.component && r.id) errors.push(`${at}: resource '${nameOf(r)}' has an ID, but is marked as a component`);
    if (r.remote && !r.component) errors.push(`${at}: resource '${nameOf(r)}' is marked as remote, but not as a component`);
    if (r.parent !== undefined) {
      if ((counts.get(r.parent) ?? 0) > 1) errors.push(`${at}: resource '${nameOf(r)}' has an ambiguous parent '${r.parent}'`);
      if (!(r.parent in nameTable) && !counts.has(r.parent)) errors.push(`${at}: the parent '${r.parent}' of resource '${nameOf(r)}' has no entry in 'nameTable' and is no resource of the file`);
    }
    if (r.provider !== undefined && !(r.provider in nameTable)) errors.push(`${at}: the provider '${r.provider}' of resource '${nameOf(r)}' has no entry in 'nameTable'`);
    if (r.version !== undefined && !/^v?\d+(\.\d+){0,2}([-+].*)?$/.test(r.version)) errors.push(`${at}: version '${r.version}' is not a semantic version`);
  });
  // The URN of each resource: parent type chain + type + logical name must be unique.
  const typeChain = (r: ImportResource, seen = new Set<ImportResource>()): string => {
    if (r.parent === undefined || seen.has(r)) return r.type;
    seen.add(r);
    const parent = resources.find((p) => nameOf(p) === r.parent);
    const parentChain = parent ? typeChain(parent, seen) : (nameTable[r.parent]?.split("::")[2] ?? "");
    return `${parentChain}$${r.type}`;
  };
  const urns = new Set(Object.values(nameTable));
  resources.forEach((r, i) => {
    const urn = `${typeChain(r)}::${r.logicalName ?? r.name}`;
    if (urns.has(urn)) errors.push(`/resources/${i}: resource '${nameOf(r)}' has an ambiguous URN; set name (or logicalName) to be unique`);
    urns.add(urn);
  });
  return errors;
}
