/**
 * What the stack holds, seen as pairs.
 *
 * Pair membership: a resource belongs to a pair when
 *  1. it is a descendant of an `ha-pair:index:AwsHaPair` / `ha-pair:index:AzureHaPair`
 *     component (the parent chain), or
 *  2. it carries the label tag: resources with the same label value form one pair (and join the
 *     component whose resources carry that value — appliances created next to the component,
 *     not inside it, are tagged with `pairTags()` and belong to it that way), or
 *  3. a pair's `aws:ec2/tag:Tag` resource puts the label on it (resources the stack does not
 *     own are tagged that way; when the target is outside the stack only its ID is known).
 * A pair's label value is the `label` of the component's agent config output when known, else
 * the value most of its resources carry.
 *
 * Node membership (which node an interface is on): the component's agent config
 * (`nodes.a|b.interfaces`) when known; else the instance / VM the interface is attached to in
 * this stack — `attachments[].instance` of the interface, an
 * `aws:ec2/networkInterfaceAttachment`, an instance's `primaryNetworkInterface` /
 * `networkInterfaces`, an Azure VM's `networkProfile.networkInterfaces`. An interface attached
 * nowhere in the stack has no known node and is left out of the one-to-one nic-map check.
 *
 * References between resources are followed through `propertyDependencies` (known even during
 * preview) or by value (an ID, ARN, name or bucket equal to the target's).
 */
import type { PolicyResource } from "@pulumi/policy";
import { AWS, AZURE, PAIR_COMPONENTS, cloudOf, kindOf, type PairKind } from "./types.js";
import { UNKNOWN, asArray, asString, asTags, get, isUnknown, unwrap, type Props, type Unknown } from "./values.js";

export interface Res {
  type: string;
  name: string;
  urn: string;
  /** Unwrapped properties (unknown values are the engine's sentinels). */
  props: Props;
  /** The engine's props as given (the proxy), for the unknown-value report. */
  proxied: unknown;
  parent?: Res;
  source: PolicyResource;
}

export class StackModel {
  readonly resources: Res[];
  private readonly byUrn = new Map<string, Res>();
  private readonly byType = new Map<string, Res[]>();

  constructor(resources: readonly PolicyResource[]) {
    this.resources = resources.map((source) => ({
      type: source.type,
      name: source.name,
      urn: source.urn,
      props: unwrap(source.props) as Props,
      proxied: source.props,
      source,
    }));
    for (const res of this.resources) {
      this.byUrn.set(res.urn, res);
      const list = this.byType.get(res.type) ?? [];
      list.push(res);
      this.byType.set(res.type, list);
    }
    for (const res of this.resources) {
      const parentUrn = res.source.parent?.urn ?? res.source.opts?.parent;
      if (parentUrn) res.parent = this.byUrn.get(parentUrn);
    }
  }

  ofType(...types: readonly string[]): Res[] {
    return types.flatMap((type) => this.byType.get(type) ?? []);
  }

  get(urn: string): Res | undefined {
    return this.byUrn.get(urn);
  }

  /** The nearest ha-pair component above the resource. */
  componentOf(res: Res): Res | undefined {
    for (let p = res.parent; p; p = p.parent) if (PAIR_COMPONENTS.includes(p.type)) return p;
    return undefined;
  }

  /** The resources `from.prop` depends on, as the engine recorded them. */
  dependenciesOf(from: Res, prop: string): Res[] {
    const deps = from.source.propertyDependencies?.[prop] ?? [];
    return deps.map((d) => this.byUrn.get(d.urn)).filter((r): r is Res => r !== undefined);
  }

  /**
   * Whether `from.prop` (whose value, or one of whose values, is `value`) refers to `to`:
   * through the recorded property dependencies, or by an identifier of `to` equal to the value.
   */
  refersTo(from: Res, prop: string, value: unknown, to: Res): boolean {
    if (this.dependenciesOf(from, prop).includes(to)) return true;
    const ids = identifiers(to);
    const values = Array.isArray(value) ? value : [value];
    return values.some((v) => typeof v === "string" && !isUnknown(v) && ids.includes(v));
  }

