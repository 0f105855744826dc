/** Derived names EC2 shows for addresses: private and public DNS names. */

export function privateDnsName(region: string, privateIp: string): string {
  const host = `ip-${privateIp.replaceAll(".", "-")}`;
  return region === "us-east-1" ? `${host}.ec2.internal` : `${host}.${region}.compute.internal`;
}

export function publicDnsName(region: string, publicIp: string): string {
  const host = `ec2-${publicIp.replaceAll(".", "-")}`;
  return region === "us-east-1" ? `${host}.compute-1.amazonaws.com` : `${host}.${region}.compute.amazonaws.com`;
}
