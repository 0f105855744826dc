/**
 * A complete greenfield pair: a VPC (DNS support and hostnames on) with management, external and
 * internal subnets in one AZ (same-AZ mode: secondary IPs move between the nodes) or two
 * (across-AZ mode: secondary IPs cannot cross AZs, so Elastic IPs re-associate to per-node
 * private IPs), an app subnet whose default route follows the active node, two Debian 12 nodes
 * running keepalived (VRRP over unicast, as a VPC has no multicast) whose notify_master triggers
 * the agent, and AwsHaPair wired to all of it. No NAT gateway; the only public addresses are the
 * pair's failover EIP(s) and, if `managementInternet` is on, one EIP per node's management
 * interface so the nodes can install packages at boot. The agent itself reaches EC2 and S3 only
 * through the VPC endpoints.
 *
 * Exported as a function so tests run it under Pulumi mocks (index.ts calls it with stack config).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AwsHaPair, pairTags, type NodeId } from "@ha-pair/pulumi";

export type GreenfieldMode = "same-az" | "across-az";

export interface GreenfieldConfig {
  /** The pair's label (tag value, agent config label). */
  label: string;
  mode: GreenfieldMode;
  /** AMI of the nodes; default the latest official Debian 12 (amd64). */
  ami?: string;
  instanceType?: string;
  /** Default: the Region's first two available AZs. */
  availabilityZones?: string[];
  /** The VPC's /16; the subnets are carved from it. */
  vpcCidr?: string;
  /** One EIP per node's management interface, so apt can install keepalived and Node.js at boot (default true). */
  managementInternet?: boolean;
  /** An EC2 key pair for SSH on the management interface (optional; SSM or serial console otherwise). */
  keyName?: string;
  /** Let `pulumi destroy` remove the state bucket with its objects (default true for a demo stack). */
  forceDestroyBucket?: boolean;
}

export const ROLES = ["mgmt", "external", "internal"] as const;
export type Role = (typeof ROLES)[number];

/** The subnet layout: per AZ index k, 10.x.(16k + 0/1/2).0/24 for mgmt/external/internal; the app subnets at 10.x.(100 + k).0/24. */
export function greenfieldLayout(config: GreenfieldConfig) {
  const [o1, o2] = (config.vpcCidr ?? "10.0.0.0/16").split(".");
  const net = (third: number) => `${o1}.${o2}.${third}`;
  const azIndex: Record<NodeId, number> = { a: 0, b: config.mode === "across-az" ? 1 : 0 };
  const host: Record<NodeId, number> = { a: 11, b: 12 };
  const subnetCidr = (k: number, role: Role) => `${net(16 * k + ROLES.indexOf(role))}.0/24`;
  const nodeIp = (node: NodeId, role: Role) => `${net(16 * azIndex[node] + ROLES.indexOf(role))}.${host[node]}`;
  return {
    vpcCidr: config.vpcCidr ?? "10.0.0.0/16",
    azCount: config.mode === "across-az" ? 2 : 1,
    azIndex,
    subnetCidr,
    appSubnetCidr: (k: number) => `${net(100 + k)}.0/24`,
    nodeIp,
    /** Same-AZ: the secondary IP that moves with the external interface (the service VIP). */
    vip: `${net(ROLES.indexOf("external"))}.100`,
  };
}