  /** The resources of the given types that `from.prop` refers to. */
  referenced(from: Res, prop: string, value: unknown, ...types: string[]): Res[] {
    return this.ofType(...types).filter((to) => this.refersTo(from, prop, value, to));
  }
}

/** The known values other resources use to refer to this one. */
export function identifiers(res: Res): string[] {
  const keys = ["id", "arn", "allocationId"];
  if (AWS.buckets.includes(res.type as (typeof AWS.buckets)[number])) keys.push("bucket");
  if (res.type.startsWith("aws:iam/")) keys.push("name");
  if (res.type === AZURE.userAssignedIdentity || res.type === AZURE.virtualMachine) keys.push("principalId");
  // A storage account's children (blob service, containers) name it by its account name.
  if (res.type === AZURE.storageAccount) keys.push("name", "accountName");
  return keys.map((k) => asString(res.props[k])).filter((v): v is string => v !== undefined);
}

export function idOf(res: Res): string | undefined {
  return asString(res.props.id);
}

/** Tags on the resource itself (AWS `tags` + `tagsAll`, Azure `tags`). */
export function ownTags(res: Res): Record<string, string> | Unknown {
  const tags = asTags(res.props.tags);
  const all = asTags(res.props.tagsAll);
  if (tags === UNKNOWN && (all === UNKNOWN || all === undefined)) return UNKNOWN;
  return { ...(all === UNKNOWN ? {} : all), ...(tags === UNKNOWN ? {} : tags) };
}

/** Provider default tags (AWS provider `defaultTags.tags`) that land on every resource of that provider. */
export function providerTags(res: Res): Record<string, string> {
  return providerDefaultTags(res.source.provider?.props);
}

/** The default tags in a provider's props (`defaultTags`, a JSON string or an object, `.tags`); {} when none or unknown. */
export function providerDefaultTags(props: Record<string, unknown> | undefined): Record<string, string> {
  if (!props) return {};
  const defaults = unwrap(props).defaultTags;
  const parsed = typeof defaults === "string" ? safeJson(defaults) : defaults;
  const tags = asTags(get(parsed, "tags"));
  return tags && tags !== UNKNOWN ? tags : {};
}

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** An `aws:ec2/tag:Tag`: one tag on a resource by ID. */
export interface TagResource {
  res: Res;
  resourceId: string | Unknown | undefined;
  key: string | Unknown | undefined;
  value: string | Unknown | undefined;
}

function known(value: unknown): string | Unknown | undefined {
  return isUnknown(value) ? UNKNOWN : asString(value);
}

export function tagResources(model: StackModel): TagResource[] {
  return model.ofType(AWS.tag).map((res) => ({
    res,
    resourceId: known(res.props.resourceId),
    key: known(res.props.key),
    value: known(res.props.value),
  }));
}

/** The agent config (components' `agentConfig` output), when it is known. */
export interface AgentConfigView {
  label?: string;
  region?: string;
  nodes?: Record<string, { instanceId?: string; interfaces?: Record<string, { id?: string }> }>;
  routes?: { routeTableId?: string; nextHop?: { role?: string } }[];
  stateStore?: { bucket?: string };
}

export function agentConfigOf(component: Res | undefined): AgentConfigView | undefined {
  if (!component) return undefined;
  const value = component.props.agentConfig;
  if (typeof value === "string" && !isUnknown(value)) {
    const parsed = safeJson(value);
    return parsed && typeof parsed === "object" ? (parsed as AgentConfigView) : undefined;
  }
  return value && typeof value === "object" && !isUnknown(value) ? (value as AgentConfigView) : undefined;
}

