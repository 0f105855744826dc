/**
 * aws-least-privilege: the agent's role may do exactly what the agent does (the runtime's
 * exported required-action list), and only to the pair's own resources:
 *  - no `*` action, no service-wide wildcard (`ec2:*`, `s3:*`), no Allow with NotAction /
 *    NotResource, no iam:PassRole;
 *  - partial wildcards (`ec2:Describe*`, `s3:Get*`) are expanded against the pack's action
 *    catalog and every action the agent never calls is reported;
 *  - mutating EC2 actions only on named ARNs (of the pair's resources, when their IDs are
 *    known) or with a label-tag condition (aws:ResourceTag/<labelKey> = the pair's label);
 *  - Describe actions (which take no resource ARN) only with an aws:RequestedRegion condition;
 *  - S3 only on the state bucket and its objects; KMS only on named keys;
 *  - managed policies the stack does not define cannot be read, so they are reported unless
 *    explicitly allowed.
 * The pair's roles: roles of the pair (component children or labelled) and the roles of the
 * instance profiles its nodes use. Documents: Role.inlinePolicies, RolePolicy, Policy attached
 * with RolePolicyAttachment / PolicyAttachment, Role.managedPolicyArns.
 * Resource part (before the policy is created): in a document held by a pair's role, role
 * policy or policy (a component's, or labelled), what is wrong whatever the pair — `*`,
 * service-wide wildcards, NotAction / NotResource, iam:PassRole, a mutating EC2 action on every
 * resource with no label condition. Stack part: the rest, which needs the pair (its label, its
 * resources, its bucket), and documents the resource part cannot tie to a pair.
 */
import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { AGENT_AWS_ACTIONS, AGENT_AWS_ACTION_SET, AWS_ACTION_CATALOG, isEc2Read } from "../lib/aws-actions.js";
import { DEFAULT_LABEL_KEY, LABEL_KEY_SCHEMA, STRING_LIST, withDefaults } from "../lib/config.js";
import { conditionValues, expandAction, isServiceWide, parsePolicyDocument, statementName } from "../lib/iam.js";
import { StackModel, findPairs, idOf, labelOf, membersOfKind, nodeOf, pairName, type Pair, type Res } from "../lib/model.js";
import { Reporter, type Checked } from "../lib/report.js";
import { judgedOnItsOwn, pairSubject, type PairPolicy } from "../lib/resource-scope.js";
import { AWS } from "../lib/types.js";
import { UNKNOWN, asArray, asString, get, globMatch, hasWildcard, isUnknown, unique } from "../lib/values.js";

export interface AwsLeastPrivilegeConfig {
  labelKey: string;
  /** Actions (wildcards allowed) the role may hold besides the agent's, e.g. for SSM management. */
  allowedExtraActions: string[];
  /** Managed policies (not defined in the stack) that may be attached, after review. */
  allowedManagedPolicyArns: string[];
}

export const AWS_LEAST_PRIVILEGE_DEFAULTS: AwsLeastPrivilegeConfig = { labelKey: DEFAULT_LABEL_KEY, allowedExtraActions: [], allowedManagedPolicyArns: [] };

export const awsLeastPrivilege: PairPolicy = {
  name: "aws-least-privilege",
  description:
    "The IAM role of an ha-pair's agent allows only the actions the agent calls, mutating EC2 actions only on the pair's resources (named ARNs or the label-tag condition), Describe only in the pair's Region, S3 only on the state bucket; no wildcards, no iam:PassRole.",
  enforcementLevel: "mandatory",
  remediationSteps: "Use the policy AwsHaPair generates (components/aws/policy.ts pairIamPolicy) as the role's only policy.",
  configSchema: {
    properties: {
      labelKey: LABEL_KEY_SCHEMA,
      allowedExtraActions: STRING_LIST("Actions the agent's role may hold besides the agent's own (wildcards allowed), e.g. ssm:UpdateInstanceInformation."),
      allowedManagedPolicyArns: STRING_LIST("ARNs of managed policies outside the stack that may be attached to the agent's role."),
    },
  },
  validateResource: (args, reportViolation) => checkResource(args, withDefaults(AWS_LEAST_PRIVILEGE_DEFAULTS, args.getConfig<Partial<AwsLeastPrivilegeConfig>>()), reportViolation),
  validateStack: (args, reportViolation) => {
    const config = withDefaults(AWS_LEAST_PRIVILEGE_DEFAULTS, args.getConfig<Partial<AwsLeastPrivilegeConfig>>());
    const model = new StackModel(args.resources);
    const reporter = new Reporter(reportViolation);
    for (const pair of findPairs(model, config)) {
      const roles = pairRoles(model, pair);
      if (roles.length === 0) continue;
      const scope = pairScope(model, pair, config.labelKey, reporter);
      for (const role of roles) {
        for (const doc of documentsOf(model, role, config, reporter)) {
          // What needs no pair was judged by the resource part when the holder is a pair's on its own.
          const part = judgedOnItsOwn(doc.holder.urn, doc.holder.props, config.labelKey) ? "stack-context" : "stack-all";
          checkDocument(doc, pair.label, pairName(pair), scope, config, reporter, part);
        }
      }
    }
    reporter.finish();
  },
};

