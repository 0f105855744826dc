/**
 * An engine-free harness for policy packs: runs policies against a list of resources the way
 * the Pulumi engine and @pulumi/policy 1.21 do, and collects what they report.
 *
 *  - ResourceValidationArgs {type, props (inputs), urn, name, opts, provider, stackTags,
 *    isType, asType, getConfig, notApplicable} for each resource and each resource policy,
 *    first (the engine's Analyze, before the resource changes);
 *  - StackValidationArgs {resources: PolicyResource[] with parent / dependencies /
 *    propertyDependencies linked as objects, stackTags, getConfig, notApplicable} for each
 *    stack policy, then (AnalyzeStack, at the end); a policy may have both parts;
 *  - props are wrapped in @pulumi/policy's own unknown-checking proxy, so a value unknown
 *    during preview (see `unknown`) behaves as in `pulumi preview`: reading it throws the
 *    engine's UnknownValueError, which is recorded (as the engine does) as an advisory
 *    "can't run policy ... during preview" note in `unchecked`, not as a crash;
 *  - the enforcement level is resolved as the engine does (pack config > policy > pack
 *    default); "disabled" skips a policy, "remediate" runs remediateResource first and
 *    validates the remediated props;
 *  - config is checked against each policy's configSchema (unknown keys and wrong types throw,
 *    as `pulumi preview` refuses them) and handed to getConfig() without enforcementLevel.
 *
 * Usage:
 *   const result = await runPolicies(policies, [
 *     { type: "ha-pair:index:AwsHaPair", name: "edge" },
 *     { type: "aws:ec2/networkInterface:NetworkInterface", name: "a-ext", parent: "edge", props: {...} },
 *   ], { config: { "pair-tagging": { requiredTags: ["owner"] } } });
 *   result.violations // [{ policy, level, message, urn, name }]
 */
