/**
 * endpoints: the nodes reach the AWS APIs with no internet, NAT or public IP, through VPC
 * endpoints. The EC2 interface endpoint needs private DNS on (otherwise the SDK's regional
 * hostname resolves to the public API and the agent fails without internet), and the S3 gateway
 * endpoint must be on every route table the nodes' subnets use (a subnet whose table lacks it
 * sends the state writes to the internet, or nowhere).
 *
 * The pair's endpoints: endpoints of the pair (component children, or labelled); when the pair
 * has none of a service, any endpoint of that service in the stack (a shared one). An endpoint
 * outside the stack that the pair tags by ID (vpce-...) cannot be checked and counts as present.
 * The route tables the nodes use for the agent's traffic: those of the subnets the agent's API
 * calls leave from — each node's primary interface (device index 0: the instance's
 * primaryNetworkInterface, an attachment at index 0, or the instance's own subnetId), or the
 * interfaces of the nic-map roles listed in `agentTrafficRoles`. A data interface's subnet
 * (external, internal) carries forwarded traffic, not the node's own, and needs no S3 route.
 * A subnet's table is its explicit route table association, else the main route table of its
 * VPC (when the VPC is in the stack).
 * Resource part (before the endpoint is created): private DNS on an EC2 interface endpoint of a
 * pair (a component's, or labelled). Stack part: the endpoints that must exist, the S3 gateway's
 * route tables, and shared endpoints the resource part cannot tie to a pair.
 */
import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { DEFAULT_LABEL_KEY, DEFAULT_NIC_MAP_KEY, LABEL_KEY_SCHEMA, NIC_MAP_KEY_SCHEMA, STRING_LIST, withDefaults } from "../lib/config.js";
import { StackModel, findPairs, idOf, membersOfKind, nodeOf, pairName, roleOf, type Pair, type Res } from "../lib/model.js";
import { Reporter, type Checked } from "../lib/report.js";
import { judgedOnItsOwn, pairSubject, type PairPolicy } from "../lib/resource-scope.js";
import { AWS } from "../lib/types.js";
import { asArray, asString, get, isUnknown } from "../lib/values.js";

export interface EndpointsConfig {
  labelKey: string;
  /** Report a pair without an EC2 interface endpoint or S3 gateway endpoint (off when the VPC reaches the APIs another way). */
  requireEndpoints: boolean;
  nicMapKey: string;
  /** nic-map roles of the interfaces the agent's API traffic leaves from; default each node's primary interface. */
  agentTrafficRoles: string[];
}

export const ENDPOINTS_DEFAULTS: EndpointsConfig = { labelKey: DEFAULT_LABEL_KEY, requireEndpoints: true, nicMapKey: DEFAULT_NIC_MAP_KEY, agentTrafficRoles: [] };

const EC2_SERVICE = /^(cn\.)?com\.amazonaws\.[a-z0-9-]+\.ec2$/;
const S3_SERVICE = /^(cn\.)?com\.amazonaws\.[a-z0-9-]+\.s3$/;

export const endpoints: PairPolicy = {
  name: "endpoints",
  description:
    "An AWS ha-pair's EC2 interface endpoint has private DNS on, and its S3 gateway endpoint is attached to every route table the nodes' subnets use.",
  enforcementLevel: "advisory",
  remediationSteps: "Let AwsHaPair create the endpoints (network.nodeRouteTableIds lists the nodes' route tables), or fix the existing ones.",
  configSchema: {
    properties: {
      labelKey: LABEL_KEY_SCHEMA,
      requireEndpoints: { type: "boolean", default: true, description: "Report a pair that has no EC2 interface endpoint or S3 gateway endpoint in the stack." },
      nicMapKey: NIC_MAP_KEY_SCHEMA,
      agentTrafficRoles: STRING_LIST("nic-map roles of the interfaces the agent's API calls leave from (default: each node's primary interface)."),
    },
  },
  validateResource: (args, reportViolation) => checkResource(args, withDefaults(ENDPOINTS_DEFAULTS, args.getConfig<Partial<EndpointsConfig>>()), reportViolation),
  validateStack: (args, reportViolation) => {
    const config = withDefaults(ENDPOINTS_DEFAULTS, args.getConfig<Partial<EndpointsConfig>>());
    const model = new StackModel(args.resources);
    const reporter = new Reporter(reportViolation);
    for (const pair of findPairs(model, config)) {
      if (pair.cloud !== "aws") continue;
      checkPair(model, pair, config, reporter);
    }
    reporter.finish();
  },
};

/** One endpoint, before it is created: an EC2 interface endpoint of a pair has private DNS on. */
function checkResource(args: ResourceValidationArgs, config: EndpointsConfig, reportViolation: ReportViolation): void {
  if (args.type !== AWS.vpcEndpoint) return;
  const subject = pairSubject(args, config.labelKey);
  if (!subject) return;
  const reporter = new Reporter(reportViolation);
  if (service(subject, reporter) === "ec2" && endpointType(subject) === "Interface") checkPrivateDns(subject, subject.pair, reporter);
  reporter.finish();
}