const nodeUserData = (args: {
  node: NodeId;
  mode: GreenfieldMode;
  selfMgmtIp: string;
  peerMgmtIp: string;
  externalIp: string;
  vip: string;
  agentInstallScript: string;
}) => `#!/bin/bash
# ha-pair greenfield node ${args.node}: keepalived decides which node is active; its notify_master runs the agent's trigger.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -q && apt-get install -yq keepalived nodejs curl
# A router forwards what it receives (source/dest check is off on its data interfaces).
echo 'net.ipv4.ip_forward = 1' > /etc/sysctl.d/60-ha-pair.conf && sysctl -q --system
if_of() { ip -o -4 addr show | awk -v ip="$1" '{ split($4, a, "/"); if (a[1] == ip) print $2 }'; }
${args.agentInstallScript}
MGMT_IF=$(if_of ${args.selfMgmtIp})
EXT_IF=$(if_of ${args.externalIp})
cat > /etc/keepalived/keepalived.conf <<KEEPALIVED
global_defs {
    enable_script_security
    script_user root
}
vrrp_instance HA_PAIR {
    state BACKUP
    interface $MGMT_IF
    virtual_router_id 51
    priority ${args.node === "a" ? 150 : 100}
    advert_int 1
    # No multicast in a VPC: VRRP goes to the peer's management address.
    unicast_src_ip ${args.selfMgmtIp}
    unicast_peer {
        ${args.peerMgmtIp}
    }
${args.mode === "same-az" ? `    # The VIP the agent moves in EC2 is also brought up on the active node's external interface.\n    virtual_ipaddress {\n        ${args.vip}/24 dev $EXT_IF\n    }\n` : ""}    notify_master "/opt/ha-pair/triggers/keepalived-notify-master"
}
KEEPALIVED
systemctl enable keepalived && systemctl restart keepalived
`;

export interface Greenfield {
  pair: AwsHaPair;
  vpc: aws.ec2.Vpc;
  instances: Record<NodeId, aws.ec2.Instance>;
  interfaces: Record<NodeId, Record<Role, aws.ec2.NetworkInterface>>;
  elasticIps: aws.ec2.Eip[];
  appRouteTable: aws.ec2.RouteTable;
  /** Stack outputs. */
  outputs: Record<string, pulumi.Input<unknown>>;
}

export function createGreenfield(config: GreenfieldConfig, opts: pulumi.ComponentResourceOptions = {}): Greenfield {
  const label = config.label;
  const layout = greenfieldLayout(config);
  const name = `ha-${label}`;
  const azNames = config.availabilityZones
    ? pulumi.output(config.availabilityZones)
    : aws.getAvailabilityZonesOutput({ state: "available" }, opts).names;
  const az = (k: number) => azNames.apply((names) => {
    const zone = names[k];
    if (!zone) throw new Error(`across-az mode needs two availability zones; the Region offers ${names.length}`);
    return zone;
  });
  const tags = (resource: string, extra: Record<string, string> = {}) => ({ Name: `${name}-${resource}`, "ha-pair:stack": label, ...extra });

  const vpc = new aws.ec2.Vpc(`${name}-vpc`, { cidrBlock: layout.vpcCidr, enableDnsSupport: true, enableDnsHostnames: true, tags: tags("vpc") }, opts);
  const igw = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tags("igw") }, opts);

  const subnets: Record<Role | "app", aws.ec2.Subnet[]> = { mgmt: [], external: [], internal: [], app: [] };
  for (let k = 0; k < layout.azCount; k++) {
    for (const role of ROLES) {
      subnets[role].push(
        // No public IPs on launch anywhere: the only public addresses are explicit EIPs.
        new aws.ec2.Subnet(`${name}-${role}-${k}`, { vpcId: vpc.id, cidrBlock: layout.subnetCidr(k, role), availabilityZone: az(k), mapPublicIpOnLaunch: false, tags: tags(`${role}-${k}`) }, opts),
      );
    }
    subnets.app.push(new aws.ec2.Subnet(`${name}-app-${k}`, { vpcId: vpc.id, cidrBlock: layout.appSubnetCidr(k), availabilityZone: az(k), mapPublicIpOnLaunch: false, tags: tags(`app-${k}`) }, opts));
  }

  // Management: the nodes' own traffic (the agent's API calls go through the endpoints on this table).
  const managementInternet = config.managementInternet ?? true;
  const mgmtRouteTable = new aws.ec2.RouteTable(
    `${name}-mgmt`,
    { vpcId: vpc.id, routes: managementInternet ? [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }] : [], tags: tags("mgmt") },
    opts,
  );
  // External: the service's public side (the failover EIPs) through the internet gateway.
  const externalRouteTable = new aws.ec2.RouteTable(`${name}-external`, { vpcId: vpc.id, routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: tags("external") }, opts);
  // App: the protected subnets, whose default route follows the active node (the agent's ReplaceRoute).
  const appRouteTable = new aws.ec2.RouteTable(`${name}-app`, { vpcId: vpc.id, tags: tags("app", pairTags(label)) }, opts);
  subnets.mgmt.forEach((s, k) => new aws.ec2.RouteTableAssociation(`${name}-mgmt-${k}`, { subnetId: s.id, routeTableId: mgmtRouteTable.id }, opts));
  subnets.external.forEach((s, k) => new aws.ec2.RouteTableAssociation(`${name}-external-${k}`, { subnetId: s.id, routeTableId: externalRouteTable.id }, opts));
  subnets.app.forEach((s, k) => new aws.ec2.RouteTableAssociation(`${name}-app-${k}`, { subnetId: s.id, routeTableId: appRouteTable.id }, opts));

  const mgmtSg = new aws.ec2.SecurityGroup(
    `${name}-mgmt`,
    {
      vpcId: vpc.id,
      description: "ha-pair nodes, management: VRRP between the nodes; outbound for packages and the AWS endpoints",
      ingress: [{ protocol: "112", fromPort: 0, toPort: 0, cidrBlocks: subnets.mgmt.map((s) => s.cidrBlock), description: "VRRP (unicast) between the nodes" }],
      egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "packages, VPC endpoints, peer" }],
      tags: tags("mgmt-sg"),
    },
    opts,
  );
  const dataSg = new aws.ec2.SecurityGroup(
    `${name}-data`,
    {
      vpcId: vpc.id,
      description: "ha-pair nodes, data path: the service from anywhere, everything from inside the VPC (forwarded traffic)",
      ingress: [
        { protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"], description: "service (HTTP)" },
        { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], description: "service (HTTPS)" },
        { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: [layout.vpcCidr], description: "traffic routed through the active node" },
      ],
      egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], description: "forwarded traffic" }],
      tags: tags("data-sg"),
    },
    opts,
  );

  // --- the nodes' interfaces (created here: tags and source/dest check in their own args)
  const interfaces = {} as Record<NodeId, Record<Role, aws.ec2.NetworkInterface>>;
  for (const node of ["a", "b"] as const) {
    const k = layout.azIndex[node];
    const made = {} as Record<Role, aws.ec2.NetworkInterface>;
    for (const role of ROLES) {
      const primary = layout.nodeIp(node, role);
      const moving = config.mode === "same-az" && node === "a" && role === "external" ? [layout.vip] : [];
      made[role] = new aws.ec2.NetworkInterface(
        `${name}-${node}-${role}`,
        {
          subnetId: subnets[role][k]!.id,
          // The first address of the list is the primary; the VIP starts on node a.
          privateIpListEnabled: true,
          privateIpLists: [primary, ...moving],
          // Data interfaces forward traffic not addressed to them.
          sourceDestCheck: role === "mgmt",
          securityGroups: [role === "mgmt" ? mgmtSg.id : dataSg.id],
          description: `ha-pair ${label} node ${node} ${role}`,
          tags: { ...tags(`${node}-${role}`), ...pairTags(label, { role }) },
        },
        // The agent moves secondary IPs between the nodes: a refresh must not make `up` move them back.
        { ...opts, ignoreChanges: ["privateIpLists", "privateIps", "privateIpsCount"] },
      );
    }
    interfaces[node] = made;
  }

  // --- what follows the active node
  const elasticIps: aws.ec2.Eip[] = [];
  const eipArgs: { eip: aws.ec2.Eip; role: string; privateIps: { a: string; b: string } }[] = [];
  if (config.mode === "same-az") {
    // The VIP's public face: one EIP on the moving secondary IP (the same private IP on either node).
    const eip = new aws.ec2.Eip(
      `${name}-vip`,
      { domain: "vpc", networkInterface: interfaces.a.external.id, associateWithPrivateIp: layout.vip, tags: { ...tags("vip"), ...pairTags(label) } },
      // The agent re-associates it: a refresh must not make `up` move it back.
      { ...opts, dependsOn: [igw], ignoreChanges: ["networkInterface", "associateWithPrivateIp", "instance"] },
    );
    elasticIps.push(eip);
    eipArgs.push({ eip, role: "external", privateIps: { a: layout.vip, b: layout.vip } });
  } else {
    // Across AZs: the EIP maps to each node's own external address.
    const privateIps = { a: layout.nodeIp("a", "external"), b: layout.nodeIp("b", "external") };
    const eip = new aws.ec2.Eip(
      `${name}-service`,
      { domain: "vpc", networkInterface: interfaces.a.external.id, associateWithPrivateIp: privateIps.a, tags: { ...tags("service"), ...pairTags(label) } },
      { ...opts, dependsOn: [igw], ignoreChanges: ["networkInterface", "associateWithPrivateIp", "instance"] },
    );
    elasticIps.push(eip);
    eipArgs.push({ eip, role: "external", privateIps });
  }
  const appDefault = new aws.ec2.Route(
    `${name}-app-default`,
    { routeTableId: appRouteTable.id, destinationCidrBlock: "0.0.0.0/0", networkInterfaceId: interfaces.a.internal.id },
    // The agent's ReplaceRoute moves the next hop: a refresh must not make `up` move it back.
    { ...opts, ignoreChanges: ["networkInterfaceId"] },
  );

  // --- the pair's failover infrastructure; the instances need its role and its bucket, the agent config needs their IDs
  const [instanceIdA, resolveA] = pulumi.deferredOutput<string>();
  const [instanceIdB, resolveB] = pulumi.deferredOutput<string>();
  const nodeArgs = (node: NodeId, instanceId: pulumi.Output<string>) => ({
    instanceId,
    interfaces: Object.fromEntries(ROLES.map((role) => [role, { networkInterface: interfaces[node][role] }])),
  });
  const pair = new AwsHaPair(
    name,
    {
      label,
      vpc,
      nodes: { a: nodeArgs("a", instanceIdA), b: nodeArgs("b", instanceIdB) },
      ...(config.mode === "same-az" ? { secondaryIps: [{ role: "external", ips: [layout.vip] }] } : {}),
      elasticIps: eipArgs,
      routes: [{ routeTable: appRouteTable, destinations: ["0.0.0.0/0"], nextHopRole: "internal" }],
      network: {
        nodeRouteTableIds: [mgmtRouteTable.id],
        endpointSubnetIds: subnets.mgmt.map((s) => s.id),
        nodeSubnetCidrs: subnets.mgmt.map((s) => s.cidrBlock),
      },
      stateBucket: { forceDestroy: config.forceDestroyBucket ?? true },
      agent: { reconcile: { roleCommand: ["/usr/bin/systemctl", "is-active", "--quiet", "keepalived"], intervalSeconds: 10 } },
    },
    { ...opts, dependsOn: [appDefault] },
  );

  const ami =
    config.ami ??
    aws.ec2.getAmiOutput(
      { owners: ["136693071363"], mostRecent: true, filters: [{ name: "name", values: ["debian-12-amd64-*"] }, { name: "architecture", values: ["x86_64"] }] },
      opts,
    ).id;
  const instances = {} as Record<NodeId, aws.ec2.Instance>;
  for (const node of ["a", "b"] as const) {
    const peer: NodeId = node === "a" ? "b" : "a";
    const userData = pair.agentInstallScript.apply((agentInstallScript) =>
      nodeUserData({
        node,
        mode: config.mode,
        selfMgmtIp: layout.nodeIp(node, "mgmt"),
        peerMgmtIp: layout.nodeIp(peer, "mgmt"),
        externalIp: layout.nodeIp(node, "external"),
        vip: layout.vip,
        agentInstallScript,
      }),
    );
    instances[node] = new aws.ec2.Instance(
      `${name}-${node}`,
      {
        ami,
        instanceType: config.instanceType ?? "t3.small",
        primaryNetworkInterface: { networkInterfaceId: interfaces[node].mgmt.id },
        iamInstanceProfile: pair.instanceProfileName,
        userData,
        // IMDSv2 only; one hop, so nothing behind the node can borrow its role.
        metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
        ...(config.keyName ? { keyName: config.keyName } : {}),
        tags: tags(node),
      },
      opts,
    );
    (["external", "internal"] as const).forEach((role, i) => {
      new aws.ec2.NetworkInterfaceAttachment(
        `${name}-${node}-${role}`,
        { instanceId: instances[node].id, networkInterfaceId: interfaces[node][role].id, deviceIndex: i + 1 },
        opts,
      );
    });
    if (managementInternet) {
      new aws.ec2.Eip(`${name}-${node}-mgmt`, { domain: "vpc", networkInterface: interfaces[node].mgmt.id, tags: tags(`${node}-mgmt`) }, { ...opts, dependsOn: [igw] });
    }
  }
  resolveA(instances.a.id);
  resolveB(instances.b.id);

  return {
    pair,
    vpc,
    instances,
    interfaces,
    elasticIps,
    appRouteTable,
    outputs: {
      mode: config.mode,
      agentConfig: pair.agentConfig,
      cfeDeclaration: pair.cfeDeclaration,
      policyDocument: pair.policyDocument,
      roleArn: pair.roleArn,
      instanceProfileName: pair.instanceProfileName,
      bucketName: pair.bucketName,
      stateKey: pair.stateKey,
      s3EndpointId: pair.s3EndpointId,
      ec2EndpointId: pair.ec2EndpointId,
      ec2EndpointDnsNames: pair.ec2EndpointDnsNames,
      instanceIds: { a: instances.a.id, b: instances.b.id },
      serviceAddress: elasticIps[0]!.publicIp,
      appRouteTableId: appRouteTable.id,
    },
  };
}
