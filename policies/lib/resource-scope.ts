/**
 * Which resources a rule can judge on their own, before they are created.
 *
 * The engine calls a resource validation with one resource's inputs (`pulumi preview` and
 * `up`, before that resource changes), and a stack validation once with every resource's
 * outputs (at the end of the preview or update, after the changes). A violation found by a
 * resource validation therefore stops the update before the resource exists; one found by a
 * stack validation comes too late to stop anything. So each rule checks on the resource itself
 * everything that needs no other resource, and keeps for its stack part only what needs the
 * whole pair (a missing companion, the pair's label value, a role's pair, route tables...).
 *
 * A resource is known to be a pair's from itself when
 *  - its URN shows an AwsHaPair / AzureHaPair component among its ancestors (the URN's type
 *    chain `ha-pair:index:AwsHaPair$aws:s3/bucket:Bucket`), or
 *  - its own tags carry the label key (resources created next to the component with pairTags()).
 * Both parts use `judgedOnItsOwn` so nothing is reported twice.
 */
import type { ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { PAIR_COMPONENTS } from "./types.js";
import { UNKNOWN, asTags, unwrap, type Props, type Unknown } from "./values.js";

/**
 * A rule with both parts under one name. @pulumi/policy runs a policy's `validateResource` in
 * Analyze and its `validateStack` in AnalyzeStack, each when present (server.js checks
 * isResourcePolicy and isStackPolicy independently), so the pack keeps its six policy names.
 */
export type PairPolicy = ResourceValidationPolicy & StackValidationPolicy;

/** The ancestors' types in a URN (`urn:pulumi:stack::project::parent$child::name`), nearest last. */
function ancestorTypes(urn: string): string[] {
  const qualified = urn.split("::")[2] ?? "";
  return qualified.split("$").slice(0, -1);
}

/** Whether an ha-pair component is among the resource's ancestors. */
export function underPairComponent(urn: string): boolean {
  return ancestorTypes(urn).some((t) => PAIR_COMPONENTS.includes(t));
}

/** The label value in the resource's own tags; UNKNOWN when its tags are unknown. */
export function ownLabel(props: Props, labelKey: string): string | Unknown | undefined {
  const tags = asTags(props.tags);
  if (tags === UNKNOWN) return UNKNOWN;
  return tags?.[labelKey];
}

/** The resource is a pair's by its URN or its own label tag (see the module comment). */
export function judgedOnItsOwn(urn: string, props: Props, labelKey: string): boolean {
  if (underPairComponent(urn)) return true;
  const label = ownLabel(props, labelKey);
  return typeof label === "string";
}

/** The resource as a resource validation sees it: its inputs unwrapped, where it sits. */
export interface Subject {
  type: string;
  name: string;
  urn: string;
  props: Props;
  /** The engine's props (the proxy), for the unknown-value report. */
  proxied: unknown;
  /** `pair "edge"` (its component's name) or `pair labelled "edge"`. */
  pair: string;
}

/** The subject of a resource validation when the resource is a pair's, else undefined. */
export function pairSubject(args: ResourceValidationArgs, labelKey: string): Subject | undefined {
  const props = unwrap(args.props) as Props;
  if (!judgedOnItsOwn(args.urn, props, labelKey)) return undefined;
  const parent = args.opts.parent;
  const parentIsPair = parent !== undefined && PAIR_COMPONENTS.includes(lastType(parent));
  const label = ownLabel(props, labelKey);
  const pair = parentIsPair ? `pair "${parent!.slice(parent!.lastIndexOf("::") + 2)}"` : typeof label === "string" ? `pair labelled "${label}"` : "an ha-pair component";
  return { type: args.type, name: args.name, urn: args.urn, props, proxied: args.props, pair };
}

function lastType(urn: string): string {
  return (urn.split("::")[2] ?? "").split("$").at(-1) ?? "";
}