/** One role, role policy or policy of a pair, before it is created: the findings that need no pair. */
function checkResource(args: ResourceValidationArgs, config: AwsLeastPrivilegeConfig, reportViolation: ReportViolation): void {
  if (![AWS.role, AWS.rolePolicy, AWS.policy].includes(args.type as never)) return;
  const holder = pairSubject(args, config.labelKey);
  if (!holder) return;
  const reporter = new Reporter(reportViolation);
  const docs: Document[] = [];
  if (args.type === AWS.role) {
    const inline = asArray(holder.props.inlinePolicies);
    if (inline === UNKNOWN) reporter.notKnown(holder, "inlinePolicies");
    else
      (inline ?? []).forEach((p, i) => {
        const policy = get(p, "policy");
        if (policy === undefined || policy === "") return;
        docs.push({ holder, path: ["inlinePolicies", i, "policy"], value: policy === UNKNOWN ? (p as { policy: unknown }).policy : policy, what: `Inline policy "${asString(get(p, "name")) ?? i}" of role "${holder.name}"` });
      });
  } else {
    docs.push({ holder, path: ["policy"], value: holder.props.policy, what: `${args.type === AWS.rolePolicy ? "Role policy" : "Policy"} "${holder.name}" of ${holder.pair}` });
  }
  for (const doc of docs) checkDocument(doc, undefined, holder.pair, {}, config, reporter, "resource");
  reporter.finish();
}

interface Document {
  holder: Checked;
  path: (string | number)[];
  value: unknown;
  what: string;
}

interface PairScope {
  /** Names of the pair's state buckets; undefined when some are not known. */
  buckets?: string[];
  /** IDs of the pair's interfaces, Elastic IPs, route tables and (association mode) subnets; undefined when not all known. */
  resourceIds?: Set<string>;
}

function pairRoles(model: StackModel, pair: Pair): Res[] {
  const roles = new Set([...pair.members].filter((r) => r.type === AWS.role));
  for (const nic of membersOfKind(pair, "interface")) {
    const instance = nodeOf(model, pair, nic)?.instance;
    if (!instance || instance.type !== AWS.instance) continue;
    for (const profile of model.referenced(instance, "iamInstanceProfile", instance.props.iamInstanceProfile, AWS.instanceProfile)) {
      for (const role of model.referenced(profile, "role", profile.props.role, AWS.role)) roles.add(role);
    }
  }
  return [...roles];
}