function checkPrivateDns(e: Checked, where: string, reporter: Reporter): void {
  if (isUnknown(e.props.privateDnsEnabled)) reporter.notKnown(e, "privateDnsEnabled");
  else if (e.props.privateDnsEnabled !== true) {
    reporter.violation(
      e,
      `The EC2 interface endpoint of ${where} has private DNS off, so the nodes resolve ec2.<region>.amazonaws.com to the public API and the agent cannot fail over without internet access`,
      "set privateDnsEnabled: true (the VPC needs enableDnsSupport and enableDnsHostnames)",
    );
  }
}

function service(endpoint: Checked, reporter: Reporter): "ec2" | "s3" | undefined {
  const name = endpoint.props.serviceName;
  if (isUnknown(name)) {
    reporter.notKnown(endpoint, "serviceName");
    return undefined;
  }
  const text = asString(name) ?? "";
  return EC2_SERVICE.test(text) ? "ec2" : S3_SERVICE.test(text) ? "s3" : undefined;
}

function endpointType(endpoint: Checked): string {
  // The provider's default endpoint type is Gateway.
  return asString(endpoint.props.vpcEndpointType) ?? "Gateway";
}

function checkPair(model: StackModel, pair: Pair, config: EndpointsConfig, reporter: Reporter): void {
  const where = pairName(pair);
  const anchor = pair.component ?? [...pair.members][0];
  const own = membersOfKind(pair, "endpoint").filter((e) => e.type === AWS.vpcEndpoint);
  const all = model.ofType(AWS.vpcEndpoint);
  const external = pair.tags.some((t) => typeof t.resourceId === "string" && t.resourceId.startsWith("vpce-"));
  const services = new Map<Res, "ec2" | "s3" | undefined>();
  for (const e of new Set([...own, ...all])) services.set(e, service(e, reporter));
  const pick = (svc: "ec2" | "s3") => {
    const mine = own.filter((e) => services.get(e) === svc);
    return mine.length > 0 ? mine : all.filter((e) => services.get(e) === svc);
  };

  // --- EC2 interface endpoint with private DNS
  const ec2 = pick("ec2").filter((e) => endpointType(e) === "Interface");
  // A pair's own endpoints were judged by the resource part, before they were created.
  for (const e of ec2.filter((e) => !judgedOnItsOwn(e.urn, e.props, config.labelKey))) checkPrivateDns(e, where, reporter);
  if (ec2.length === 0 && config.requireEndpoints && !external && !anyUnknown(services)) {
    reporter.violation(anchor, `${where} has no EC2 interface endpoint, so its agent needs internet access (NAT or public IP) to move addresses and routes`, 'add aws.ec2.VpcEndpoint { serviceName: "com.amazonaws.<region>.ec2", vpcEndpointType: "Interface", privateDnsEnabled: true } (AwsHaPair creates one), or set endpoints.requireEndpoints false if the VPC reaches EC2 another way');
  }

  // --- S3 gateway endpoint on every node route table
  const s3 = pick("s3");
  const gateways = s3.filter((e) => endpointType(e) === "Gateway");
  if (s3.length === 0) {
    if (config.requireEndpoints && !external && !anyUnknown(services)) {
      reporter.violation(anchor, `${where} has no S3 gateway endpoint, so its agent needs internet access to reach its state bucket`, 'add aws.ec2.VpcEndpoint { serviceName: "com.amazonaws.<region>.s3", vpcEndpointType: "Gateway", routeTableIds: <the nodes\' route tables> } (AwsHaPair creates one)');
    }
    return;
  }
  if (gateways.length === 0) return; // an S3 interface endpoint: reached by DNS, no route tables involved
  const pending = gateways.filter((gw) => isUnknown(gw.props.routeTableIds) && model.dependenciesOf(gw, "routeTableIds").length === 0);
  if (pending.length > 0) {
    pending.forEach((gw) => reporter.notKnown(gw, "routeTableIds"));
    return;
  }
  for (const table of nodeRouteTables(model, pair, config, reporter)) {
    const covered = gateways.some((gw) => attached(model, gw, table));
    if (!covered) {
      reporter.violation(
        gateways[0],
        `The S3 gateway endpoint of ${where} is not attached to ${table.display}, which a node's subnet uses, so that node cannot reach the state bucket without internet access`,
        `add ${table.id ?? table.display} to the endpoint's routeTableIds (AwsHaPair: network.nodeRouteTableIds), or add an aws.ec2.VpcEndpointRouteTableAssociation`,
      );
    }
  }
}

/** Some endpoint's service is not known yet: a missing one cannot be told from an unknown one. */
function anyUnknown(services: Map<Res, unknown>): boolean {
  return [...services.keys()].some((e) => isUnknown(e.props.serviceName));
}

interface TableRef {
  key: string;
  display: string;
  res?: Res;
  id?: string;
}