import { createRequire } from "node:module";
import type {
  EnforcementLevel,
  Policies,
  PolicyConfigSchema,
  PolicyPackConfig,
  PolicyProviderResource,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

interface PolicyInternals {
  unknownCheckingProxy<T>(value: T): T;
  UnknownValueError: new (...args: never[]) => Error;
}
// The proxy and its error are @pulumi/policy internals (no typings), but they are exactly what
// the engine-side analyzer wraps props in, so the harness uses them rather than an imitation.
const internals = createRequire(import.meta.url)("@pulumi/policy/proxy.js") as PolicyInternals;

/** Values unknown during preview, as the engine sends them (one per type). */
export const unknown = {
  boolean: "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  number: "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  string: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
  array: "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  object: "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
} as const;

export interface ResourceSpec {
  type: string;
  name: string;
  /** Inputs (resource validation) and, unless `outputs` is given, outputs (stack validation). */
  props?: Record<string, unknown>;
  /** Outputs for stack validation when they differ from the inputs (computed fields, IDs). */
  outputs?: Record<string, unknown>;
  /** Parent: a name (of a resource earlier or later in the list) or a URN. */
  parent?: string;
  /** Names or URNs. */
  dependencies?: string[];
  /** Property → names or URNs of the resources it depends on. */
  propertyDependencies?: Record<string, string[]>;
  provider?: PolicyProviderResource;
  protect?: boolean;
}

export interface HarnessOptions {
  project?: string;
  stack?: string;
  /** Per-policy config as `pulumi preview --policy-pack-config` gives it: a level, or { enforcementLevel?, ...props }. */
  config?: PolicyPackConfig;
  /** The pack's default level (PolicyPackArgs.enforcementLevel); @pulumi/policy's default is advisory. */
  packEnforcementLevel?: EnforcementLevel;
  stackTags?: Record<string, string>;
  /** Run resource policies (default true) / stack policies (default true). */
  resourcePolicies?: boolean;
  stackPolicies?: boolean;
}

export interface Violation {
  policy: string;
  /** Which part found it: a resource validation (before that resource changes) or the stack validation (at the end). */
  kind: "resource" | "stack";
  level: EnforcementLevel;
  message: string;
  urn?: string;
  /** Name of the resource the URN names. */
  name?: string;
}

export interface RunResult {
  violations: Violation[];
  /** Policies the engine could not run to the end during preview (an unknown value), with its message. */
  unchecked: { policy: string; kind: "resource" | "stack"; message: string; urn?: string }[];
  notApplicable: { policy: string; reason?: string; urn?: string }[];
  remediations: { policy: string; urn: string; props: Record<string, unknown> }[];
}

/** The resources as the engine hands them to stack policies (URNs computed from the parent chain). */
export function buildResources(specs: readonly ResourceSpec[], options: Pick<HarnessOptions, "project" | "stack"> = {}): PolicyResource[] {
  const project = options.project ?? "project";
  const stack = options.stack ?? "stack";
  const byName = new Map(specs.map((s) => [s.name, s]));
  const qualifiedType = (spec: ResourceSpec, seen = new Set<string>()): string => {
    if (seen.has(spec.name)) throw new Error(`parent cycle at ${spec.name}`);
    seen.add(spec.name);
    const parent = spec.parent !== undefined ? byName.get(spec.parent) : undefined;
    return parent ? `${qualifiedType(parent, seen)}$${spec.type}` : spec.type;
  };
  const urnOf = (spec: ResourceSpec) => `urn:pulumi:${stack}::${project}::${qualifiedType(spec)}::${spec.name}`;
  const urns = new Map(specs.map((s) => [s.name, urnOf(s)]));
  const resolveUrn = (ref: string) => (ref.startsWith("urn:") ? ref : urns.get(ref) ?? fail(`no resource named ${ref}`));
  const resources: PolicyResource[] = specs.map((spec) => {
    const type = spec.type;
    const props = internals.unknownCheckingProxy({ ...(spec.outputs ?? spec.props ?? {}) });
    return {
      type,
      name: spec.name,
      urn: urns.get(spec.name)!,
      props,
      opts: resourceOptions(spec, spec.parent !== undefined ? resolveUrn(spec.parent) : undefined),
      ...(spec.provider ? { provider: spec.provider } : {}),
      dependencies: [],
      propertyDependencies: {},
      isType: (cls: { __pulumiType?: string }) => cls.__pulumiType === type,
      asType: (cls: { __pulumiType?: string }) => (cls.__pulumiType === type ? props : undefined),
    } as unknown as PolicyResource;
  });
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  specs.forEach((spec, i) => {
    const resource = resources[i]!;
    if (spec.parent !== undefined) {
      const parent = byUrn.get(resolveUrn(spec.parent));
      if (parent) resource.parent = parent;
    }
    resource.dependencies = (spec.dependencies ?? []).map((d) => byUrn.get(resolveUrn(d))).filter((r): r is PolicyResource => r !== undefined);
    for (const [prop, deps] of Object.entries(spec.propertyDependencies ?? {})) {
      resource.propertyDependencies[prop] = deps.map((d) => byUrn.get(resolveUrn(d))).filter((r): r is PolicyResource => r !== undefined);
    }
  });
  return resources;
}

function resourceOptions(spec: ResourceSpec, parentUrn: string | undefined): PolicyResourceOptions {
  return {
    protect: spec.protect ?? false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...(parentUrn !== undefined ? { parent: parentUrn } : {}),
  };
}

function fail(message: string): never {
  throw new Error(message);
}

class NotApplicable extends Error {
  constructor(readonly reason?: string) {
    super(reason ?? "not applicable");
  }
}

const notApplicable = (reason?: string): never => {
  throw new NotApplicable(reason);
};

function isUnknownValueError(err: unknown): err is Error {
  return err instanceof internals.UnknownValueError || (err instanceof Error && err.constructor.name === "UnknownValueError");
}

/** Check a policy's config as the CLI does before it starts the pack. */
export function validateConfig(policyName: string, schema: PolicyConfigSchema | undefined, config: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(config)) {
    if (key === "enforcementLevel") continue;
    const property = schema?.properties[key];
    if (!property) throw new Error(`policy ${policyName}: unknown config property ${key}`);
    const type = property.type;
    const actual = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
    if (typeof type === "string" && type !== actual && !(type === "integer" && actual === "number")) {
      throw new Error(`policy ${policyName}: config ${key} must be ${type}, got ${actual}`);
    }
    if (property.enum && !property.enum.includes(value as never)) throw new Error(`policy ${policyName}: config ${key} must be one of ${property.enum.join(", ")}`);
  }
  for (const key of schema?.required ?? []) if (!(key in config)) throw new Error(`policy ${policyName}: config ${key} is required`);
}