export interface Pair {
  /** The component (absent for a pair known only by its label tags). */
  component?: Res;
  cloud: "aws" | "azure" | undefined;
  /** The pair's label value; undefined when none of its resources carries one. */
  label?: string;
  /** Resources of the pair (in this stack). */
  members: Set<Res>;
  /** The pair's aws:ec2/tag:Tag resources (tagging resources by ID). */
  tags: TagResource[];
  agentConfig?: AgentConfigView;
  /**
   * Resources outside every component whose label is unknown during preview: they may belong
   * to this pair, so checks that need the complete set of the pair's resources hold back.
   */
  undetermined: Res[];
}

export interface PairOptions {
  labelKey: string;
}

/** The label value a resource carries (own tags, or a Tag resource in the stack), UNKNOWN if unknown. */
export function labelOf(model: StackModel, res: Res, labelKey: string, tags = tagResources(model)): string | Unknown | undefined {
  const own = ownTags(res);
  if (own !== UNKNOWN && own[labelKey] !== undefined) return own[labelKey];
  const id = idOf(res);
  for (const t of tags) {
    if (t.key !== labelKey) continue;
    if (model.refersTo(t.res, "resourceId", t.resourceId, res) || (id !== undefined && t.resourceId === id)) {
      return t.value;
    }
  }
  return own === UNKNOWN ? UNKNOWN : undefined;
}

/** All pairs of the stack (see the module comment for who belongs to which). */
export function findPairs(model: StackModel, options: PairOptions): Pair[] {
  const { labelKey } = options;
  const tags = tagResources(model);
  const pairs: Pair[] = [];
  const byComponent = new Map<Res, Pair>();
  for (const component of model.ofType(...PAIR_COMPONENTS)) {
    const pair: Pair = { component, cloud: cloudOf(component.type), members: new Set(), tags: [], agentConfig: agentConfigOf(component), undetermined: [] };
    byComponent.set(component, pair);
    pairs.push(pair);
  }
  for (const res of model.resources) {
    const component = model.componentOf(res);
    if (component) byComponent.get(component)!.members.add(res);
  }
  for (const t of tags) {
    const component = model.componentOf(t.res);
    if (component) byComponent.get(component)!.tags.push(t);
  }
  // A component pair's label: its agent config, else the value most of its resources carry.
  for (const pair of pairs) {
    const fromConfig = asString(pair.agentConfig?.label);
    if (fromConfig !== undefined) {
      pair.label = fromConfig;
      continue;
    }
    const counts = new Map<string, number>();
    const count = (value: string | Unknown | undefined) => {
      if (typeof value === "string") counts.set(value, (counts.get(value) ?? 0) + 1);
    };
    for (const res of pair.members) if (kindOf(res.type) || res.type === AWS.role) count(labelOf(model, res, labelKey, tags));
    for (const t of pair.tags) if (t.key === labelKey) count(t.value);
    pair.label = [...counts.entries()].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0]?.[0];
  }
  // Labeled resources outside every component join the pair with their label value.
  const byLabel = new Map<string, Pair>();
  const undetermined: Res[] = [];
  for (const pair of pairs) if (pair.label !== undefined && !byLabel.has(pair.label)) byLabel.set(pair.label, pair);
  for (const res of model.resources) {
    if (model.componentOf(res) || PAIR_COMPONENTS.includes(res.type) || res.type === AWS.tag) continue;
    const label = labelOf(model, res, labelKey, tags);
    if (label === UNKNOWN && kindOf(res.type)) undetermined.push(res);
    if (typeof label !== "string") continue;
    let pair = byLabel.get(label);
    if (!pair) {
      pair = { cloud: cloudOf(res.type), label, members: new Set(), tags: [], undetermined: [] };
      byLabel.set(label, pair);
      pairs.push(pair);
    }
    pair.members.add(res);
    pair.cloud ??= cloudOf(res.type);
  }
  // Tag resources outside components that carry a pair's label belong to that pair too.
  for (const t of tags) {
    if (model.componentOf(t.res) || t.key !== labelKey || typeof t.value !== "string") continue;
    const pair = byLabel.get(t.value);
    if (pair && !pair.tags.includes(t)) pair.tags.push(t);
  }
  for (const pair of pairs) {
    pair.undetermined = undetermined.filter((res) => pair.cloud === undefined || cloudOf(res.type) === pair.cloud);
    // Resources the pair's Tag resources point at are the pair's, wherever they are declared.
    for (const t of pair.tags) {
      for (const res of model.resources) {
        if (kindOf(res.type) && (model.refersTo(t.res, "resourceId", t.resourceId, res) || (idOf(res) !== undefined && idOf(res) === t.resourceId))) {
          pair.members.add(res);
        }
      }
    }
  }
  return pairs;
}

