/**
 * pair-tagging: the agent (and brownfield discovery, and F5 CFE) finds a pair's resources by
 * their tags, and the agent's IAM policy lets it change only resources that carry the pair's
 * label. So every interface, public address, route table, state store and endpoint of a pair
 * carries the label with the pair's value, and the nic-map tag pairs the interfaces of node a
 * and node b one-to-one (each role exactly once on each node). Optional organisation tags.
 * A key the resource sets in its own tags is never also set by an aws:ec2/tag:Tag (the two would
 * undo each other on every update: a perpetual diff).
 * Resource part (before the resource is created): a resource of the pair (by its URN or its own
 * label) carries the label and, for an interface, a role, and the organisation tags.
 * Stack part: the label's value, the nic map across the nodes, Tag resources, and what the
 * resource part cannot see. See lib/model.ts for how pair and node membership are determined.
 */
import type { ResourceValidationArgs, ReportViolation } from "@pulumi/policy";
import { LABEL_KEY_SCHEMA, NIC_MAP_KEY_SCHEMA, STRING_LIST, DEFAULT_LABEL_KEY, DEFAULT_NIC_MAP_KEY, withDefaults } from "../lib/config.js";
import {
  StackModel,
  findPairs,
  idOf,
  labelOf,
  membersOfKind,
  nodeOf,
  ownTags,
  pairName,
  providerDefaultTags,
  providerTags,
  roleOf,
  tagResources,
  type NodeRef,
  type Pair,
  type Res,
} from "../lib/model.js";
import { Reporter } from "../lib/report.js";
import { judgedOnItsOwn, pairSubject, underPairComponent, type PairPolicy } from "../lib/resource-scope.js";
import { kindOf, type PairKind } from "../lib/types.js";
import { UNKNOWN, asTags } from "../lib/values.js";

export interface PairTaggingConfig {
  labelKey: string;
  nicMapKey: string;
  /** Organisation tags every resource of a pair must carry (any non-empty value). */
  requiredTags: string[];
}

export const PAIR_TAGGING_DEFAULTS: PairTaggingConfig = { labelKey: DEFAULT_LABEL_KEY, nicMapKey: DEFAULT_NIC_MAP_KEY, requiredTags: [] };

const KIND_NAMES: Record<PairKind, string> = {
  interface: "interface",
  "public-address": "public address",
  "route-table": "route table",
  "state-store": "state store",
  endpoint: "endpoint",
};

export const pairTagging: PairPolicy = {
  name: "pair-tagging",
  description:
    "Every interface, public IP, route table, state store and endpoint of an ha-pair carries the pair's label tag; nic-map tags pair node a's and node b's interfaces one-to-one; organisation tags are present.",
  enforcementLevel: "mandatory",
  remediationSteps:
    "Spread pairTags(label, { role }) into the resource's own tags (resources the stack creates), or let AwsHaPair/AzureHaPair tag resources it is given by ID.",
  configSchema: {
    properties: {
      labelKey: LABEL_KEY_SCHEMA,
      nicMapKey: NIC_MAP_KEY_SCHEMA,
      requiredTags: STRING_LIST("Organisation tag keys every resource of a pair must carry."),
    },
  },
  validateResource: (args, reportViolation) => checkResource(args, withDefaults(PAIR_TAGGING_DEFAULTS, args.getConfig<Partial<PairTaggingConfig>>()), reportViolation),
  validateStack: (args, reportViolation) => {
    const config = withDefaults(PAIR_TAGGING_DEFAULTS, args.getConfig<Partial<PairTaggingConfig>>());
    const model = new StackModel(args.resources);
    const reporter = new Reporter(reportViolation);
    for (const pair of findPairs(model, config)) checkPair(model, pair, config, reporter);
    reporter.finish();
  },
};

const labelFix = (labelKey: string, label: string | undefined) =>
  `add ${labelKey}=${label ?? "<the pair's label>"} to its tags (pairTags(${JSON.stringify(label ?? "<label>")}) in its args)`;