function levelAndConfig(policy: { name: string; enforcementLevel?: EnforcementLevel; configSchema?: PolicyConfigSchema }, options: HarnessOptions) {
  const given = options.config?.[policy.name];
  const object = typeof given === "object" && given !== null ? (given as Record<string, unknown>) : {};
  const configured = typeof given === "string" ? given : (object.enforcementLevel as EnforcementLevel | undefined);
  validateConfig(policy.name, policy.configSchema, object);
  const { enforcementLevel: _level, ...properties } = object;
  return { level: configured ?? policy.enforcementLevel ?? options.packEnforcementLevel ?? "advisory", properties };
}

/**
 * Run every policy against the resources (specs, or PolicyResources from buildResources /
 * fromRegisteredResources), in the engine's order: each resource's validations (`Analyze`,
 * with its inputs, before it changes) — every policy that has `validateResource`, remediations
 * first — then every policy that has `validateStack` (`AnalyzeStack`, with all outputs, at the
 * end). A policy may have both parts (@pulumi/policy's server checks each independently).
 */
export async function runPolicies(policies: Policies, input: readonly ResourceSpec[] | readonly PolicyResource[], options: HarnessOptions = {}): Promise<RunResult> {
  const resources = isPolicyResources(input) ? [...input] : buildResources(input, options);
  const specs = isPolicyResources(input) ? undefined : input;
  const stackTags: ReadonlyMap<string, string> = new Map(Object.entries(options.stackTags ?? {}));
  const result: RunResult = { violations: [], unchecked: [], notApplicable: [], remediations: [] };
  const nameOf = new Map(resources.map((r) => [r.urn, r.name]));
  const prepared = policies.map((policy) => ({ policy, ...levelAndConfig(policy, options) })).filter((p) => p.level !== "disabled");

  const reporterFor = (policy: string, kind: "resource" | "stack", reportedLevel: EnforcementLevel, fixedUrn?: string) => (message: string, urn?: string) => {
    const target = fixedUrn ?? urn;
    result.violations.push({ policy, kind, level: reportedLevel, message, ...(target ? { urn: target, name: nameOf.get(target) } : {}) });
  };
  const run = async (policy: string, kind: "resource" | "stack", urn: string | undefined, body: () => unknown) => {
    try {
      await body();
    } catch (err) {
      if (err instanceof NotApplicable) result.notApplicable.push({ policy, ...(err.reason ? { reason: err.reason } : {}), ...(urn ? { urn } : {}) });
      else if (isUnknownValueError(err)) result.unchecked.push({ policy, kind, message: `can't run policy '${policy}' during preview: ${err.message}`, ...(urn ? { urn } : {}) });
      else throw err;
    }
  };

  if (options.resourcePolicies !== false) {
    for (const [i, resource] of resources.entries()) {
      for (const { policy, level, properties } of prepared) {
        const resourcePolicy = policy as ResourceValidationPolicy;
        if (!isResourcePolicy(resourcePolicy)) continue;
        const getConfig = <T extends object>() => ({ ...properties }) as T;
        let inputs: Record<string, unknown> = { ...(specs?.[i]?.props ?? inputsOf(resource) ?? unwrapProps(resource.props)) };
        const makeArgs = (props: Record<string, unknown>): ResourceValidationArgs => {
          const proxied = internals.unknownCheckingProxy(props);
          return {
            type: resource.type,
            props: proxied,
            urn: resource.urn,
            name: resource.name,
            opts: resource.opts,
            ...(resource.provider ? { provider: resource.provider } : {}),
            stackTags,
            isType: (cls: { __pulumiType?: string }) => cls.__pulumiType === resource.type,
            asType: (cls: { __pulumiType?: string }) => (cls.__pulumiType === resource.type ? proxied : undefined),
            getConfig,
            notApplicable,
          } as unknown as ResourceValidationArgs;
        };
        if (level === "remediate" && resourcePolicy.remediateResource) {
          await run(policy.name, "resource", resource.urn, async () => {
            const fixed = await resourcePolicy.remediateResource!(makeArgs(inputs));
            if (fixed) {
              inputs = { ...fixed };
              result.remediations.push({ policy: policy.name, urn: resource.urn, props: inputs });
            }
          });
        }
        const validations = resourcePolicy.validateResource === undefined ? [] : Array.isArray(resourcePolicy.validateResource) ? resourcePolicy.validateResource : [resourcePolicy.validateResource];
        for (const validate of validations) {
          await run(policy.name, "resource", resource.urn, () => validate(makeArgs(inputs), reporterFor(policy.name, "resource", level === "remediate" ? "mandatory" : level, resource.urn)));
        }
      }
    }
  }

  if (options.stackPolicies !== false) {
    for (const { policy, level, properties } of prepared) {
      if (!("validateStack" in policy) || typeof (policy as StackValidationPolicy).validateStack !== "function") continue;
      const stackPolicy = policy as StackValidationPolicy;
      const getConfig = <T extends object>() => ({ ...properties }) as T;
      const args: StackValidationArgs = { resources, stackTags, getConfig, notApplicable };
      await run(policy.name, "stack", undefined, () => stackPolicy.validateStack(args, reporterFor(policy.name, "stack", level === "remediate" ? "mandatory" : level)));
    }
  }
  return result;
}