function pairScope(model: StackModel, pair: Pair, labelKey: string, reporter: Reporter): PairScope {
  const scope: PairScope = {};
  const buckets: string[] = [];
  let bucketsKnown = true;
  for (const bucket of membersOfKind(pair, "state-store").filter((r) => AWS.buckets.includes(r.type as never))) {
    const name = asString(bucket.props.bucket);
    if (name) buckets.push(name);
    else if (isUnknown(bucket.props.bucket)) {
      bucketsKnown = false;
      reporter.notKnown(bucket, "bucket");
    }
  }
  const configured = asString(pair.agentConfig?.stateStore?.bucket);
  if (configured) buckets.push(configured);
  if (bucketsKnown && buckets.length > 0) scope.buckets = unique(buckets);

  const ids = new Set<string>();
  let idsKnown = true;
  for (const res of [...membersOfKind(pair, "interface"), ...membersOfKind(pair, "public-address"), ...membersOfKind(pair, "route-table")]) {
    const values = [idOf(res), asString(res.props.allocationId)].filter((v): v is string => v !== undefined);
    if (values.length === 0) idsKnown = false;
    values.forEach((v) => ids.add(v));
  }
  for (const t of pair.tags) {
    if (typeof t.resourceId === "string") ids.add(t.resourceId);
    else idsKnown = false;
  }
  // Association mode: ReplaceRouteTableAssociation is authorized on the subnets too; theirs are the
  // subnets that carry the pair's label (own tags, or an aws.ec2.Tag already counted above).
  for (const subnet of model.ofType(AWS.subnet)) {
    const id = idOf(subnet);
    if (id !== undefined && labelOf(model, subnet, labelKey) === pair.label) ids.add(id);
  }
  // A resource whose label is not known yet may be the pair's: the ID list is not complete.
  for (const res of pair.undetermined) {
    idsKnown = false;
    reporter.notKnown(res, "tags");
  }
  if (idsKnown && ids.size > 0) scope.resourceIds = ids;
  return scope;
}

function documentsOf(model: StackModel, role: Res, config: AwsLeastPrivilegeConfig, reporter: Reporter): Document[] {
  const docs: Document[] = [];
  const inline = asArray(role.props.inlinePolicies);
  if (inline === UNKNOWN) reporter.notKnown(role, "inlinePolicies");
  else
    (inline ?? []).forEach((p, i) => {
      const policy = get(p, "policy");
      // An inline policy without a document is how the provider says "remove all inline policies".
      if (policy === undefined || policy === "") return;
      docs.push({ holder: role, path: ["inlinePolicies", i, "policy"], value: policy === UNKNOWN ? (p as { policy: unknown }).policy : policy, what: `Inline policy "${asString(get(p, "name")) ?? i}" of role "${role.name}"` });
    });
  for (const rp of model.ofType(AWS.rolePolicy)) {
    if (model.refersTo(rp, "role", rp.props.role, role)) docs.push({ holder: rp, path: ["policy"], value: rp.props.policy, what: `Role policy "${rp.name}" of role "${role.name}"` });
  }
  const attached: { via: Res; path: (string | number)[]; arn: unknown }[] = [];
  for (const att of model.ofType(AWS.rolePolicyAttachment)) {
    if (model.refersTo(att, "role", att.props.role, role)) attached.push({ via: att, path: ["policyArn"], arn: att.props.policyArn });
  }
  for (const att of model.ofType(AWS.policyAttachment)) {
    const roles = asArray(att.props.roles);
    if (Array.isArray(roles) && model.refersTo(att, "roles", roles, role)) attached.push({ via: att, path: ["policyArn"], arn: att.props.policyArn });
  }
  const managed = asArray(role.props.managedPolicyArns);
  if (managed === UNKNOWN) reporter.notKnown(role, "managedPolicyArns");
  else (managed ?? []).forEach((arn, i) => attached.push({ via: role, path: ["managedPolicyArns", i], arn }));

  for (const { via, path, arn } of attached) {
    const policy = model.referenced(via, path[0] as string, arn, AWS.policy)[0];
    if (policy) {
      docs.push({ holder: policy, path: ["policy"], value: policy.props.policy, what: `Policy "${policy.name}" attached to role "${role.name}"` });
      continue;
    }
    if (isUnknown(arn)) {
      reporter.notKnown(via, ...path);
      continue;
    }
    const text = String(arn);
    if (config.allowedManagedPolicyArns.includes(text)) continue;
    reporter.violation(
      via,
      `Role "${role.name}" of the agent has the managed policy ${text} attached, which is not defined in this stack, so the pack cannot check that it grants only what the agent needs`,
      `detach it and keep only the pair's generated least-privilege policy, or, once reviewed, list it in aws-least-privilege's allowedManagedPolicyArns`,
    );
  }
  return docs;
}