function tableRef(res: Res | undefined, id: string | undefined): TableRef | undefined {
  if (res) return { key: res.urn, display: `route table "${res.name}"${idOf(res) ? ` (${idOf(res)})` : ""}`, res, ...(idOf(res) ? { id: idOf(res)! } : {}) };
  if (id) return { key: id, display: `route table ${id}`, id };
  return undefined;
}

/** The resources whose `subnetId` the agent's traffic leaves from (interfaces, or instances with their own primary interface). */
function agentTrafficSources(model: StackModel, pair: Pair, config: EndpointsConfig): Res[] {
  const nics = membersOfKind(pair, "interface").filter((n) => n.type === AWS.networkInterface);
  if (config.agentTrafficRoles.length > 0) {
    return nics.filter((nic) => {
      const role = roleOf(model, nic, config.nicMapKey);
      return typeof role === "string" && config.agentTrafficRoles.includes(role);
    });
  }
  const sources = new Set<Res>();
  const instances = new Set(nics.map((nic) => nodeOf(model, pair, nic)?.instance).filter((i): i is Res => i?.type === AWS.instance));
  for (const instance of instances) {
    const primary = get(instance.props, "primaryNetworkInterface", "networkInterfaceId");
    const legacy = asArray(instance.props.networkInterfaces);
    const atZero = Array.isArray(legacy) ? legacy.filter((n) => get(n, "deviceIndex") === 0).map((n) => get(n, "networkInterfaceId")) : [];
    const found = model.ofType(AWS.networkInterface).find(
      (nic) =>
        (primary !== undefined && model.refersTo(instance, "primaryNetworkInterface", primary, nic)) ||
        (atZero.length > 0 && model.refersTo(instance, "networkInterfaces", atZero, nic)) ||
        model.ofType(AWS.networkInterfaceAttachment).some(
          (a) => a.props.deviceIndex === 0 && model.refersTo(a, "instanceId", a.props.instanceId, instance) && model.refersTo(a, "networkInterfaceId", a.props.networkInterfaceId, nic),
        ),
    );
    if (found) sources.add(found);
    else if (instance.props.subnetId !== undefined) sources.add(instance);
  }
  return [...sources];
}

function nodeRouteTables(model: StackModel, pair: Pair, config: EndpointsConfig, reporter: Reporter): TableRef[] {
  const tables = new Map<string, TableRef>();
  const associations = model.ofType(AWS.routeTableAssociation);
  const routeTables = [AWS.routeTable, AWS.defaultRouteTable];
  for (const source of agentTrafficSources(model, pair, config)) {
    const subnetId = source.props.subnetId;
    const subnets = model.dependenciesOf(source, "subnetId");
    if (isUnknown(subnetId) && subnets.length === 0) {
      reporter.notKnown(source, "subnetId");
      continue;
    }
    const sameSubnet = (res: Res) => {
      const value = res.props.subnetId;
      if (typeof subnetId === "string" && !isUnknown(subnetId) && value === subnetId) return true;
      return model.dependenciesOf(res, "subnetId").some((s) => subnets.includes(s));
    };
    const association = associations.find(sameSubnet);
    let ref: TableRef | undefined;
    if (association) {
      const table = model.referenced(association, "routeTableId", association.props.routeTableId, ...routeTables)[0];
      ref = tableRef(table, asString(association.props.routeTableId));
    } else {
      // No explicit association: the subnet uses its VPC's main route table.
      const subnet = subnets[0] ?? model.ofType(AWS.subnet).find((s) => idOf(s) !== undefined && idOf(s) === subnetId);
      const vpc = subnet ? model.referenced(subnet, "vpcId", subnet.props.vpcId, AWS.vpc)[0] : undefined;
      if (vpc) {
        const main = model.ofType(AWS.mainRouteTableAssociation).find((m) => model.refersTo(m, "vpcId", m.props.vpcId, vpc));
        const mainId = main ? asString(main.props.routeTableId) : (asString(vpc.props.mainRouteTableId) ?? asString(vpc.props.defaultRouteTableId));
        const table = main ? model.referenced(main, "routeTableId", main.props.routeTableId, ...routeTables)[0] : model.ofType(...routeTables).find((t) => idOf(t) === mainId);
        ref = tableRef(table, mainId);
      }
    }
    if (ref) tables.set(ref.key, ref);
  }
  return [...tables.values()];
}

function attached(model: StackModel, gateway: Res, table: TableRef): boolean {
  const ids = asArray(gateway.props.routeTableIds);
  if (table.res && model.dependenciesOf(gateway, "routeTableIds").includes(table.res)) return true;
  if (Array.isArray(ids) && table.id !== undefined && ids.includes(table.id)) return true;
  return model.ofType(AWS.vpcEndpointRouteTableAssociation).some(
    (a) =>
      model.refersTo(a, "vpcEndpointId", a.props.vpcEndpointId, gateway) &&
      ((table.res !== undefined && model.refersTo(a, "routeTableId", a.props.routeTableId, table.res)) || (table.id !== undefined && a.props.routeTableId === table.id)),
  );
}