const nicMapFix = (nicMapKey: string) => `add ${nicMapKey}=<role> (external, internal, ...) to its tags, the same value as the other node's interface of that role`;
const nicMapWhat = (where: string, nicMapKey: string) =>
  `The interface of ${where} carries no ${nicMapKey} tag, so the agent cannot tell which interface of the other node takes over its addresses`;
const orgTagsWhat = (kind: string, where: string, missing: string[]) => `The ${kind} of ${where} lacks the organisation tag${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`;
const orgTagsFix = (missing: string[]) => `add ${missing.map((k) => `${k}=<value>`).join(", ")} to its tags (or to the provider's defaultTags)`;

/** One resource, before it is created: its own tags (see the module comment). */
function checkResource(args: ResourceValidationArgs, config: PairTaggingConfig, reportViolation: ReportViolation): void {
  const kind = kindOf(args.type);
  if (!kind) return;
  const subject = pairSubject(args, config.labelKey);
  if (!subject) return;
  const reporter = new Reporter(reportViolation);
  const tags = asTags(subject.props.tags);
  if (tags === UNKNOWN) {
    reporter.notKnown(subject, "tags");
    reporter.finish();
    return;
  }
  const own = tags ?? {};
  const what = KIND_NAMES[kind];
  if (own[config.labelKey] === undefined) {
    reporter.violation(subject, `The ${what} of ${subject.pair} carries no ${config.labelKey} tag, so the agent's label-scoped permissions and tag discovery cannot reach it`, labelFix(config.labelKey, undefined));
  }
  if (kind === "interface" && own[config.nicMapKey] === undefined) reporter.violation(subject, nicMapWhat(subject.pair, config.nicMapKey), nicMapFix(config.nicMapKey));
  if (config.requiredTags.length > 0) {
    const all = { ...providerDefaultTags(args.provider?.props), ...own };
    const missing = config.requiredTags.filter((key) => !all[key]);
    if (missing.length > 0) reporter.violation(subject, orgTagsWhat(what, subject.pair, missing), orgTagsFix(missing));
  }
  reporter.finish();
}