const EC2_ARN = /^arn:aws[a-z-]*:ec2:[^:]*:[^:]*:(network-interface|elastic-ip|route-table|subnet)\/(.+)$/;
const S3_ARN = /^arn:aws[a-z-]*:s3:::([^/]+)(\/.*)?$/;

/**
 * The findings on one policy document. `part`: "resource" — only what needs no pair (the pair's
 * label is not known there); "stack-context" — only what needs the pair (the rest was reported by
 * the resource part); "stack-all" — everything (a document the resource part could not tie to a pair).
 */
function checkDocument(doc: Document, label: string | undefined, pairDisplay: string, scope: PairScope, config: AwsLeastPrivilegeConfig, reporter: Reporter, part: "resource" | "stack-context" | "stack-all"): void {
  const selfContained = part !== "stack-context";
  const contextual = part !== "resource";
  const parsed = parsePolicyDocument(doc.value);
  const holder = doc.holder;
  if (parsed === UNKNOWN) {
    reporter.notKnown(holder, ...doc.path);
    return;
  }
  if ("error" in parsed) {
    if (selfContained) reporter.violation(holder, `${doc.what} is not a valid IAM policy document: ${parsed.error}`, "give the policy as a JSON document (JSON.stringify of { Version, Statement })");
    return;
  }
  const { labelKey } = config;
  const allowedExtra = (action: string) => config.allowedExtraActions.some((p) => globMatch(p, action));
  const agentList = unique([...AGENT_AWS_ACTIONS.ec2Mutating, ...AGENT_AWS_ACTIONS.ec2Read, ...AGENT_AWS_ACTIONS.s3, ...AGENT_AWS_ACTIONS.kms]).join(", ");
  parsed.statements.forEach((st, index) => {
    if (st.Effect !== "Allow") return;
    const where = `${doc.what}, ${statementName(st, index)}`;
    if (st.NotAction) {
      if (selfContained) reporter.violation(holder, `${where} allows every action except ${st.NotAction.join(", ")} (Allow with NotAction)`, `list the actions the agent calls in Action instead: ${agentList}`);
      return;
    }
    if (st.NotResource) {
      if (selfContained) reporter.violation(holder, `${where} allows its actions on every resource except ${st.NotResource.join(", ")} (Allow with NotResource)`, "name the pair's resources in Resource instead");
      return;
    }
    const patterns = st.Action ?? [];
    const resources = st.Resource ?? ["*"];
    if (patterns.includes("*")) {
      if (selfContained) reporter.violation(holder, `${where} allows every action ("*")`, `allow only the actions the agent calls: ${agentList}`);
      return;
    }
    const serviceWide = patterns.filter(isServiceWide);
    if (serviceWide.length > 0 && selfContained) {
      reporter.violation(holder, `${where} allows every action of a service (${serviceWide.join(", ")})`, `list the agent's actions one by one instead: ${agentList}`);
    }
    const granted: string[] = [];
    const unmatched: string[] = [];
    for (const pattern of patterns.filter((p) => !isServiceWide(p))) {
      const expanded = expandAction(pattern, AWS_ACTION_CATALOG);
      if (expanded.length === 0) unmatched.push(pattern);
      granted.push(...expanded);
    }
    const actions = unique(granted);
    const passRole = actions.filter((a) => a.toLowerCase() === "iam:passrole");
    if (passRole.length > 0 && selfContained) {
      reporter.violation(holder, `${where} allows iam:PassRole, which lets the node hand any role it can name to a new resource`, "remove iam:PassRole; the agent never passes a role");
    }
    const unneeded = [...actions.filter((a) => !AGENT_AWS_ACTION_SET.has(a.toLowerCase()) && a.toLowerCase() !== "iam:passrole"), ...unmatched].filter((a) => !allowedExtra(a));
    if (unneeded.length > 0 && contextual) {
      reporter.violation(
        holder,
        `${where} allows actions the agent never calls: ${unneeded.join(", ")}`,
        `remove them (the agent calls only ${agentList}), or list deliberate extras in aws-least-privilege's allowedExtraActions`,
      );
    }
    const needed = actions.filter((a) => AGENT_AWS_ACTION_SET.has(a.toLowerCase()));
    const ec2Mutating = needed.filter((a) => a.toLowerCase().startsWith("ec2:") && !isEc2Read(a));
    const ec2Read = needed.filter(isEc2Read);
    const s3 = needed.filter((a) => a.toLowerCase().startsWith("s3:"));
    const kms = needed.filter((a) => a.toLowerCase().startsWith("kms:"));

    if (ec2Mutating.length > 0) {
      const open = resources.filter(hasWildcard);
      if (open.length > 0) {
        const tagValues = [
          ...(conditionValues(st, ["StringEquals", "StringEqualsIgnoreCase", "StringLike"], `aws:ResourceTag/${labelKey}`) ?? []),
          ...(conditionValues(st, ["StringEquals", "StringEqualsIgnoreCase", "StringLike"], `ec2:ResourceTag/${labelKey}`) ?? []),
        ];
        const conditioned = tagValues.length > 0 && tagValues.every((v) => !hasWildcard(v));
        const otherLabel = conditioned && label !== undefined && tagValues.some((v) => v !== label);
        if ((!conditioned && selfContained) || (otherLabel && contextual)) {
          reporter.violation(
            holder,
            `${where} allows ${ec2Mutating.join(", ")} on ${open.join(", ")} without the condition aws:ResourceTag/${labelKey} = ${label ?? "<the pair's label>"}, i.e. on resources of other pairs and workloads`,
            `name the pair's resources by ARN (arn:aws:ec2:REGION:ACCOUNT:network-interface/eni-..., elastic-ip/eipalloc-..., route-table/rtb-...) or add "Condition": {"StringEquals": {"aws:ResourceTag/${labelKey}": "${label ?? "<the pair's label>"}"}}`,
          );
        }
      }
      for (const arn of resources.filter((r) => !hasWildcard(r))) {
        const m = EC2_ARN.exec(arn);
        if (!m) {
          if (selfContained) reporter.violation(holder, `${where} allows ${ec2Mutating.join(", ")} on ${arn}, which is not a network-interface, elastic-ip, route-table or subnet ARN`, "name only the ARNs of the pair's interfaces, Elastic IPs, route tables and (association mode) subnets");
        } else if (scope.resourceIds && !scope.resourceIds.has(m[2]!) && contextual) {
          reporter.violation(holder, `${where} allows ${ec2Mutating.join(", ")} on ${arn}, which is not a resource of ${pairDisplay}`, `remove ${arn}; name only the pair's own interfaces, Elastic IPs, route tables and (association mode) subnets`);
        }
      }
    }
    if (ec2Read.length > 0 && contextual) {
      const regions = conditionValues(st, ["StringEquals", "StringEqualsIgnoreCase"], "aws:RequestedRegion");
      if (!regions || regions.length === 0 || regions.some(hasWildcard)) {
        reporter.violation(
          holder,
          `${where} allows ${ec2Read.join(", ")} in every Region (no aws:RequestedRegion condition)`,
          `add "Condition": {"StringEquals": {"aws:RequestedRegion": "<the pair's Region>"}}; Describe actions take no resource ARN, the Region is the only limit`,
        );
      }
    }
    if (s3.length > 0 && contextual) {
      const outside = resources.filter((r) => {
        const m = S3_ARN.exec(r);
        if (!m || hasWildcard(m[1]!)) return true;
        return scope.buckets !== undefined && !scope.buckets.includes(m[1]!);
      });
      if (outside.length > 0) {
        const bucket = scope.buckets?.[0] ?? "<state bucket>";
        reporter.violation(
          holder,
          `${where} allows ${s3.join(", ")} on ${outside.join(", ")}, beyond the pair's state bucket${scope.buckets ? ` (${scope.buckets.join(", ")})` : ""}`,
          `limit S3 to arn:aws:s3:::${bucket}/<state key> (objects) and arn:aws:s3:::${bucket} (s3:ListBucket, so a missing state object answers 404)`,
        );
      }
    }
    if (kms.length > 0 && contextual) {
      const open = resources.filter(hasWildcard);
      if (open.length > 0) {
        reporter.violation(holder, `${where} allows ${kms.join(", ")} on ${open.join(", ")}, i.e. on every key`, "name the state bucket's KMS key ARN in Resource");
      }
    }
  });
}
