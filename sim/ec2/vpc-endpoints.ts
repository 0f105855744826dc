/** DescribeVpcEndpoints: the endpoints a topology starts with (brownfield discovery reads them). */
import { createHash } from "node:crypto";
import { tagSet, type Ec2Action } from "./context.js";
import { describeAction } from "./describe.js";
import { KINDS, notFound } from "./errors.js";
import type { FilterTable } from "./filters.js";
import type { Ec2State, VpcEndpointRecord } from "./state.js";
import type { XmlObject } from "./xml.js";

/**
 * The DNS names EC2 gives an interface endpoint: its regional name first
 * (vpce-ID-SUFFIX.SERVICE.REGION.vpce.amazonaws.com), then the service's own name when private DNS is on.
 */
export function vpcEndpointDnsNames(region: string, endpoint: VpcEndpointRecord): string[] {
  if (endpoint.type !== "Interface") return [];
  const service = endpoint.serviceName.split(".").pop() ?? "svc";
  const suffix = createHash("sha256").update(endpoint.id).digest("hex").slice(0, 8);
  return [`${endpoint.id}-${suffix}.${service}.${region}.vpce.amazonaws.com`, ...(endpoint.privateDnsEnabled ? [`${service}.${region}.amazonaws.com`] : [])];
}

function renderEndpoint(state: Readonly<Ec2State>, endpoint: VpcEndpointRecord): XmlObject {
  return {
    vpcEndpointId: endpoint.id,
    vpcEndpointType: endpoint.type,
    vpcId: endpoint.vpcId,
    serviceName: endpoint.serviceName,
    state: "available",
    routeTableIdSet: [...endpoint.routeTableIds],
    subnetIdSet: [...endpoint.subnetIds],
    privateDnsEnabled: endpoint.privateDnsEnabled,
    dnsEntrySet: vpcEndpointDnsNames(state.region, endpoint).map((dnsName) => ({ dnsName, hostedZoneId: "Z7HUB22UULQXV" })),
    requesterManaged: false,
    ownerId: state.accountId,
    tagSet: tagSet(endpoint.tags),
  };
}

const VPC_ENDPOINT_FILTERS: FilterTable<VpcEndpointRecord> = {
  "vpc-endpoint-id": (endpoint) => [endpoint.id],
  "vpc-id": (endpoint) => [endpoint.vpcId],
  "service-name": (endpoint) => [endpoint.serviceName],
  "vpc-endpoint-type": (endpoint) => [endpoint.type],
  "vpc-endpoint-state": () => ["available"],
};

const describeVpcEndpoints = describeAction({
  name: "DescribeVpcEndpoints",
  idParameter: "VpcEndpointId",
  resources: (state) => state.vpcEndpoints ?? {},
  notFound: (missing) => notFound(KINDS.vpcEndpoint, missing),
  filters: VPC_ENDPOINT_FILTERS,
  respond: (page, state) => ({ vpcEndpointSet: page.map((endpoint) => renderEndpoint(state, endpoint)) }),
});

export const VPC_ENDPOINT_ACTIONS: Ec2Action[] = [describeVpcEndpoints];