function checkPair(model: StackModel, pair: Pair, config: PairTaggingConfig, reporter: Reporter): void {
  const { labelKey, nicMapKey } = config;
  const where = pairName(pair);
  const members = [...pair.members].filter((res) => kindOf(res.type) !== undefined);

  for (const res of members) {
    const kind = KIND_NAMES[kindOf(res.type)!];
    const label = labelOf(model, res, labelKey);
    // What the resource part judged before the resource was created is not reported again.
    const judged = judgedOnItsOwn(res.urn, res.props, labelKey);
    if (label === UNKNOWN) reporter.notKnown(res, "tags");
    else if (label === undefined) {
      if (!underPairComponent(res.urn)) {
        reporter.violation(res, `The ${kind} of ${where} carries no ${labelKey} tag, so the agent's label-scoped permissions and tag discovery cannot reach it`, labelFix(labelKey, pair.label));
      }
    } else if (pair.label !== undefined && label !== pair.label) {
      reporter.violation(
        res,
        `The ${kind} of ${where} carries ${labelKey}=${label}, not the pair's ${pair.label}`,
        `set ${labelKey}=${pair.label} in its tags`,
      );
    }
    if (config.requiredTags.length > 0 && !judged) {
      const own = ownTags(res);
      if (own === UNKNOWN) reporter.notKnown(res, "tags");
      else {
        const tags = { ...providerTags(res), ...own };
        const missing = config.requiredTags.filter((key) => !tags[key]);
        if (missing.length > 0) reporter.violation(res, orgTagsWhat(kind, where, missing), orgTagsFix(missing));
      }
    }
  }

  checkTagOwnership(model, pair, members, reporter);

  // --- nic map: every interface has a role; each role once on each node.
  const interfaces = membersOfKind(pair, "interface");
  const byNode = new Map<string, { node: NodeRef; roles: Map<string, Res[]> }>();
  let unplaced = 0;
  for (const nic of interfaces) {
    const role = roleOf(model, nic, nicMapKey);
    if (role === UNKNOWN) {
      reporter.notKnown(nic, "tags");
      continue;
    }
    if (role === undefined) {
      if (!judgedOnItsOwn(nic.urn, nic.props, labelKey)) reporter.violation(nic, nicMapWhat(where, nicMapKey), nicMapFix(nicMapKey));
      continue;
    }
    const node = nodeOf(model, pair, nic);
    if (!node) {
      unplaced++;
      continue;
    }
    const entry = byNode.get(node.key) ?? { node, roles: new Map<string, Res[]>() };
    byNode.set(node.key, entry);
    entry.roles.set(role, [...(entry.roles.get(role) ?? []), nic]);
  }
  const nodes = [...byNode.values()];
  if (nodes.length > 2) {
    reporter.violation(
      pair.component ?? interfaces[0],
      `The interfaces of ${where} are attached to ${nodes.length} instances (${nodes.map((n) => n.node.display).join(", ")}); a pair has exactly two nodes`,
      `give the interfaces of each other instance their own label, or remove the ${labelKey} tag from interfaces that are not the pair's`,
    );
    return;
  }
  for (const entry of nodes) {
    for (const [role, nics] of entry.roles) {
      if (nics.length > 1) {
        reporter.violation(
          nics[1],
          `${nicMapKey}=${role} appears ${nics.length} times on ${entry.node.display} of ${where} (${nics.map((n) => `"${n.name}"`).join(", ")}); each role is on exactly one interface per node`,
          `give each of these interfaces its own role in ${nicMapKey}, matching the other node's interfaces`,
        );
      }
    }
  }
  // One-sided roles are only knowable when both nodes are seen, or every interface is placed,
  // and no interface whose label is unknown (during preview) might be the missing peer.
  const pending = pair.undetermined.filter((res) => kindOf(res.type) === "interface");
  pending.forEach((res) => reporter.notKnown(res, "tags"));
  if (pending.length === 0 && (nodes.length === 2 || (nodes.length === 1 && unplaced === 0 && interfaces.length > 0))) {
    for (const entry of nodes) {
      const other = nodes.find((n) => n !== entry);
      for (const [role, nics] of entry.roles) {
        if (other?.roles.has(role)) continue;
        reporter.violation(
          nics[0],
          `${nicMapKey}=${role} is on ${entry.node.display} only; no interface of the other node of ${where} carries it, so a failover has nowhere to move this interface's addresses`,
          `tag the other node's interface of the same role with ${nicMapKey}=${role} (or correct this interface's value)`,
        );
      }
    }
  }
}

/** A key set both in a resource's own tags and by an aws:ec2/tag:Tag on it: a perpetual diff. */
function checkTagOwnership(model: StackModel, pair: Pair, members: Res[], reporter: Reporter): void {
  const tags = tagResources(model);
  for (const res of members) {
    const own = asTags(res.props.tags);
    if (own === UNKNOWN || own === undefined) continue;
    const id = idOf(res);
    for (const t of tags) {
      if (typeof t.key !== "string" || own[t.key] === undefined) continue;
      if (!(model.refersTo(t.res, "resourceId", t.resourceId, res) || (id !== undefined && t.resourceId === id))) continue;
      reporter.violation(
        res,
        `The ${KIND_NAMES[kindOf(res.type)!]} of ${pairName(pair)} sets ${t.key} in its own tags and also gets it from aws:ec2/tag:Tag "${t.res.name}": each undoes the other on every pulumi up (a perpetual diff), and between the two the pair's tag may be missing`,
        `keep one owner: the resource's own tags when the stack creates it (AwsHaPair: pass it as networkInterface / eip / routeTable, not by ID), aws.ec2.Tag only for a resource the stack does not own`,
      );
    }
  }
}
