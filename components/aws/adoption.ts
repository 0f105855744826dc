/**
 * Adopting a running pair without fighting its current owner (brownfield).
 *
 * - `manage`: who writes the pair's tags and the interfaces' source/dest check. "apply" (the
 *   default) writes them (aws.ec2.Tag, SourceDestCheckOff); "verify" reads them at preview and
 *   fails naming the resource and the fix when they are not what the agent needs, and writes
 *   nothing. Use "verify" when Terraform (or F5's templates) sets them: two tools writing the same
 *   attribute undo each other at every apply.
 * - `existingRoleName`: the nodes already run with an instance role (CFE's): only the agent's
 *   inline policy is added to it; no role and no instance profile are created.
 * - `adopt`: endpoints and the state bucket that exist but belong to no tool are adopted with
 *   the `import` resource option and `protect` (a `pulumi destroy` cannot delete them), keeping
 *   their tags. Their other args must match the resource as it is, or the preview fails naming
 *   the difference.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PairPolicyInputs } from "./policy.js";
import { pairIamPolicy } from "./policy.js";

export type ManageMode = "apply" | "verify";

// Plain strings, checked below: the component plugin's schema (Pulumi's component analyzer) takes no union types.
export interface AwsHaPairManageArgs {
  /** "apply" (default) or "verify": the label and nic-map tags on existing interfaces, EIPs and route tables. */
  tags?: string;
  /** "apply" (default) or "verify": source/dest check off on existing routing interfaces. */
  sourceDestCheck?: string;
}

export interface AwsHaPairAdoptArgs {
  s3EndpointId?: string;
  ec2EndpointId?: string;
  stateBucketName?: string;
}

/** Each field of a component's `manage` arg as a ManageMode (default "apply"); throws on any other value. Shared with AzureHaPair. */
export function parseManageModes<F extends string>(componentType: string, component: string, manage: Partial<Record<F, string>> | undefined, fields: readonly F[]): Record<F, ManageMode> {
  const modes = {} as Record<F, ManageMode>;
  for (const field of fields) {
    const value: string = manage?.[field] ?? "apply";
    if (value !== "apply" && value !== "verify") throw new Error(`${componentType} "${component}": manage.${field} must be "apply" or "verify", got ${JSON.stringify(value)}`);
    modes[field] = value;
  }
  return modes;
}

export function manageModes(component: string, manage: AwsHaPairManageArgs | undefined): { tags: ManageMode; sourceDestCheck: ManageMode } {
  return parseManageModes("AwsHaPair", component, manage, ["tags", "sourceDestCheck"] as const);
}

const FIX_OWNER = "set it where it is owned (Terraform: the resource's tags / source_dest_check; the console otherwise), or let the component write it with manage";

/**
 * At preview: the existing interface's tags and source/dest check, as the agent needs them.
 * Read through Cloud Control (AWS::EC2::NetworkInterface): the EC2 data source has no
 * source/dest check, and Cloud Control answers both from one read, with the operator's credentials.
 */
export function verifyExistingInterface(
  where: string,
  id: pulumi.Input<string>,
  want: { tags?: Record<string, string>; sourceDestCheckOff: boolean },
  opts: pulumi.InvokeOutputOptions,
): pulumi.Output<string[]> {
  const found = aws.cloudcontrol.getResourceOutput({ typeName: "AWS::EC2::NetworkInterface", identifier: id }, opts);
  return pulumi.all([pulumi.output(id), found.properties]).apply(([eniId, properties]) => {
    const parsed = JSON.parse(properties) as { SourceDestCheck?: boolean; Tags?: { Key: string; Value: string }[] };
    const tags: Record<string, string> = Object.fromEntries((parsed.Tags ?? []).map((t) => [t.Key, t.Value]));
    const sourceDestCheck = parsed.SourceDestCheck;
    const problems: string[] = [];
    const wrong = Object.entries(want.tags ?? {}).filter(([k, v]) => tags?.[k] !== v);
    if (wrong.length > 0) {
      problems.push(`${where} (${eniId}): tag ${wrong.map(([k, v]) => `${k} is ${tags?.[k] === undefined ? "missing" : JSON.stringify(tags[k])}, expected ${JSON.stringify(v)}`).join("; ")}; ${FIX_OWNER}: { tags: "apply" }`);
    }
    if (want.sourceDestCheckOff && sourceDestCheck !== false) {
      problems.push(`${where} (${eniId}) forwards traffic but has source/dest check on; ${FIX_OWNER}: { sourceDestCheck: "apply" }`);
    }
    return problems;
  });
}

/** At preview: the label tag of an existing Elastic IP or route table. */
export function verifyExistingLabel(where: string, kind: "eip" | "routeTable", id: pulumi.Input<string>, labelKey: string, label: string, opts: pulumi.InvokeOutputOptions): pulumi.Output<string[]> {
  const tags = kind === "eip" ? aws.ec2.getElasticIpOutput({ id }, opts).tags : aws.ec2.getRouteTableOutput({ routeTableId: id }, opts).tags;
  return pulumi.all([id, tags]).apply(([resourceId, found]) =>
    found?.[labelKey] === label ? [] : [`${where} (${resourceId}): tag ${labelKey} is ${found?.[labelKey] === undefined ? "missing" : JSON.stringify(found[labelKey])}, expected ${JSON.stringify(label)}; ${FIX_OWNER}: { tags: "apply" }`],
  );
}

export interface ExistingRoleOutputs {
  roleArn: pulumi.Output<string>;
  roleName: pulumi.Output<string>;
  /** The existing role's instance profile is the nodes' own: this resolves to "" once the policy is attached. */
  instanceProfileName: pulumi.Output<string>;
  policyDocument: pulumi.Output<string>;
}

/** The agent's policy on the nodes' existing role: nothing else is created or changed. */
export function attachToExistingRole(name: string, roleName: string, policy: pulumi.Output<PairPolicyInputs>, parent: pulumi.Resource): ExistingRoleOutputs {
  const role = aws.iam.getRoleOutput({ name: roleName }, { parent });
  const policyDocument = policy.apply((p) => JSON.stringify(pairIamPolicy(p), null, 2));
  const rolePolicy = new aws.iam.RolePolicy(`${name}-agent`, { role: roleName, policy: policyDocument }, { parent });
  return { roleArn: role.arn, roleName: pulumi.output(roleName), instanceProfileName: rolePolicy.id.apply(() => ""), policyDocument };
}

/**
 * Resource options that adopt an existing resource: imported, protected against deletion, and
 * its tags left as they are (its Name and its owner's tags would otherwise make the import fail:
 * Pulumi refuses an import whose args differ from the resource).
 */
export function adoptOptions(opts: pulumi.CustomResourceOptions, existingId: string | undefined): pulumi.CustomResourceOptions {
  return existingId === undefined ? opts : { ...opts, import: existingId, protect: true, ignoreChanges: [...(opts.ignoreChanges ?? []), "tags", "tagsAll"] };
}
