/**
 * IAM for the simulated cloud: identity policies attached to the instance roles (and, if asked,
 * to the static sim user), evaluated for every EC2 and S3 request the way AWS evaluates them.
 *
 * A principal with no policies set keeps the sim's historical allow-all, so tests that do not
 * care about IAM are unaffected; one with policies set (even an empty list) gets the real rules:
 * explicit deny wins, no allow is an implicit deny.
 */
import type { Ec2State } from "../ec2/state.js";
import { contextOf, type RequestContext } from "./conditions.js";
import { authorizeAll, type ResourceUnderTest } from "./evaluate.js";
import { validatePolicy, type PolicyDocument } from "./policy.js";

export { contextOf, conditionsHold, type RequestContext } from "./conditions.js";
export { authorizeAll, evaluatePolicies, type Decision, type Evaluation, type EvaluationRequest, type ResourceUnderTest } from "./evaluate.js";
export { actionMatches, arnConditionMatches, resourceMatches } from "./match.js";
export { MalformedPolicyError, validatePolicy, type ConditionBlock, type PolicyDocument, type PolicyStatement } from "./policy.js";

/** The key under which policies of the static sim user are set (roles are keyed by role name). */
export const SIM_USER_POLICY_KEY = "user/ha-pair-sim";

export interface PrincipalInfo {
  /** Role name, or `user/NAME`. */
  key: string;
  /** The IAM ARN policies are attached to (the role's, not the session's). */
  principalArn: string;
  type: "AssumedRole" | "User";
  account: string;
}

/** `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` or `arn:aws:iam::ACCOUNT:user/NAME`. */
export function principalOf(callerArn: string): PrincipalInfo | undefined {
  const role = /^arn:([^:]+):sts::(\d+):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  if (role) {
    const [, partition, account, name] = role as unknown as [string, string, string, string];
    return { key: name, principalArn: `arn:${partition}:iam::${account}:role/${name}`, type: "AssumedRole", account };
  }
  const user = /^arn:([^:]+):iam::(\d+):user\/(?:.*\/)?([^/]+)$/.exec(callerArn);
  if (user) {
    const [, , account, name] = user as unknown as [string, string, string, string];
    return { key: `user/${name}`, principalArn: callerArn, type: "User", account };
  }
  return undefined;
}

export type IamDecision = { allowed: true } | { allowed: false; resourceArn: string; reason: string };

export interface IamRequest {
  callerArn: string;
  /** service:Action */
  action: string;
  resources: readonly ResourceUnderTest[];
  /** Request-level keys beyond the global ones (s3:prefix, aws:TagKeys, ...). */
  context?: RequestContext;
}

export interface IdentityPolicyOptions {
  region: string;
  /**
   * aws:SecureTransport. The sim speaks plain HTTP on 127.0.0.1 only because it is local; it
   * stands for AWS endpoints the SDK reaches over TLS, so the default is true. Set false to
   * check a policy's behaviour for a client that would not use TLS.
   */
  secureTransport?: boolean;
}

export class IdentityPolicies {
  private readonly byPrincipal = new Map<string, PolicyDocument[]>();

  constructor(
    private readonly options: IdentityPolicyOptions,
    initial: Record<string, PolicyDocument[]> = {},
  ) {
    for (const [key, documents] of Object.entries(initial)) this.set(key, documents);
  }

  /** Replaces the principal's policies (validated as IAM would on attach); null restores allow-all. */
  set(key: string, documents: PolicyDocument[] | null): void {
    if (documents === null) {
      this.byPrincipal.delete(key);
      return;
    }
    for (const document of documents) validatePolicy(document);
    // A deep copy: a test mutating its document later must not change what is attached.
    this.byPrincipal.set(key, structuredClone(documents));
  }

  get(key: string): readonly PolicyDocument[] | undefined {
    return this.byPrincipal.get(key);
  }

  /** Global condition keys of a request by this caller. */
  globalContext(principal: PrincipalInfo | undefined, now: Date = new Date()): Map<string, string[]> {
    return contextOf({
      "aws:RequestedRegion": this.options.region,
      "aws:SecureTransport": String(this.options.secureTransport ?? true),
      "aws:CurrentTime": now.toISOString(),
      "aws:EpochTime": String(Math.floor(now.getTime() / 1000)),
      "aws:PrincipalArn": principal?.principalArn,
      "aws:PrincipalAccount": principal?.account,
      "aws:PrincipalType": principal?.type,
      "aws:username": principal?.type === "User" ? principal.key.slice("user/".length) : undefined,
    });
  }

