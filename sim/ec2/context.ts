import { Ec2Error } from "./errors.js";
import type { QueryParams } from "./params.js";
import type { Ec2State, Tags } from "./state.js";
import type { XmlObject } from "./xml.js";

/** Who signed the request. */
export interface Caller {
  accessKeyId: string;
  arn: string;
}

/** A resource an action touches, as IAM sees it. */
export interface ResourceRef {
  arn: string;
  tags: Record<string, string>;
}

export type AuthorizationDecision =
  | { allowed: true }
  /** `resourceArn` (optional) names the resource the denial is about in the error message. */
  | { allowed: false; reason: string; resourceArn?: string };

export type Authorizer = (request: {
  action: string;
  resources: ResourceRef[];
  caller: Caller;
  region: string;
  /** Request-level condition keys (aws:TagKeys, aws:RequestTag/KEY) when the request carries any. */
  context?: Record<string, string[]>;
}) => AuthorizationDecision;

export const allowAll: Authorizer = () => ({ allowed: true });

/** What an action sees while it runs. */
export interface ActionContext {
  readonly action: string;
  readonly params: QueryParams;
  /** For a mutating action, a draft committed only if the action returns normally; for a read, the (possibly stale) state. */
  readonly state: Ec2State;
  readonly caller: Caller;
  newId(prefix: string): string;
  /**
   * The permission check every action makes once its parameters and resources are known:
   * throws UnauthorizedOperation (403) when denied and DryRunOperation (412) when allowed under DryRun.
   */
  authorize(resources: ResourceRef[]): void;
}

export interface Ec2Action {
  readonly name: string;
  readonly mutating: boolean;
  /**
   * False for the few actions whose API has no DryRun parameter (AssignPrivateIpAddresses,
   * UnassignPrivateIpAddresses). EC2 rejects the parameter there; answering DryRunOperation
   * would hide a client that believes it is only checking, while real EC2 would act or refuse.
   */
  readonly dryRun?: false;
  /** Returns the members of the response element after requestId. */
  run(context: ActionContext): XmlObject;
}

export type Ec2ResourceType = "network-interface" | "elastic-ip" | "route-table" | "instance" | "subnet" | "vpc";

export function resourceArn(state: Ec2State, type: Ec2ResourceType, id: string): string {
  return `arn:aws:ec2:${state.region}:${state.accountId}:${type}/${id}`;
}

export function resourceRef(state: Ec2State, type: Ec2ResourceType, id: string, tags: Tags): ResourceRef {
  return { arn: resourceArn(state, type, id), tags: { ...tags } };
}

export function dryRunOperation(): Ec2Error {
  return new Ec2Error("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412);
}

export function unauthorizedOperation(caller: Caller, action: string, resourceArnText: string | undefined, reason: string): Ec2Error {
  // IAM words an explicit deny "with an explicit deny in ...", a missing allow "because no ... allows".
  const explicit = /^with\s/i.test(reason);
  const why = explicit ? reason : reason.replace(/^because\s+/i, "");
  const connector = explicit ? " " : " because ";
  const onResource = resourceArnText ? ` on resource: ${resourceArnText}` : "";
  return new Ec2Error(
    "UnauthorizedOperation",
    `You are not authorized to perform this operation. User: ${caller.arn} is not authorized to perform: ec2:${action}${onResource}${why ? `${connector}${why}` : ""}`,
    403,
  );
}

/** Renders tags as EC2's tagSet items. */
export function tagSet(tags: Tags): XmlObject[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}