export function membersOfKind(pair: Pair, kind: PairKind): Res[] {
  return [...pair.members].filter((res) => kindOf(res.type) === kind);
}

/** Where a resource sits in messages about a pair. */
export function pairName(pair: Pair): string {
  return pair.component ? `pair "${pair.component.name}" (label ${pair.label ?? "unset"})` : `pair labelled "${pair.label}"`;
}

/** A node of the pair: an instance/VM in the stack, an instance ID, or a/b from the agent config. */
export interface NodeRef {
  key: string;
  display: string;
  instance?: Res;
}

/** The node an interface is on (see the module comment), or undefined when the stack does not say. */
export function nodeOf(model: StackModel, pair: Pair, nic: Res): NodeRef | undefined {
  const id = idOf(nic);
  const config = pair.agentConfig;
  if (id !== undefined && config?.nodes) {
    for (const [node, spec] of Object.entries(config.nodes)) {
      for (const iface of Object.values(spec.interfaces ?? {})) if (iface.id === id) return { key: `node:${node}`, display: `node ${node}` };
    }
  }
  const instance = (res: Res): NodeRef => ({ key: res.urn, display: `${res.type.split(":").pop()} "${res.name}"`, instance: res });
  if (nic.type === AWS.networkInterface) {
    const attachments = asArray(nic.props.attachments);
    if (Array.isArray(attachments)) {
      for (const a of attachments) {
        const target = get(a, "instance");
        const found = model.referenced(nic, "attachments", target, AWS.instance)[0];
        if (found) return instance(found);
        if (typeof target === "string" && !isUnknown(target)) return { key: `instance:${target}`, display: `instance ${target}` };
      }
    }
    for (const att of model.ofType(AWS.networkInterfaceAttachment)) {
      if (!model.refersTo(att, "networkInterfaceId", att.props.networkInterfaceId, nic)) continue;
      const found = model.referenced(att, "instanceId", att.props.instanceId, AWS.instance)[0];
      if (found) return instance(found);
      const target = asString(att.props.instanceId);
      if (target) return { key: `instance:${target}`, display: `instance ${target}` };
    }
    for (const inst of model.ofType(AWS.instance)) {
      const primary = get(inst.props, "primaryNetworkInterface", "networkInterfaceId");
      if (primary !== undefined && model.refersTo(inst, "primaryNetworkInterface", primary, nic)) return instance(inst);
      const legacy = asArray(inst.props.networkInterfaces);
      if (Array.isArray(legacy) && model.refersTo(inst, "networkInterfaces", legacy.map((n) => get(n, "networkInterfaceId")), nic)) return instance(inst);
    }
  }
  if (nic.type === AZURE.networkInterface) {
    for (const vm of model.ofType(AZURE.virtualMachine)) {
      const refs = asArray(get(vm.props, "networkProfile", "networkInterfaces"));
      const ids = Array.isArray(refs) ? refs.map((r) => get(r, "id")) : [];
      if (model.refersTo(vm, "networkProfile", ids, nic)) return instance(vm);
    }
    const vmId = asString(get(nic.props, "virtualMachine", "id"));
    if (vmId) return { key: `vm:${vmId.toLowerCase()}`, display: `VM ${vmId.split("/").pop()}` };
  }
  return undefined;
}

/** The nic-map role an interface carries (own tags or a Tag resource). */
export function roleOf(model: StackModel, nic: Res, nicMapKey: string): string | Unknown | undefined {
  return labelOf(model, nic, nicMapKey);
}

export { UNKNOWN, isUnknown };