  authorize(request: IamRequest): IamDecision {
    const principal = principalOf(request.callerArn);
    const documents = principal ? this.byPrincipal.get(principal.key) : undefined;
    if (!documents) return { allowed: true };
    const context = new Map([...this.globalContext(principal), ...(request.context ?? [])]);
    const result = authorizeAll(documents, request.action, request.resources, context);
    if (result.decision === "allow") return { allowed: true };
    return {
      allowed: false,
      resourceArn: result.resource ?? "*",
      reason:
        result.decision === "explicit-deny"
          ? "with an explicit deny in an identity-based policy"
          : `because no identity-based policy allows the ${request.action} action`,
    };
  }
}

/** Resource tags as IAM sees them: aws:ResourceTag/KEY, and for EC2 the older ec2:ResourceTag/KEY too. */
export function tagContext(tags: Record<string, string>, service: string): Map<string, string[]> {
  const context = new Map<string, string[]>();
  for (const [key, value] of Object.entries(tags)) {
    context.set(`aws:resourcetag/${key.toLowerCase()}`, [value]);
    if (service === "ec2") context.set(`ec2:resourcetag/${key.toLowerCase()}`, [value]);
  }
  return context;
}

/**
 * The condition keys of one EC2 resource (Service Authorization Reference, "Condition keys for
 * Amazon EC2"): its tags, ec2:Region, and the keys naming its network (ec2:Vpc, ec2:Subnet,
 * ec2:AvailabilityZone) and identity (ec2:RouteTableID, ec2:SubnetID, ec2:AllocationId,
 * ec2:PublicIpAddress, ec2:NetworkInterfaceID, ec2:InstanceID).
 */
export function ec2ResourceContext(state: Readonly<Ec2State>, arn: string, tags: Record<string, string>): Map<string, string[]> {
  const context = tagContext(tags, "ec2");
  const match = /^arn:([^:]+):ec2:([^:]*):(\d*):([a-z-]+)\/(.+)$/.exec(arn);
  if (!match) return context;
  const [, partition, region, account, type, id] = match as unknown as [string, string, string, string, string, string];
  const vpcArn = (vpcId: string) => `arn:${partition}:ec2:${region}:${account}:vpc/${vpcId}`;
  const subnetArn = (subnetId: string) => `arn:${partition}:ec2:${region}:${account}:subnet/${subnetId}`;
  const set = (key: string, value: string | undefined) => {
    if (value !== undefined) context.set(key.toLowerCase(), [value]);
  };
  set("ec2:Region", region);
  switch (type) {
    case "network-interface": {
      const eni = state.networkInterfaces[id];
      set("ec2:NetworkInterfaceID", id);
      if (eni) {
        set("ec2:Vpc", vpcArn(eni.vpcId));
        set("ec2:Subnet", subnetArn(eni.subnetId));
        set("ec2:AvailabilityZone", eni.availabilityZone);
      }
      break;
    }
    case "route-table": {
      const table = state.routeTables[id];
      set("ec2:RouteTableID", id);
      if (table) set("ec2:Vpc", vpcArn(table.vpcId));
      break;
    }
    case "elastic-ip": {
      set("ec2:AllocationId", id);
      set("ec2:PublicIpAddress", state.addresses[id]?.publicIp);
      set("ec2:Domain", "vpc");
      break;
    }
    case "instance": {
      const instance = state.instances[id];
      set("ec2:InstanceID", id);
      if (instance) {
        set("ec2:AvailabilityZone", instance.availabilityZone);
        if (instance.roleName) set("ec2:InstanceProfile", `arn:${partition}:iam::${account}:instance-profile/${instance.roleName}`);
      }
      break;
    }
    case "subnet": {
      // ReplaceRouteTableAssociation is authorized on the subnet (and the route table) with ec2:SubnetID.
      const subnet = state.subnets[id];
      set("ec2:SubnetID", id);
      if (subnet) {
        set("ec2:Vpc", vpcArn(subnet.vpcId));
        set("ec2:AvailabilityZone", subnet.availabilityZone);
      }
      break;
    }
  }
  return context;
}