/** As @pulumi/policy decides it: a validateResource or a remediateResource makes a resource policy. */
function isResourcePolicy(policy: Partial<ResourceValidationPolicy>): boolean {
  return typeof policy.validateResource === "function" || Array.isArray(policy.validateResource) || typeof policy.remediateResource === "function";
}

function isPolicyResources(input: readonly ResourceSpec[] | readonly PolicyResource[]): input is readonly PolicyResource[] {
  return input.length > 0 && typeof (input[0] as PolicyResource).urn === "string" && "propertyDependencies" in input[0]!;
}

/** The inputs a PolicyResource from fromRegisteredResources was registered with (what Analyze gets). */
const REGISTERED_INPUTS = Symbol("registered inputs");

function inputsOf(resource: PolicyResource): Record<string, unknown> | undefined {
  return (resource as unknown as { [REGISTERED_INPUTS]?: Record<string, unknown> })[REGISTERED_INPUTS];
}

function unwrapProps(props: Record<string, unknown>): Record<string, unknown> {
  const target = (props as Record<string, unknown>)["__getSpecialProxyTarget"];
  return (target as Record<string, unknown> | undefined) ?? props;
}

/** What a Pulumi mock harness records per registered resource (see test/helpers/pulumi-mocks.ts). */
export interface RegisteredResourceLike {
  type: string;
  name: string;
  urn: string;
  parent?: string;
  custom: boolean;
  inputs: Record<string, unknown>;
  state: Record<string, unknown>;
  id?: string;
  dependencies: string[];
  /** Per input property, the URNs it depends on. */
  propertyDependencies?: Record<string, string[]>;
}

/**
 * Resources recorded under Pulumi mocks, as the engine would hand them to stack policies: the
 * outputs (the mock cloud's state, with the ID as the `id` output, as bridged providers report
 * it), parents, dependencies and property dependencies by URN. Resource validations of
 * runPolicies get each record's inputs, as the engine's Analyze does.
 */
export function fromRegisteredResources(records: readonly RegisteredResourceLike[]): PolicyResource[] {
  const resources = records.map((record) => {
    const props = internals.unknownCheckingProxy({ ...record.state, ...(record.id !== undefined ? { id: record.id } : {}) });
    return {
      [REGISTERED_INPUTS]: { ...record.inputs },
      type: record.type,
      name: record.name,
      urn: record.urn,
      props,
      opts: resourceOptions({ type: record.type, name: record.name }, record.parent),
      dependencies: [] as PolicyResource[],
      propertyDependencies: {} as Record<string, PolicyResource[]>,
      isType: (cls: { __pulumiType?: string }) => cls.__pulumiType === record.type,
      asType: (cls: { __pulumiType?: string }) => (cls.__pulumiType === record.type ? props : undefined),
    } as unknown as PolicyResource;
  });
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  records.forEach((record, i) => {
    const resource = resources[i]!;
    if (record.parent) {
      const parent = byUrn.get(record.parent);
      if (parent) resource.parent = parent;
    }
    resource.dependencies = record.dependencies.map((d) => byUrn.get(d)).filter((r): r is PolicyResource => r !== undefined);
    for (const [prop, deps] of Object.entries(record.propertyDependencies ?? {})) {
      resource.propertyDependencies[prop] = deps.map((d) => byUrn.get(d)).filter((r): r is PolicyResource => r !== undefined);
    }
  });
  return resources;
}
